"""The finance dashboard's figures, each one query in PostgreSQL and in the company's currency: revenue by month
(from the books), the open order book, receivables overdue, inventory and work-in-progress value, and the margin
per product (invoiced revenue against the cost of the goods shipped)."""

import calendar
import datetime
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import urlencode

from django.db.models import DecimalField, ExpressionWrapper, F, Q, Sum, Value
from django.db.models.functions import Coalesce, TruncMonth
from django.urls import reverse

from apps.core.models import Company
from apps.erp.choices import BOOKED_STATUSES, AccountKind, PostingRule
from apps.erp.models import AccountMapping, InvoiceLine, JournalLine
from apps.erp.models.invoicing import UNPAID_STATUSES, InvoiceKind, OpenItemStatus
from apps.scm.choices import LocationKind, MoveStatus
from apps.scm.models import StockMove
from apps.scm.selectors import stock_value_total

ZERO = Decimal(0)
MONEY = DecimalField(max_digits=20, decimal_places=2)
INVOICED = (*UNPAID_STATUSES, OpenItemStatus.PAID)


def month_end(month: datetime.date) -> datetime.date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def link(name: str, args=None, **params) -> str:
    """The URL `name` with a query string (a tile's or a bar's filtered list)."""
    url = reverse(name, args=args)
    return f"{url}?{urlencode(params)}" if params else url


def revenue_by_month(*, company: Company, months: list[datetime.date]) -> list[Decimal]:
    """Income booked per month (credits less debits of the income accounts), one figure per month of `months`."""
    rows = (JournalLine.objects.filter(entry__company=company, entry__status__in=BOOKED_STATUSES,
                                       account__kind=AccountKind.INCOME, entry__date__gte=months[0],
                                       entry__date__lte=month_end(months[-1]))
            .annotate(month=TruncMonth("entry__date")).order_by().values("month")
            .annotate(amount=Coalesce(Sum(F("credit") - F("debit")), Value(ZERO), output_field=MONEY)))
    by_month = {row["month"]: row["amount"] for row in rows}
    return [by_month.get(month, ZERO) for month in months]


def revenue_chart(*, company: Company, months: list[datetime.date]) -> dict:
    """Chart.js spec: income booked per month; a bar opens that month's profit and loss."""
    amounts = revenue_by_month(company=company, months=months)
    return {"type": "bar", "unit": company.currency.code, "labels": [m.strftime("%b %Y") for m in months],
            "datasets": [{"label": "Revenue", "data": [float(a) for a in amounts]}],
            "links": [link("erp:profit_and_loss", date_from=m.isoformat(),
                           date_to=month_end(m).isoformat()) for m in months]}


def rule_balance(*, company: Company, rule: str) -> tuple[int | None, Decimal]:
    """The account of a posting rule and its booked balance (debit - credit) to date."""
    account_id = AccountMapping.objects.filter(company=company, rule=rule).values_list("account_id",
                                                                                       flat=True).first()
    if account_id is None:
        return None, ZERO
    balance = JournalLine.objects.filter(entry__status__in=BOOKED_STATUSES, account_id=account_id).aggregate(
        b=Coalesce(Sum(F("debit") - F("credit")), Value(ZERO), output_field=MONEY))["b"]
    return account_id, balance


@dataclass
class ProductMargin:
    """One product's invoiced revenue, the cost of what was shipped of it, and the margin, in a date range."""

    item_id: int
    number: str
    name: str
    revenue: Decimal
    cost: Decimal

    @property
    def margin(self) -> Decimal:
        return self.revenue - self.cost

    @property
    def margin_percent(self) -> Decimal | None:
        return (self.margin * 100 / self.revenue).quantize(Decimal("0.1")) if self.revenue else None


def margin_per_product(*, company: Company, date_from: datetime.date, date_to: datetime.date,
                       limit: int = 10) -> list[ProductMargin]:
    """The `limit` products with the most revenue: posted invoice lines (credit notes deducted) at the invoices'
    rates, against the value of their stock moves to customers (the cost of goods shipped) in the same range."""
    signed_net = ExpressionWrapper(F("net") * F("invoice__exchange_rate"), output_field=MONEY)
    revenue = (InvoiceLine.objects.filter(invoice__company=company, invoice__status__in=INVOICED,
                                          invoice__invoice_date__range=(date_from, date_to), item__isnull=False)
               .order_by().values("item_id", "item__number", "item__name")
               .annotate(invoiced=Sum(signed_net, filter=Q(invoice__kind=InvoiceKind.INVOICE)),
                         credited=Sum(signed_net, filter=Q(invoice__kind=InvoiceKind.CREDIT_NOTE))))
    rows = {row["item_id"]: row for row in revenue}
    shipped = dict(StockMove.objects.filter(company=company, status=MoveStatus.DONE, item_id__in=list(rows),
                                            to_location__kind=LocationKind.CUSTOMER,
                                            done_at__date__range=(date_from, date_to))
                   .order_by().values("item_id").annotate(v=Sum("value")).values_list("item_id", "v"))
    margins = [ProductMargin(item_id=item_id, number=row["item__number"], name=row["item__name"],
                             revenue=((row["invoiced"] or ZERO) - (row["credited"] or ZERO)).quantize(
                                 Decimal("0.01")),
                             cost=(shipped.get(item_id) or ZERO).quantize(Decimal("0.01")))
               for item_id, row in rows.items()]
    margins.sort(key=lambda m: (-m.revenue, m.number))
    return margins[:limit]


def wip_and_inventory(*, company: Company) -> dict:
    """Inventory value (SCM) and the balances of the inventory and WIP accounts, for the dashboard tiles."""
    wip_account, wip = rule_balance(company=company, rule=PostingRule.WIP)
    return {"inventory_value": stock_value_total(company_id=company.pk), "wip_account": wip_account,
            "wip_value": wip}
