"""Posting rules from events: the books follow every change of the value of the stock, exactly once per event.

* `scm.goods_receipt.posted` (INV): per receipt line, Dr inventory / Cr GR/IR (the supplier as party), at the
  line's stock move value.
* `scm.shipment.shipped` (INV): per shipped move, Dr COGS / Cr inventory, at the move's value.
* `scm.stock.adjusted`, a cycle count (INV): per move, a gain Dr inventory / Cr inventory adjustments, a loss the
  reverse.
* `scm.stock.moved`, manual moves (INV): per move, Dr inventory / Cr the virtual side's account when stock comes
  in, the reverse when it goes out.
* `mes.work_order.completed` (MFG): Dr WIP / Cr inventory (components consumed); Dr WIP / Cr labour absorbed
  (labour at ERP's cost, machine time); Dr finished goods / Cr WIP (the finished moves); the rest of the
  completion's WIP to production variances.

Inventory accounts: an item's stock is on `finished_goods` when the item is made (PLM item type `make`), else on
`inventory` (raw material), the same for every rule, so the sum of the two always equals SCM's stock value (the
sum of its item valuations): every move that brings stock into internal locations or takes it out is posted at
the value SCM gave it, once. Transfers between internal locations change no value and post nothing.

The virtual side of a manual move (`scm.stock.moved`): supplier → GR/IR, customer → COGS, production → WIP, scrap,
inventory loss and transit → inventory adjustments.

WIP: MES consumes a work order's components when it reports a completion (backflush), in the same transaction as
the finished goods it receives, so each completion's posting leaves nothing in WIP: open work orders hold no
consumed-but-not-completed cost, and the WIP account stays at zero.

Labour: the completion's time logs (those MES charged to it) at the operator's `Employee.hourly_cost` when the
operator is an employee of the company, else at the work center's flat rate (what MES used); machine hours at
MES's machine cost. Finished goods are taken at SCM's value of the finished moves (MES's cost), so the difference
between ERP's and MES's labour (and any rounding) goes to production variances.

Exactly once: the entry records its event (`source_event_id`, unique); a second delivery finds it and posts
nothing. An event with nothing of value to post writes no entry.

Closed periods: an event dated in a closed period (a backdated receipt, a backfill of history) is posted on the
first day of the first open period after it, its memo naming the original date; closing a period is refused
anyway while an event of that period waits for a delivery (`periods.period_close`).
"""

import datetime
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.utils import timezone

from apps.core.errors import DomainError
from apps.core.models import Event, Party
from apps.erp.choices import JournalKind, PeriodStatus, PostingRule
from apps.erp.models import Employee, JournalEntry
from apps.erp.services.accounts import account_for, journal_for, posting_accounts
from apps.erp.services.entries import post_entry
from apps.erp.services.periods import period_for
from apps.mes.models import OperationTimeLog, WorkOrderCompletion, WorkOrderMaterial
from apps.plm.choices import ItemType
from apps.plm.models import Item
from apps.scm.choices import LocationKind
from apps.scm.models import CycleCount, GoodsReceipt, Shipment, StockMove

ZERO = Decimal(0)
CENT = Decimal("0.01")
# the account of the virtual side of a manual move, by the kind of its virtual location
VIRTUAL_SIDE = {
    LocationKind.SUPPLIER: PostingRule.GRIR,
    LocationKind.CUSTOMER: PostingRule.COGS,
    LocationKind.PRODUCTION: PostingRule.WIP,
    LocationKind.SCRAP: PostingRule.INVENTORY_ADJUSTMENT,
    LocationKind.INVENTORY_LOSS: PostingRule.INVENTORY_ADJUSTMENT,
    LocationKind.TRANSIT: PostingRule.INVENTORY_ADJUSTMENT,
}
MAX_MONTHS_AHEAD = 120


def inventory_rule(item: Item) -> str:
    """The inventory account of an item's stock: finished goods for made items, raw material for the others."""
    return PostingRule.FINISHED_GOODS if item.item_type == ItemType.MAKE else PostingRule.INVENTORY


def _items(company, ids) -> dict[int, Item]:
    return {item.pk: item for item in Item.objects.filter(company=company, pk__in=[i for i in ids if i])}


def _value(row: dict, field: str) -> Decimal:
    try:
        return Decimal(str(row.get(field) or "0"))
    except Exception as exc:
        raise DomainError(field, f"The event's {field} {row.get(field)!r} is not a number.", code="invalid") from exc


def event_date(event: Event) -> datetime.date:
    """The day an event happened, in the site's time zone."""
    return timezone.localdate(event.created_at)


def posting_date(*, company, date: datetime.date) -> tuple[datetime.date, str]:
    """The date to post an event of `date` on, and a memo note: the date itself in an open period; in a closed one
    the first day of the first open period after it (the note names the original date)."""
    period = period_for(company=company, date=date)
    if period.status == PeriodStatus.OPEN:
        return date, ""
    closed = period
    for _month in range(MAX_MONTHS_AHEAD):
        period = period_for(company=company, date=period.end + datetime.timedelta(days=1))
        if period.status == PeriodStatus.OPEN:
            return period.start, f" (of {date.isoformat()}; period {closed} is closed)"
    raise DomainError("date", f"No open period after {closed} to post the event of {date.isoformat()} in.",
                      code="period_closed")


class _Lines:
    """The lines of an automatic entry, in order; zero amounts are left out."""

    def __init__(self, company):
        self.company, self.rows = company, []
        self._accounts: dict[str, object] | None = None  # the company's mapped accounts, read on the first line

    def account(self, rule: str):
        if self._accounts is None:
            self._accounts = posting_accounts(company=self.company)
        if rule not in self._accounts:  # an unmapped rule: account_for creates the standard chart or says why not
            self._accounts[rule] = account_for(company=self.company, rule=rule)
        return self._accounts[rule]

    def add(self, rule: str, *, debit: Decimal = ZERO, credit: Decimal = ZERO, description: str = "",
            party=None) -> None:
        amount = debit - credit
        if amount == 0:
            return
        self.rows.append({"account": self.account(rule), "party": party,
                          "debit": amount if amount > 0 else ZERO, "credit": -amount if amount < 0 else ZERO,
                          "description": description[:200]})

    def pair(self, debit_rule: str, credit_rule: str, value: Decimal, description: str, *, party=None,
             credit_party=None) -> None:
        """Dr one account, Cr another, the same value (a negative value swaps the sides)."""
        if value < 0:
            debit_rule, credit_rule, value = credit_rule, debit_rule, -value
        self.add(debit_rule, debit=value, description=description, party=party)
        self.add(credit_rule, credit=value, description=description, party=credit_party)


def posted_entry(event: Event) -> JournalEntry | None:
    """The entry already posted from the event, if any."""
    return JournalEntry.objects.filter(company_id=event.company_id, source_event_id=event.pk).first()


def _post(*, event: Event, kind: str, date: datetime.date, memo: str, lines: _Lines, source,
          actor) -> JournalEntry | None:
    company = event.company
    if not lines.rows:
        return None
    date, note = posting_date(company=company, date=date)
    return post_entry(company=company, journal=journal_for(company=company, kind=kind), date=date,
                      memo=f"{memo}{note}"[:200], lines=lines.rows, source=source, source_event=event, actor=actor)


def _subject(model, event: Event):
    return model.objects.filter(company_id=event.company_id, pk=event.subject_id).first()


# ---- SCM -----------------------------------------------------------------------------------------------------

@transaction.atomic
def goods_receipt_posting(*, event: Event, actor=None) -> JournalEntry | None:
    """`scm.goods_receipt.posted`: per receipt line, Dr inventory / Cr GR/IR at the line's stock move value (the
    value a matching vendor bill clears GR/IR with). Once per event."""
    if existing := posted_entry(event):
        return existing
    payload, company = event.payload or {}, event.company
    rows = payload.get("lines") or []
    items = _items(company, [row.get("item_id") for row in rows])
    supplier = Party.objects.filter(company=company, pk=payload.get("supplier_id")).first()
    lines = _Lines(company)
    number, order = payload.get("number") or "", payload.get("purchase_order") or ""
    for index, row in enumerate(rows):
        item = items.get(row.get("item_id"))
        if item is None:
            raise DomainError(f"lines.{index}.item_id", f"No item {row.get('item_id')} in {company.code}.")
        description = f"{number} {order}/{row.get('purchase_order_line')} {item.number}"
        lines.pair(inventory_rule(item), PostingRule.GRIR, _value(row, "value"), description, credit_party=supplier)
    received = payload.get("received_on")
    date = datetime.date.fromisoformat(received) if received else event_date(event)
    return _post(event=event, kind=JournalKind.INVENTORY, date=date, memo=f"Goods receipt {number} ({order})",
                 lines=lines, source=_subject(GoodsReceipt, event), actor=actor)


@transaction.atomic
def shipment_posting(*, event: Event, actor=None) -> JournalEntry | None:
    """`scm.shipment.shipped`: per shipped move, Dr COGS / Cr inventory at the move's value. Once per event."""
    if existing := posted_entry(event):
        return existing
    payload, company = event.payload or {}, event.company
    rows = payload.get("lines") or []
    items = _items(company, [row.get("item_id") for row in rows])
    lines = _Lines(company)
    number = payload.get("number") or ""
    for index, row in enumerate(rows):
        item = items.get(row.get("item_id"))
        if item is None:
            raise DomainError(f"lines.{index}.item_id", f"No item {row.get('item_id')} in {company.code}.")
        lines.pair(PostingRule.COGS, inventory_rule(item), _value(row, "value"), f"{number} {item.number}")
    order, shipped = payload.get("sales_order_number"), payload.get("shipped_on")
    date = datetime.date.fromisoformat(shipped) if shipped else event_date(event)
    return _post(event=event, kind=JournalKind.INVENTORY, date=date,
                 memo=f"Shipment {number}" + (f" ({order})" if order else ""), lines=lines,
                 source=_subject(Shipment, event), actor=actor)


def _moves(event: Event) -> list[StockMove]:
    ids = [row.get("id") for row in (event.payload or {}).get("moves") or []]
    moves = {m.pk: m for m in StockMove.objects.filter(company_id=event.company_id, pk__in=[i for i in ids if i])
             .select_related("item", "from_location", "to_location")}
    missing = [i for i in ids if i not in moves]
    if missing:
        raise DomainError("moves", f"No stock move {missing[0]} in {event.company.code}.", code="not_found")
    return [moves[i] for i in ids]


def _move_pair(lines: _Lines, move: StockMove, other_rule: str, description: str) -> None:
    """Stock coming into internal locations: Dr inventory / Cr the other side; going out: the reverse."""
    stock = inventory_rule(move.item)
    if move.to_location.is_internal and not move.from_location.is_internal:
        lines.pair(stock, other_rule, move.value, description)
    elif move.from_location.is_internal and not move.to_location.is_internal:
        lines.pair(other_rule, stock, move.value, description)


@transaction.atomic
def stock_adjustment_posting(*, event: Event, actor=None) -> JournalEntry | None:
    """`scm.stock.adjusted` (a posted cycle count): a gain Dr inventory / Cr inventory adjustments, a loss the
    reverse, at the moves' values. Once per event."""
    if existing := posted_entry(event):
        return existing
    reference = (event.payload or {}).get("reference") or ""
    lines = _Lines(event.company)
    for move in _moves(event):
        _move_pair(lines, move, PostingRule.INVENTORY_ADJUSTMENT, f"{reference} {move.item.number}")
    return _post(event=event, kind=JournalKind.INVENTORY, date=event_date(event),
                 memo=f"Cycle count {reference}", lines=lines, source=_subject(CycleCount, event), actor=actor)


@transaction.atomic
def stock_move_posting(*, event: Event, actor=None) -> JournalEntry | None:
    """`scm.stock.moved` (moves outside a document: manual receipts/issues and adjustments, their reversals,
    quality rejections, opening stock): inventory against the virtual side's account (`VIRTUAL_SIDE`) at the
    moves' values. Once per event."""
    if existing := posted_entry(event):
        return existing
    lines = _Lines(event.company)
    moves = _moves(event)
    for move in moves:
        virtual = move.to_location if move.from_location.is_internal else move.from_location
        rule = VIRTUAL_SIDE.get(virtual.kind, PostingRule.INVENTORY_ADJUSTMENT)
        text = move.reason or move.reference or "Stock move"
        _move_pair(lines, move, rule, f"Move {move.pk} {move.item.number}: {text}")
    reference = (event.payload or {}).get("reference") or (moves[0].reference if moves else "")
    return _post(event=event, kind=JournalKind.INVENTORY, date=event_date(event),
                 memo=f"Stock moved{': ' + reference if reference else ''}", lines=lines,
                 source=moves[0] if len(moves) == 1 else None, actor=actor)


# ---- MES -----------------------------------------------------------------------------------------------------

def completion_labour_cost(completion: WorkOrderCompletion) -> Decimal:
    """The labour of a completion's time logs: hours x the operator's `Employee.hourly_cost` where the operator is
    an employee of the company, else x the work center's flat rate; rounded to the cent once, as MES does."""
    company_id = completion.work_order.company_id
    logs = list(OperationTimeLog.objects.filter(completion=completion).select_related("operation__work_center"))
    costs = dict(Employee.objects.filter(company_id=company_id, user_id__in={log.operator_id for log in logs})
                 .order_by("active", "id").values_list("user_id", "hourly_cost"))  # an active employee wins
    total = ZERO
    for log in logs:
        rate = costs.get(log.operator_id)
        total += log.hours * (rate if rate is not None else log.operation.work_center.hourly_rate)
    return total.quantize(CENT, ROUND_HALF_UP)


def completion_moves(completion: WorkOrderCompletion) -> tuple[list[StockMove], list[StockMove]]:
    """(components consumed, finished goods received) of one completion. MES consumes the components in the
    completion's transaction just before it receives the product (whose moves name the completion), so the
    consumed moves are the order's material moves between the previous completion's receipt and this one's."""
    work_order = completion.work_order
    finished = list(StockMove.objects.filter(company_id=work_order.company_id, source_type="mes.workordercompletion",
                                             source_id=str(completion.pk)).select_related("item", "from_location",
                                                                                          "to_location"))
    if not finished:
        return [], []
    previous = (WorkOrderCompletion.objects.filter(work_order=work_order, pk__lt=completion.pk)
                .order_by("-pk").values_list("pk", flat=True).first())
    after = 0
    if previous is not None:
        after = (StockMove.objects.filter(source_type="mes.workordercompletion", source_id=str(previous))
                 .order_by("-pk").values_list("pk", flat=True).first()) or 0
    # unordered: the model's ordering (by work order) would join the work orders for nothing
    materials = [str(pk) for pk in WorkOrderMaterial.objects.filter(work_order=work_order).order_by()
                 .values_list("pk", flat=True)]
    consumed = list(StockMove.objects.filter(company_id=work_order.company_id, source_type="mes.workordermaterial",
                                             source_id__in=materials, pk__gt=after,
                                             pk__lt=min(m.pk for m in finished))
                    .select_related("item", "from_location", "to_location").order_by("pk"))
    return consumed, finished


@transaction.atomic
def work_order_completion_posting(*, event: Event, actor=None) -> JournalEntry | None:
    """`mes.work_order.completed`: Dr WIP / Cr inventory for the components consumed; Dr WIP / Cr labour absorbed
    for labour (ERP's costing) and machine time; Dr finished goods / Cr WIP at the finished moves' value; what is
    left in WIP for the completion to production variances. Once per event."""
    if existing := posted_entry(event):
        return existing
    payload, company = event.payload or {}, event.company
    completion = (WorkOrderCompletion.objects.select_related("work_order__item")
                  .filter(work_order__company=company, pk=payload.get("completion_id")).first())
    if completion is None:
        raise DomainError("completion_id", f"No completion {payload.get('completion_id')} in {company.code}.",
                          code="not_found")
    work_order = completion.work_order
    number = work_order.number
    consumed, finished = completion_moves(completion)
    lines = _Lines(company)
    by_account: dict[str, Decimal] = defaultdict(Decimal)
    for move in consumed:
        by_account[inventory_rule(move.item)] += move.value
    material = sum(by_account.values(), ZERO)
    for rule, value in sorted(by_account.items()):
        lines.pair(PostingRule.WIP, rule, value, f"{number} components consumed")
    labour = completion_labour_cost(completion)
    lines.pair(PostingRule.WIP, PostingRule.LABOUR_ABSORBED, labour, f"{number} labour")
    lines.pair(PostingRule.WIP, PostingRule.LABOUR_ABSORBED, completion.machine_cost, f"{number} machine time")
    received = sum((m.value for m in finished), ZERO)
    lines.pair(inventory_rule(work_order.item), PostingRule.WIP, received, f"{number} finished goods received")
    left = material + labour + completion.machine_cost - received
    lines.pair(PostingRule.VARIANCE, PostingRule.WIP, left,
               f"{number} variance (labour at employee cost {labour} vs {completion.labour_cost} in MES)")
    completed_on = (event.payload or {}).get("completed_on")
    date = datetime.date.fromisoformat(completed_on) if completed_on else event_date(event)
    return _post(event=event, kind=JournalKind.MANUFACTURING, date=date,
                 memo=f"Work order {number} completion {completion.pk}", lines=lines,
                 source=work_order, actor=actor)
