"""The MRP algorithm, in memory and without the database: the same inputs give the same plan.

1. Low-level codes: an item's code is one more than the highest code of any item whose BOM uses it, so an item is
   planned only after every parent that can add demand to it (a sub-assembly used at levels 1 and 2 is planned once,
   at level 2, with both demands: odoo/odoo#74314 made 600 where 400 were needed).
2. Per item, in day buckets from the start date: requirements (sales order lines, open work orders' components,
   parent planned orders, safety stock at the start) are covered in date order from on-hand stock, then the open
   orders (scheduled receipts) earliest first, then the excess of earlier planned orders. Each quantity of supply is
   used once. What a day still lacks becomes one planned order (or several fixed lots), sized by the item's policy:
   lot for lot or fixed lots, raised to the minimum (and a bought item's supplier minimum), rounded up to the
   multiple.
3. Lead-time offsetting: a purchase starts the supplier's lead time (calendar days) before its due date; a production
   order is scheduled backward from the end of its due date over its routing's work center shift calendars (setup +
   run time x quantity per operation, as MES schedules work orders), then the fixed lead time in working days.
4. A production order's start date is when its components are needed: their requirement (quantity per x order
   quantity, raised by the line's scrap) is pegged to it. A phantom item is never ordered: what its stock does not
   cover passes straight to its components, on the same day and pegged to the same demand.
5. Exception messages: late (a planned order should have started before the start date), expedite (an open order
   covers a demand before its due date), defer (the first demand it covers is more than `DEFER_DAYS` after it),
   cancel (an open order due in the horizon covers nothing).
"""

import contextlib
import datetime
import gc
import heapq
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

ZERO = Decimal(0)
ONE = Decimal(1)
HUNDRED = Decimal(100)
QTY = Decimal("0.0001")
DEFER_DAYS = 7
MAX_DAYS_BACK = 3660
DAY = datetime.timedelta(days=1)

# item types (plm.ItemType) and the kinds of demand, supply and planned order, as stored
MAKE, BUY, PHANTOM = "make", "buy", "phantom"
PURCHASE, PRODUCTION = "purchase", "production"
SALES_ORDER, PLANNED_ORDER, WORK_ORDER, SAFETY_STOCK, LOT_SIZE = (
    "sales_order", "planned_order", "work_order", "safety_stock", "lot_size")
LATE, EXPEDITE, DEFER, CANCEL = "late", "expedite", "defer", "cancel"
# on one day: safety stock first (it protects the stock from the start), then customers, then internal demand
_DEMAND_RANK = {SAFETY_STOCK: 0, SALES_ORDER: 1, WORK_ORDER: 2, PLANNED_ORDER: 3}
_ON_HAND, _RECEIPT, _PLANNED = 0, 1, 2


def qty(value: Decimal) -> Decimal:
    """A stored quantity: 4 decimals, half up (as PLM's explosion and MES's material requirements round)."""
    return value.quantize(QTY, rounding=ROUND_HALF_UP)


# ---- inputs ------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Operation:
    work_center_id: int
    setup_minutes: float
    run_minutes_per_unit: float


@dataclass(frozen=True)
class ItemInput:
    """An item as MRP plans it: type, lot sizing, lead times, preferred supplier, routing."""

    id: int
    number: str
    item_type: str = BUY
    lot_sizing: str = "lot_for_lot"
    fixed_quantity: Decimal | None = None
    minimum_quantity: Decimal = ZERO
    multiple: Decimal = ZERO
    safety_stock: Decimal = ZERO
    lead_time_days: int = 0
    supplier_id: int | None = None
    supplier_lead_time_days: int | None = None
    supplier_minimum: Decimal = ZERO
    operations: tuple[Operation, ...] = ()


@dataclass(frozen=True)
class BomEdge:
    """One BOM line of a released revision: quantity per parent unit (in the component's unit) and scrap %."""

    component_id: int
    quantity_per: Decimal
    scrap_percent: Decimal = ZERO


@dataclass(frozen=True)
class Demand:
    """Independent demand (a sales order line) or an open work order's component requirement."""

    item_id: int
    date: datetime.date
    quantity: Decimal
    kind: str  # SALES_ORDER or WORK_ORDER
    ref: int  # the sales order line's or the work order's id


@dataclass(frozen=True)
class Receipt:
    """A scheduled receipt: an open purchase order line, requisition or work order still to arrive."""

    item_id: int
    date: datetime.date
    quantity: Decimal
    document: str  # what a planner reads in the message: "PO-2026-00001/2", "WO-2026-00007"


@dataclass
class PlanInputs:
    start: datetime.date
    horizon_days: int
    items: dict[int, ItemInput]
    bom: dict[int, list[BomEdge]]
    on_hand: dict[int, Decimal] = field(default_factory=dict)
    demands: list[Demand] = field(default_factory=list)
    receipts: list[Receipt] = field(default_factory=list)
    calendars: dict[int, dict[int, tuple[datetime.time, Decimal]]] = field(default_factory=dict)

    @property
    def end(self) -> datetime.date:
        """The last day bucket."""
        return self.start + datetime.timedelta(days=self.horizon_days - 1)


# ---- outputs -----------------------------------------------------------------------------------------------------
# a peg: (kind, quantity, due date, ref: the sales order line's or work order's id, or the parent planned order's
# `seq`); plain tuples, as there are about ten per planned order
PlannedPeg = tuple[str, Decimal, datetime.date, int | None]


@dataclass(slots=True)
class Planned:
    seq: int  # 1, 2, … in planning order: the planned order's number within the run
    item_id: int
    kind: str
    quantity: Decimal
    due_date: datetime.date
    start_date: datetime.date
    low_level_code: int
    is_late: bool
    supplier_id: int | None
    pegs: list[PlannedPeg] = field(default_factory=list)


@dataclass
class Message:
    item_id: int
    kind: str
    text: str
    planned_seq: int | None = None
    document: str = ""
    due_date: datetime.date | None = None
    suggested_date: datetime.date | None = None
    quantity: Decimal = ZERO


@dataclass
class ItemPlan:
    item_id: int
    low_level_code: int
    on_hand: Decimal
    safety_stock: Decimal
    buckets: list[list]  # [date, demand, scheduled receipts, planned receipts, projected on hand]


@dataclass
class Plan:
    planned: list[Planned]
    messages: list[Message]
    item_plans: list[ItemPlan]
    levels: int


class Cancelled(Exception):
    """Raised by the progress callback to stop the run."""


# ---- structure ---------------------------------------------------------------------------------------------------
def low_level_codes(items: dict[int, ItemInput], bom: dict[int, list[BomEdge]]) -> dict[int, int]:
    """Each item's lowest level in any BOM (0 for end items), by a topological walk of the parent→component graph;
    edges of a cycle (which PLM refuses) are not followed twice."""
    children: dict[int, set[int]] = defaultdict(set)
    indegree: dict[int, int] = dict.fromkeys(items, 0)
    for parent, edges in bom.items():
        for edge in edges:
            if edge.component_id not in children[parent] and edge.component_id in indegree:
                children[parent].add(edge.component_id)
                indegree[edge.component_id] += 1
    codes = dict.fromkeys(items, 0)
    ready = sorted(i for i, d in indegree.items() if d == 0)
    while ready:
        following = []
        for parent in ready:
            for child in children.get(parent, ()):
                codes[child] = max(codes[child], codes[parent] + 1)
                indegree[child] -= 1
                if indegree[child] == 0:
                    following.append(child)
        ready = sorted(following)
    return codes


# ---- lot sizing and lead times ----------------------------------------------------------------------------------
def _round_up(value: Decimal, step: Decimal) -> Decimal:
    return (value / step).to_integral_value(rounding=ROUND_CEILING) * step


def lot_sizes(item: ItemInput, net: Decimal, *, purchase: bool) -> list[Decimal]:
    """The planned order quantities for a net requirement: one lot for lot, or as many fixed lots as needed; each
    raised to the minimum (with a bought item's supplier minimum) and rounded up to the multiple."""
    if item.lot_sizing == "fixed" and item.fixed_quantity:
        lots = [Decimal(item.fixed_quantity)] * int(_round_up(net, Decimal(item.fixed_quantity)) / item.fixed_quantity)
    else:
        lots = [net]
    minimum = max(item.minimum_quantity, item.supplier_minimum if purchase else ZERO)
    result = []
    for lot in lots:
        lot = max(lot, minimum)
        if item.multiple > 0:
            lot = _round_up(lot, item.multiple)
        result.append(qty(lot))
    return result


def backward(calendar: dict[int, tuple[datetime.time, Decimal]], latest_end: datetime.datetime,
             minutes: float) -> datetime.datetime:
    """The start of `minutes` of work ending no later than `latest_end` in the shifts of `calendar` ({weekday:
    (start, hours)}): MES's `schedule_backward`, on naive local times. An empty calendar counts every hour."""
    if not calendar:
        return latest_end - datetime.timedelta(minutes=minutes)
    remaining = minutes
    day = latest_end.date()
    for _ in range(MAX_DAYS_BACK):
        shift = calendar.get(day.weekday())
        if shift is not None:
            window_start = datetime.datetime.combine(day, shift[0])
            upper = min(window_start + datetime.timedelta(hours=float(shift[1])), latest_end)
            if upper > window_start:
                available = (upper - window_start).total_seconds() / 60
                if remaining <= available:
                    return upper - datetime.timedelta(minutes=remaining)
                remaining -= available
        day -= DAY
    return latest_end - datetime.timedelta(days=MAX_DAYS_BACK)


def working_days_back(calendar: dict, day: datetime.date, days: int) -> datetime.date:
    """`days` working days of the calendar before `day` (calendar days without a calendar)."""
    if not calendar or days <= 0:
        return day - datetime.timedelta(days=days)
    for _ in range(MAX_DAYS_BACK):
        if days == 0:
            return day
        day -= DAY
        if day.weekday() in calendar:
            days -= 1
    return day


def start_date(item: ItemInput, quantity: Decimal, due: datetime.date, calendars: dict) -> datetime.date:
    """When the order must start (be placed) to be ready at the end of its due date."""
    if item.item_type != MAKE:
        days = item.supplier_lead_time_days if item.supplier_lead_time_days is not None else item.lead_time_days
        return due - datetime.timedelta(days=days)
    if not item.operations:
        return due - datetime.timedelta(days=item.lead_time_days)
    latest = datetime.datetime.combine(due, datetime.time(23, 59, 59))
    units = float(quantity)
    for operation in reversed(item.operations):
        minutes = operation.setup_minutes + operation.run_minutes_per_unit * units
        latest = backward(calendars.get(operation.work_center_id, {}), latest, minutes)
    first_calendar = calendars.get(item.operations[0].work_center_id, {})
    return working_days_back(first_calendar, latest.date(), item.lead_time_days)


# ---- netting -----------------------------------------------------------------------------------------------------
class _Supply:
    __slots__ = ("date", "document", "first_use", "kind", "planned", "quantity", "remaining")

    def __init__(self, kind: int, date: datetime.date, quantity: Decimal, document: str = "",
                 planned: Planned | None = None):
        self.kind, self.date, self.quantity, self.remaining = kind, date, quantity, quantity
        self.document, self.planned, self.first_use = document, planned, None


# a requirement: (date, rank of its kind, ref or 0, quantity, kind, ref); tuples sort in planning order and cost
# least to make (a large plan has about a million)
_Requirement = tuple
_RANK_OF_PLANNED_ORDER = _DEMAND_RANK[PLANNED_ORDER]


class Planner:
    """One planning pass over `PlanInputs`; `run()` returns the `Plan`."""

    def __init__(self, inputs: PlanInputs, progress: Callable[[int, int], None] | None = None):
        self.inputs = inputs
        self.progress = progress
        self.requirements: dict[int, list[_Requirement]] = defaultdict(list)
        self.receipts: dict[int, list[Receipt]] = defaultdict(list)
        self.planned: list[Planned] = []
        self.messages: list[Message] = []
        self.item_plans: list[ItemPlan] = []
        self.start, self.end = inputs.start, inputs.end
        self.iso = _Iso()
        # per parent: (component, quantity per parent unit raised by the scrap allowance), computed once
        self.explosion = {parent: [(e.component_id, e.quantity_per * (HUNDRED + e.scrap_percent) / HUNDRED)
                                   for e in edges] for parent, edges in inputs.bom.items()}

    def _require(self, item_id: int, date: datetime.date, quantity: Decimal, kind: str, ref: int | None) -> None:
        """Add a requirement; one due before the start is needed at the start, one after the horizon is not
        planned."""
        if quantity <= 0 or date > self.end:
            return
        self.requirements[item_id].append((date if date > self.start else self.start, _DEMAND_RANK[kind], ref or 0,
                                           quantity, kind, ref))

    def run(self) -> Plan:
        inputs = self.inputs
        for demand in inputs.demands:
            if demand.item_id in inputs.items:
                self._require(demand.item_id, demand.date, demand.quantity, demand.kind, demand.ref)
        for receipt in inputs.receipts:
            if receipt.item_id in inputs.items and receipt.quantity > 0:
                self.receipts[receipt.item_id].append(receipt)
        for item in inputs.items.values():
            if item.safety_stock > 0 and item.item_type != PHANTOM:
                self._require(item.id, inputs.start, item.safety_stock, SAFETY_STOCK, None)
        codes = low_level_codes(inputs.items, inputs.bom)
        levels: dict[int, list[ItemInput]] = defaultdict(list)
        for item in inputs.items.values():
            levels[codes[item.id]].append(item)
        total, done = len(inputs.items), 0
        for level in sorted(levels):
            for item in sorted(levels[level], key=lambda i: (i.number, i.id)):
                self._plan_item(item, level)
            done += len(levels[level])
            if self.progress is not None:
                self.progress(done, total)
        return Plan(self.planned, self.messages, self.item_plans, levels=len(levels))

    def _plan_item(self, item: ItemInput, level: int) -> None:
        inputs = self.inputs
        requirements = sorted(self.requirements.pop(item.id, ()))
        receipts = sorted(self.receipts.pop(item.id, ()), key=lambda r: (r.date, r.document))
        on_hand = inputs.on_hand.get(item.id, ZERO)
        if not requirements and not receipts and not on_hand:
            return
        heap: list[tuple] = []
        serial = 0

        def offer(supply: _Supply) -> None:
            nonlocal serial
            serial += 1
            heapq.heappush(heap, (supply.date, supply.kind, serial, supply))

        if on_hand > 0:
            offer(_Supply(_ON_HAND, inputs.start, on_hand))
        scheduled = []
        for receipt in receipts:
            if receipt.date > inputs.end:
                continue  # beyond the horizon: neither used nor judged
            # a receipt already overdue is counted from the start (its supplier or the shop is late, not the plan)
            supply = _Supply(_RECEIPT, max(receipt.date, inputs.start), receipt.quantity, receipt.document)
            scheduled.append(supply)
            offer(supply)
        demand_by_day: dict[datetime.date, Decimal] = {}
        planned_by_day: dict[datetime.date, Decimal] = defaultdict(Decimal)
        passed: list[tuple[_Requirement, Decimal]] = []  # a phantom's uncovered requirements
        index, count = 0, len(requirements)
        heappop = heapq.heappop
        while index < count:
            day = requirements[index][0]
            shortfalls: list[tuple[_Requirement, Decimal]] = []
            day_demand = ZERO
            while index < count and requirements[index][0] == day:
                requirement = requirements[index]
                index += 1
                _date, _rank, _ref0, missing, kind, ref = requirement
                if kind != SAFETY_STOCK:  # the projected stock shows the safety stock kept
                    day_demand += missing
                # take the requirement from the earliest supplies (inline: this runs a million times)
                while heap:
                    supply = heap[0][3]
                    remaining = supply.remaining
                    taken = remaining if remaining < missing else missing
                    supply.remaining = remaining = remaining - taken
                    missing -= taken
                    if supply.first_use is None:
                        supply.first_use = day
                    if supply.kind == _PLANNED:
                        supply.planned.pegs.append((kind, taken, day, ref))
                    if remaining <= 0:
                        heappop(heap)
                    if missing <= 0:
                        break
                if missing > 0:
                    shortfalls.append((requirement, missing))
            if day_demand:  # requirements are positive: a day has demand when it has any but safety stock
                demand_by_day[day] = day_demand
            if not shortfalls:
                continue
            if item.item_type == PHANTOM:  # passed on to its components: flows through, never stocked
                passed.extend(shortfalls)
                planned_by_day[day] += sum((missing for _r, missing in shortfalls), ZERO)
                continue
            for order, excess in self._order(item, level, day, shortfalls):
                planned_by_day[day] += order.quantity
                if excess > 0:
                    offer(_Supply(_PLANNED, day, excess, planned=order))
        for _date, _kind, _serial, supply in heap:
            if supply.kind == _PLANNED and supply.remaining > 0:
                supply.planned.pegs.append((LOT_SIZE, supply.remaining, supply.date, None))
        if item.item_type == PHANTOM:
            self._pass_through(item, passed)
        self._judge_receipts(item, scheduled)
        self._record(item, level, on_hand, receipts, demand_by_day, planned_by_day)

    def _order(self, item: ItemInput, level: int, day: datetime.date,
               shortfalls: list[tuple[_Requirement, Decimal]]) -> list[tuple[Planned, Decimal]]:
        """The planned orders covering one day's shortfalls, each pegged to the demands it covers, with the excess
        of its lot; a made item's orders put their component requirements on their start date."""
        purchase = item.item_type != MAKE
        net = ZERO
        for _requirement, missing in shortfalls:
            net += missing
        orders = []
        pending = list(shortfalls)
        for lot in lot_sizes(item, net, purchase=purchase):
            start = start_date(item, lot, day, self.inputs.calendars)
            order = Planned(seq=len(self.planned) + 1, item_id=item.id, kind=PURCHASE if purchase else PRODUCTION,
                            quantity=lot, due_date=day, start_date=start, low_level_code=level,
                            is_late=start < self.inputs.start, supplier_id=item.supplier_id if purchase else None)
            room = lot
            while pending and room > 0:
                requirement, missing = pending[0]
                taken = min(missing, room)
                order.pegs.append((requirement[4], taken, requirement[0], requirement[5]))
                room -= taken
                if taken == missing:
                    pending.pop(0)
                else:
                    pending[0] = (requirement, missing - taken)
            self.planned.append(order)
            orders.append((order, room))
            if order.is_late:
                self.messages.append(Message(
                    item.id, LATE, f"{item.number}: start {start} is before {self.inputs.start}; "
                                   f"{lot} cannot be ready by {day} at the earliest lead time.",
                    planned_seq=order.seq, due_date=day, suggested_date=self.inputs.start, quantity=lot))
            if not purchase:
                needed = start if start > self.start else self.start
                requirements = self.requirements
                for component_id, factor in self.explosion.get(item.id, ()):
                    quantity = (factor * lot).quantize(QTY, ROUND_HALF_UP)
                    if quantity > 0:
                        requirements[component_id].append((needed, _RANK_OF_PLANNED_ORDER, order.seq, quantity,
                                                           PLANNED_ORDER, order.seq))
        return orders

    def _pass_through(self, item: ItemInput, passed: list[tuple[_Requirement, Decimal]]) -> None:
        for requirement, missing in passed:
            for component_id, factor in self.explosion.get(item.id, ()):
                self._require(component_id, requirement[0], qty(factor * missing), requirement[4], requirement[5])

    def _judge_receipts(self, item: ItemInput, scheduled: list[_Supply]) -> None:
        for supply in scheduled:
            if supply.first_use is None:
                self.messages.append(Message(item.id, CANCEL, f"{item.number}: {supply.document} "
                                                              f"({supply.quantity}) is not needed in the horizon.",
                                             document=supply.document, due_date=supply.date,
                                             quantity=supply.quantity))
            elif supply.first_use < supply.date:
                self.messages.append(Message(item.id, EXPEDITE, f"{item.number}: bring {supply.document} forward "
                                                                f"from {supply.date} to {supply.first_use}.",
                                             document=supply.document, due_date=supply.date,
                                             suggested_date=supply.first_use, quantity=supply.quantity))
            elif (supply.first_use - supply.date).days > DEFER_DAYS:
                self.messages.append(Message(item.id, DEFER, f"{item.number}: {supply.document} is first needed "
                                                             f"on {supply.first_use}, not {supply.date}.",
                                             document=supply.document, due_date=supply.date,
                                             suggested_date=supply.first_use, quantity=supply.quantity))

    def _record(self, item, level, on_hand, receipts, demand_by_day, planned_by_day) -> None:
        receipts_by_day: dict[datetime.date, Decimal] = defaultdict(Decimal)
        start, end = self.inputs.start, self.inputs.end
        for receipt in receipts:
            if receipt.date <= end:
                receipts_by_day[receipt.date if receipt.date > start else start] += receipt.quantity
        projected = on_hand
        buckets = []
        iso = self.iso
        for day in sorted(demand_by_day.keys() | receipts_by_day.keys() | planned_by_day.keys()):
            demand, receipt, planned = demand_by_day.get(day, ZERO), receipts_by_day.get(day, ZERO), \
                planned_by_day.get(day, ZERO)
            projected = projected + receipt + planned - demand
            buckets.append([iso[day], str(demand) if demand else "0", str(receipt) if receipt else "0",
                            str(planned) if planned else "0", str(projected)])
        self.item_plans.append(ItemPlan(item.id, level, on_hand, item.safety_stock, buckets))


class _Iso(dict):
    """A date → its ISO text, formatted once (a plan has a few hundred dates and half a million buckets)."""

    def __missing__(self, day):
        text = self[day] = day.isoformat()
        return text


@contextlib.contextmanager
def paused_gc():
    """The cyclic garbage collector paused meanwhile: a large plan holds millions of small objects (none in a
    reference cycle) that every collection would walk again and again, for more time than the planning itself (and
    the formatting of what the writer sends)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def plan(inputs: PlanInputs, progress: Callable[[int, int], None] | None = None) -> Plan:
    """Plan `inputs`; `progress(items planned, total)` is called after each low level (it may raise `Cancelled`).
    The garbage collector is paused meanwhile (`paused_gc`)."""
    with paused_gc():
        return Planner(inputs, progress).run()
