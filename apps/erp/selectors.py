"""The books' reports, computed in PostgreSQL: trial balance, general ledger (running balance by a window
function), profit and loss, balance sheet. Only posted and reversed entries count (a reversal's mirror entry is
posted, so the pair cancels); drafts never do. Amounts are in the company's currency."""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import DecimalField, F, Sum, Value, Window
from django.db.models.functions import Coalesce

from apps.core.models import Company
from apps.erp.choices import BOOKED_STATUSES, DEBIT_KINDS, AccountKind
from apps.erp.models import Account, JournalLine

ZERO = Decimal(0)
MONEY = DecimalField(max_digits=20, decimal_places=2)


@dataclass
class BalanceRow:
    """One account's totals: debit, credit and balance (debit - credit)."""

    account: int
    code: str
    name: str
    kind: str
    debit: Decimal
    credit: Decimal

    @property
    def balance(self) -> Decimal:
        return self.debit - self.credit

    @property
    def natural_balance(self) -> Decimal:
        """The balance as the account's kind shows it (credit-normal kinds as positive credits)."""
        return self.balance if self.kind in DEBIT_KINDS else -self.balance


@dataclass
class Report:
    """Rows and totals of a report; `difference` is zero when it balances."""

    company: Company
    rows: list[BalanceRow] = field(default_factory=list)

    @property
    def total_debit(self) -> Decimal:
        return sum((r.debit for r in self.rows), ZERO)

    @property
    def total_credit(self) -> Decimal:
        return sum((r.credit for r in self.rows), ZERO)

    @property
    def difference(self) -> Decimal:
        return self.total_debit - self.total_credit


def booked_lines(company: Company):
    """The company's journal lines of posted and reversed entries."""
    return JournalLine.objects.filter(entry__company=company, entry__status__in=BOOKED_STATUSES)


def account_totals(company: Company, *, date_from: datetime.date | None = None,
                   date_to: datetime.date | None = None, kinds=None) -> list[BalanceRow]:
    """Σ debit and Σ credit per account over a date range, one GROUP BY query, ordered by account code."""
    lines = booked_lines(company)
    if date_from is not None:
        lines = lines.filter(entry__date__gte=date_from)
    if date_to is not None:
        lines = lines.filter(entry__date__lte=date_to)
    if kinds is not None:
        lines = lines.filter(account__kind__in=kinds)
    grouped = (lines.values("account_id", "account__code", "account__name", "account__kind")
               .annotate(debit=Coalesce(Sum("debit"), Value(ZERO), output_field=MONEY),
                         credit=Coalesce(Sum("credit"), Value(ZERO), output_field=MONEY))
               .order_by("account__code"))
    return [BalanceRow(account=r["account_id"], code=r["account__code"], name=r["account__name"],
                       kind=r["account__kind"], debit=r["debit"], credit=r["credit"]) for r in grouped]


def trial_balance(*, company: Company, date: datetime.date) -> Report:
    """Every account's debits and credits up to and including `date`; the totals are equal."""
    return Report(company=company, rows=account_totals(company, date_to=date))


@dataclass
class ProfitAndLoss:
    """Income and expense accounts over a date range and the result (income - expense)."""

    company: Company
    date_from: datetime.date
    date_to: datetime.date
    income: list[BalanceRow]
    expenses: list[BalanceRow]

    @property
    def total_income(self) -> Decimal:
        return sum((r.natural_balance for r in self.income), ZERO)

    @property
    def total_expenses(self) -> Decimal:
        return sum((r.natural_balance for r in self.expenses), ZERO)

    @property
    def result(self) -> Decimal:
        return self.total_income - self.total_expenses


def profit_and_loss(*, company: Company, date_from: datetime.date, date_to: datetime.date) -> ProfitAndLoss:
    """The income statement of a date range (both days included)."""
    rows = account_totals(company, date_from=date_from, date_to=date_to,
                          kinds=[AccountKind.INCOME, AccountKind.EXPENSE])
    return ProfitAndLoss(company=company, date_from=date_from, date_to=date_to,
                         income=[r for r in rows if r.kind == AccountKind.INCOME],
                         expenses=[r for r in rows if r.kind == AccountKind.EXPENSE])


@dataclass
class BalanceSheet:
    """Assets, liabilities and equity at a date; the current result (all income - expense up to the date, not
    yet closed into equity) belongs to equity, so assets = liabilities + equity + result."""

    company: Company
    date: datetime.date
    assets: list[BalanceRow]
    liabilities: list[BalanceRow]
    equity: list[BalanceRow]
    result: Decimal

    @property
    def total_assets(self) -> Decimal:
        return sum((r.natural_balance for r in self.assets), ZERO)

    @property
    def total_liabilities(self) -> Decimal:
        return sum((r.natural_balance for r in self.liabilities), ZERO)

    @property
    def total_equity(self) -> Decimal:
        return sum((r.natural_balance for r in self.equity), ZERO)

    @property
    def total_liabilities_and_equity(self) -> Decimal:
        return self.total_liabilities + self.total_equity + self.result

    @property
    def difference(self) -> Decimal:
        return self.total_assets - self.total_liabilities_and_equity


def balance_sheet(*, company: Company, date: datetime.date) -> BalanceSheet:
    """The balance sheet at `date` (everything booked up to and including it)."""
    rows = account_totals(company, date_to=date)
    by_kind = {kind: [r for r in rows if r.kind == kind] for kind in AccountKind.values}
    result = (sum((-r.balance for r in by_kind[AccountKind.INCOME]), ZERO)
              - sum((r.balance for r in by_kind[AccountKind.EXPENSE]), ZERO))
    return BalanceSheet(company=company, date=date, assets=by_kind[AccountKind.ASSET],
                        liabilities=by_kind[AccountKind.LIABILITY], equity=by_kind[AccountKind.EQUITY],
                        result=result)


def general_ledger(*, account: Account, date_from: datetime.date | None = None,
                   date_to: datetime.date | None = None) -> tuple[Decimal, list[dict]]:
    """The opening balance before `date_from` and the account's booked lines in the range with a running
    balance (debit - credit, a window function over date and entry), oldest first."""
    lines = booked_lines(account.company).filter(account=account)
    opening = ZERO
    if date_from is not None:
        before = lines.filter(entry__date__lt=date_from).aggregate(
            balance=Coalesce(Sum(F("debit") - F("credit")), Value(ZERO), output_field=MONEY))
        opening = before["balance"]
        lines = lines.filter(entry__date__gte=date_from)
    if date_to is not None:
        lines = lines.filter(entry__date__lte=date_to)
    order = [F("entry__date").asc(), F("entry_id").asc(), F("line_number").asc()]
    rows = (lines.annotate(running=Window(Sum(F("debit") - F("credit")), order_by=order))
            .order_by(*order)
            .values("id", "entry_id", "entry__number", "entry__date", "entry__memo", "description", "party_id",
                    "debit", "credit", "running"))
    return opening, [{**r, "balance": opening + r["running"]} for r in rows]

