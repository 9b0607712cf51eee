"""Inventory valuation against the books: SCM's stock value at a date (per item, from its stock ledger: done moves
into and out of internal locations at their values) next to the balances of the inventory accounts (raw material,
finished goods), and MES's open work orders' WIP value next to the WIP account, each with the difference.

Raw material is the stock of bought items (`buy`, `phantom`), finished goods that of made items (`make`); the
accounts are those the company's account mapping gives the posting rules `inventory`, `finished_goods`, `wip`."""

import datetime
from decimal import Decimal

from django.db import connection
from django.db.models import Sum
from django.utils import timezone

from apps.core.models import Company
from apps.erp.choices import PostingRule
from apps.erp.models import AccountMapping
from apps.erp.selectors import account_totals
from apps.mes.models import WorkOrder, WorkOrderCompletion
from apps.mes.models.production import WorkOrderStatus
from apps.plm.choices import ItemType

ZERO = Decimal(0)
OPEN_WORK_ORDERS = (WorkOrderStatus.RELEASED, WorkOrderStatus.IN_PROGRESS)
FINISHED_TYPES = (ItemType.MAKE,)

# per item: Σ of done moves into internal locations from elsewhere - Σ of those out of them, up to the date
STOCK = """
SELECT i.id, i.number, i.name, i.item_type,
       sum(CASE WHEN t.kind = 'internal' THEN m.quantity ELSE -m.quantity END),
       sum(CASE WHEN t.kind = 'internal' THEN m.value ELSE -m.value END)
  FROM scm_stockmove m
  JOIN scm_location f ON f.id = m.from_location_id
  JOIN scm_location t ON t.id = m.to_location_id
  JOIN plm_item i ON i.id = m.item_id
 WHERE m.company_id = %(company)s AND m.status = 'done' AND m.done_at < %(before)s
   AND (f.kind = 'internal') <> (t.kind = 'internal')
 GROUP BY i.id, i.number, i.name, i.item_type
HAVING sum(CASE WHEN t.kind = 'internal' THEN m.quantity ELSE -m.quantity END) <> 0
    OR sum(CASE WHEN t.kind = 'internal' THEN m.value ELSE -m.value END) <> 0
 ORDER BY i.number
"""


def stock_by_item(*, company: Company, date: datetime.date) -> list[dict]:
    """Quantity and value in the company's internal locations per item at the end of `date` (the server's time
    zone), from SCM's done stock moves; items with nothing left are not listed."""
    end_of_day = timezone.make_aware(datetime.datetime.combine(date + datetime.timedelta(days=1),
                                                               datetime.time.min))
    with connection.cursor() as cursor:
        cursor.execute(STOCK, {"company": company.pk, "before": end_of_day})
        return [{"item": pk, "number": number, "name": name, "item_type": item_type, "quantity": quantity,
                 "value": value} for pk, number, name, item_type, quantity, value in cursor.fetchall()]


def open_work_orders_wip(*, company: Company) -> Decimal:
    """What the open (released, in progress) work orders hold: the costs charged to them (material, labour,
    machine) minus what their completions moved on to finished goods. Today's figure, not the date's."""
    orders = WorkOrder.objects.filter(company=company, status__in=OPEN_WORK_ORDERS)
    charged = orders.aggregate(material=Sum("material_cost"), labour=Sum("labour_cost"), machine=Sum("machine_cost"))
    relieved = WorkOrderCompletion.objects.filter(work_order__in=orders).aggregate(total=Sum("total_cost"))
    return sum((v or ZERO for v in charged.values()), ZERO) - (relieved["total"] or ZERO)


def inventory_valuation_data(*, company: Company, date: datetime.date) -> dict:
    """The report as plain data: SCM's stock per item, and per category the stock value, the mapped account's
    balance (debit - credit) at the date and the difference (stock value - account balance)."""
    items = stock_by_item(company=company, date=date)
    finished = sum((r["value"] for r in items if r["item_type"] in FINISHED_TYPES), ZERO)
    raw = sum((r["value"] for r in items if r["item_type"] not in FINISHED_TYPES), ZERO)
    mapped = {m.rule: m.account for m in AccountMapping.objects.filter(
        company=company, rule__in=[PostingRule.INVENTORY, PostingRule.FINISHED_GOODS, PostingRule.WIP],
    ).select_related("account")}
    balances = {r.account: r.balance for r in account_totals(company, date_to=date)}
    categories = []
    for key, label, rule, value in (("raw_material", "Raw material", PostingRule.INVENTORY, raw),
                                    ("finished_goods", "Finished goods", PostingRule.FINISHED_GOODS, finished),
                                    ("wip", "Work in progress (open work orders)", PostingRule.WIP,
                                     open_work_orders_wip(company=company))):
        account = mapped.get(rule)
        balance = balances.get(account.pk, ZERO) if account else ZERO
        categories.append({"category": key, "label": label, "stock_value": value,
                           "account": account.pk if account else None, "account_code": account.code if account else "",
                           "account_name": account.name if account else "", "account_balance": balance,
                           "difference": value - balance})
    totals = {key: sum((c[key] for c in categories), ZERO) for key in ("stock_value", "account_balance",
                                                                       "difference")}
    return {"company": company.pk, "currency": company.currency.code, "date": date, "items": items,
            "categories": categories, "totals": totals}
