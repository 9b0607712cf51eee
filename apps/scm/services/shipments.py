"""Shipments: created from a confirmed sales order (or by hand), reserved, picked, packed, shipped.

Shipping consumes the reservations into the customer location; what was not shipped stays
open on a backorder shipment, reserved anew.
"""

import datetime
from collections import defaultdict
from decimal import Decimal, InvalidOperation

from django.db import connection, transaction
from django.db.models import F, Q

from apps.core.audit import record_change, snapshot
from apps.core.checks import require_same_company
from apps.core.errors import ConflictError, DomainError
from apps.core.models import Event, Party
from apps.core.moments import happened_at
from apps.core.numbering import next_number
from apps.core.outbox import emit
from apps.core.workflow import step, transition
from apps.plm.models import Item
from apps.scm.choices import LocationKind, ReservationStatus, ShipmentStatus
from apps.scm.events import (
    GOODS_RECEIPT_POSTED,
    SALES_ORDER_CANCELLED,
    SHIPMENT_SHIPPED,
    STOCK_ADJUSTED,
    STOCK_MOVED,
    STOCK_RELEASED,
    WORK_ORDER_COMPLETED,
    shipment_shipped_payload,
)
from apps.scm.models import Location, Lot, Shipment, ShipmentAllocation, ShipmentLine, StockMove, StockQuant, Warehouse
from apps.scm.services.locations import virtual_location
from apps.scm.services.stock import _pk, lock_stock, reservation_consume, reservation_release, stock_reserve

ZERO = Decimal(0)


def _fmt(value: Decimal) -> str:
    return f"{value.normalize():f}"


def _build_lines(company, rows: list[dict]) -> list[ShipmentLine]:
    if not rows:
        raise DomainError("lines", "A shipment needs at least one line.", code="required")
    built = []
    for index, row in enumerate(rows):
        item, quantity, lot = row.get("item"), row.get("quantity"), row.get("lot")
        if item is None:
            raise DomainError(f"lines.{index}.item", "This field is required.", code="required")
        require_same_company(company, **{f"lines.{index}.item": item})
        if quantity is None or Decimal(quantity) <= 0:
            raise DomainError(f"lines.{index}.quantity", "The quantity must be positive.", code="min_value")
        if lot is not None and lot.item_id != item.pk:
            raise DomainError(f"lines.{index}.lot", f"Lot {lot.code} belongs to another item.")
        built.append(ShipmentLine(line_number=index + 1, item=item, quantity=Decimal(quantity), lot=lot,
                                  due_date=row.get("due_date")))
    return built


@transaction.atomic
def shipment_create(*, company, actor, customer: Party, lines: list[dict], warehouse: Warehouse | None = None,
                    sales_order_number: str = "", planned_date: datetime.date | None = None, carrier: str = "",
                    tracking_number: str = "", notes: str = "", source_event: Event | None = None,
                    backorder_of: Shipment | None = None) -> Shipment:
    """Create a draft shipment (number `SH-2026-00001`) of items to a customer from a warehouse."""
    require_same_company(company, customer=customer)
    if not customer.is_customer:
        raise DomainError("customer", f"{customer} is not a customer.", code="not_a_customer")
    if warehouse is None:
        warehouse = Warehouse.objects.filter(company=company, is_active=True).order_by("code").first()
        if warehouse is None:
            raise DomainError("warehouse", "The company has no warehouse to ship from.", code="required")
    require_same_company(company, warehouse=warehouse)
    built = _build_lines(company, lines)
    shipment = Shipment.objects.create(
        company=company, number=next_number(company=company, doc_type="SH"), customer=customer, warehouse=warehouse,
        sales_order_number=sales_order_number, planned_date=planned_date, carrier=carrier,
        tracking_number=tracking_number, notes=notes, source_event=source_event, backorder_of=backorder_of,
    )
    for line in built:
        line.shipment = shipment
        line.save()
    record_change(shipment, actor=actor, action="create")
    return shipment


def _lock(shipment: Shipment) -> Shipment:
    return (Shipment.objects.select_for_update(of=("self",)).select_related("company", "warehouse", "customer")
            .get(pk=shipment.pk))


@transaction.atomic
def shipment_update(*, instance: Shipment, actor, **fields) -> Shipment:
    """Change a draft shipment; given lines replace the existing ones."""
    shipment = _lock(instance)
    if shipment.status != ShipmentStatus.DRAFT:
        raise ConflictError("status", f"{shipment.number} is {shipment.status}: only a draft can be changed.",
                            code="locked")
    before = snapshot(shipment)
    lines = fields.pop("lines", None)
    for name in ("customer", "warehouse", "sales_order_number", "planned_date", "carrier", "tracking_number", "notes"):
        if name in fields:
            setattr(shipment, name, fields[name])
    if shipment.customer.company_id != shipment.company_id or not shipment.customer.is_customer:
        raise DomainError("customer", "Choose a customer of this company.")
    shipment.save()
    if lines is not None:
        built = _build_lines(shipment.company, lines)
        shipment.lines.all().delete()
        for line in built:
            line.shipment = shipment
            line.save()
    record_change(shipment, actor=actor, action="update", before=before)
    return shipment


def _allocate(shipment: Shipment, line: ShipmentLine, actor) -> Decimal:
    """Reserve as much of the line as the warehouse has (first expiry first), location by location."""
    needed = line.quantity - line.quantity_shipped - sum(
        (a.quantity for a in line.allocations.all()), ZERO)
    quants = (StockQuant.objects.filter(item=line.item, location__warehouse=shipment.warehouse,
                                        location__kind=LocationKind.INTERNAL, location__is_active=True,
                                        location__is_quality_hold=False)
              .annotate(free=F("on_hand") - F("reserved")).filter(free__gt=0)
              .select_related("location", "lot")
              .order_by(F("lot__expires_on").asc(nulls_last=True), "lot_id", "location__code"))
    if line.lot_id:
        quants = quants.filter(lot_id=line.lot_id)
    reserved = ZERO
    for quant in quants:
        if needed <= 0:
            break
        take = min(quant.free, needed)
        reservation = stock_reserve(company=shipment.company, item=line.item, location=quant.location, lot=quant.lot,
                                    quantity=take, reference=shipment.number, source=line, actor=actor)
        ShipmentAllocation.objects.create(line=line, reservation=reservation, location=quant.location,
                                          lot=quant.lot, quantity=take)
        needed -= take
        reserved += take
    return reserved


def _lock_warehouse_stock(shipment: Shipment, lines: list[ShipmentLine]) -> None:
    """Lock the valuations of the lines' items, then their quants in the shipment's warehouse (the suite's
    lock order), before any line reserves: lines name items in any order."""
    keys = StockQuant.objects.filter(item__in=[line.item_id for line in lines],
                                     location__warehouse=shipment.warehouse).values_list("item_id", "location_id",
                                                                                         "lot_id")
    lock_stock(company=shipment.company, items=[line.item_id for line in lines], quant_keys=list(keys))


@transaction.atomic
def shipment_reserve(*, shipment: Shipment, actor) -> Shipment:
    """Reserve stock for every line from the shipment's warehouse; a shortage stays open (partly reserved)."""
    with step(shipment, verb="reserve", actor=actor, lock=_lock) as shipment:
        lines = list(shipment.lines.select_related("item", "lot").order_by("line_number"))
        _lock_warehouse_stock(shipment, lines)
        for line in lines:
            _allocate(shipment, line, actor)
    return shipment


def _short_lines(shipment: Shipment, items=None) -> list[ShipmentLine]:
    """The lines of `shipment` (of `items`, when given) that still need stock reserved, in line order."""
    lines = shipment.lines.select_related("item", "lot").prefetch_related("allocations").order_by("line_number")
    if items is not None:
        lines = lines.filter(item_id__in=[_pk(i) for i in items])
    return [line for line in lines if line.quantity_short > 0]


def _top_up(shipment: Shipment, lines: list[ShipmentLine], actor) -> list[dict]:
    """Reserve what `lines` miss from the stock now free in the warehouse (stock already locked); returns what
    was reserved per line (nothing when nothing is available)."""
    reserved = []
    for line in lines:
        short = line.quantity_short
        taken = _allocate(shipment, line, actor)
        if taken > 0:
            reserved.append({"line": line.line_number, "item": line.item.number, "quantity": _fmt(taken),
                             "still_short": _fmt(short - taken)})
    return reserved


@transaction.atomic
def shipment_reserve_shortage(*, shipment: Shipment, actor) -> Shipment:
    """"Check availability": reserve, line by line, only what a reserved (or picking) shipment is still short,
    from the stock free now in its warehouse (first expiry first, a line's lot if it asks for one). 409 when no
    line is short, or when nothing of what is short is available (then nothing changes)."""
    note: dict = {"reserved": []}
    with step(shipment, verb="reserve_shortage", actor=actor, lock=_lock, fields=[], note=note) as shipment:
        lines = _short_lines(shipment)
        _lock_warehouse_stock(shipment, lines)
        note["reserved"] = _top_up(shipment, lines, actor)
        if not note["reserved"]:
            short = ", ".join(f"{_fmt(line.quantity_short)} {line.item.number}" for line in lines)
            raise ConflictError("lines", f"Nothing available to reserve: {shipment.warehouse.code} has no free stock "
                                         f"of what {shipment.number} is short ({short}).", code="nothing_available",
                                extra={"short": [{"line": line.line_number, "item": line.item.number,
                                                  "quantity": _fmt(line.quantity_short)} for line in lines]})
    return shipment


OPEN_TO_TOP_UP = (ShipmentStatus.RESERVED, ShipmentStatus.PICKING)


@transaction.atomic
def shipments_top_up(*, company, arrivals, actor=None) -> list[Shipment]:
    """Stock arrived: `arrivals` are (item, warehouse) pairs (objects or ids). Reserve it for the reserved or
    picking shipments of that warehouse short of that item, oldest due first (planned date, then number); what
    is still not available stays short. Returns the shipments that reserved something. Safe to repeat: a line
    never reserves more than it misses."""
    pairs = {(_pk(item), _pk(warehouse)) for item, warehouse in arrivals}
    if not pairs:
        return []
    wanted = Q()
    for item_id, warehouse_id in pairs:
        wanted |= Q(lines__item_id=item_id, warehouse_id=warehouse_id)
    candidates = Shipment.objects.filter(wanted, company=company, status__in=OPEN_TO_TOP_UP)
    # the documents first, by id (the suite's lock order), then the stock of the items in their warehouses
    locked = list(Shipment.objects.select_for_update(of=("self",)).select_related("company", "warehouse", "customer")
                  .filter(pk__in=candidates.values("pk")).order_by("pk"))
    short = []
    for shipment in locked:
        items = [item_id for item_id, warehouse_id in pairs if warehouse_id == shipment.warehouse_id]
        lines = _short_lines(shipment, items) if shipment.status in OPEN_TO_TOP_UP else []
        if lines:
            short.append((shipment, lines))
    if not short:
        return []
    keys = Q()
    for item_id, warehouse_id in {(line.item_id, sh.warehouse_id) for sh, lines in short for line in lines}:
        keys |= Q(item_id=item_id, location__warehouse_id=warehouse_id)
    lock_stock(company=company, items=sorted({line.item_id for _sh, lines in short for line in lines}),
               quant_keys=list(StockQuant.objects.filter(keys).values_list("item_id", "location_id", "lot_id")))
    short.sort(key=lambda entry: (entry[0].planned_date or datetime.date.max, entry[0].number))
    topped_up = []
    for shipment, lines in short:
        before = snapshot(shipment)
        reserved = _top_up(shipment, lines, actor)
        if reserved:
            record_change(shipment, actor=actor, action="reserve_shortage", before=before,
                          after={**snapshot(shipment), "reserved": reserved, "automatic": True})
            topped_up.append(shipment)
    return topped_up


def _arrivals_of(event: Event) -> list[tuple[int, int]]:
    """(item id, warehouse id) of the stock an event brought into reservable locations of its company: a posted
    receipt's lines not on quality hold, moves (`scm.stock.moved`, `scm.stock.adjusted`) into internal
    locations, held stock released by inspection or moved to another warehouse (`scm.stock.released`), a work
    order's finished goods (`mes.work_order.completed`)."""
    payload, company_id = event.payload or {}, event.company_id
    reservable = {"company_id": company_id, "kind": LocationKind.INTERNAL, "is_quality_hold": False}
    if event.name == GOODS_RECEIPT_POSTED:
        lines = [row for row in payload.get("lines") or []
                 if not row.get("quality_hold") and row.get("location") and row.get("item_id")]
        warehouses = dict(Location.objects.filter(code__in=[row["location"] for row in lines], **reservable)
                          .values_list("code", "warehouse_id"))
        return [(row["item_id"], warehouses[row["location"]]) for row in lines if row["location"] in warehouses]
    if event.name in (STOCK_MOVED, STOCK_ADJUSTED, STOCK_RELEASED):
        ids = [row.get("id") for row in payload.get("moves") or [] if row.get("to_kind") == LocationKind.INTERNAL]
        return list(StockMove.objects.filter(company_id=company_id, pk__in=[i for i in ids if i],
                                             to_location__is_quality_hold=False)
                    .values_list("item_id", "to_location__warehouse_id").distinct())
    if event.name == WORK_ORDER_COMPLETED:
        location = Location.objects.filter(pk=payload.get("finished_location_id"), **reservable).first()
        if location is not None and payload.get("item_id"):
            return [(payload["item_id"], location.warehouse_id)]
    return []


@transaction.atomic
def shipments_top_up_for_event(*, event: Event, actor=None) -> list[Shipment]:
    """The handler's service: reserve, for the shipments short of it, the stock an event brought in."""
    arrivals = [(item_id, warehouse_id) for item_id, warehouse_id in _arrivals_of(event) if warehouse_id]
    return shipments_top_up(company=event.company, arrivals=arrivals, actor=actor)


def _find_item(shipment: Shipment, item: Item | None, lot: Lot | None) -> Item:
    if item is None and lot is not None:
        item = lot.item
    if item is None:
        raise DomainError("item", "Scan or choose the item.", code="required")
    if not shipment.lines.filter(item=item).exists():
        raise DomainError("item", f"{item.number} is not on {shipment.number}.", code="not_on_shipment")
    return item


@transaction.atomic
def shipment_pick(*, shipment: Shipment, actor, quantity: Decimal, item: Item | None = None, location=None,
                  lot: Lot | None = None) -> Shipment:
    """Confirm picking `quantity` of an item (from a location, a lot) against the shipment's reservations."""
    shipment = _lock(shipment)
    before = snapshot(shipment)
    transition(shipment, verb="pick")
    item = _find_item(shipment, item, lot)
    if quantity is None or quantity <= 0:
        raise DomainError("quantity", "The quantity must be positive.", code="min_value")
    allocations = (ShipmentAllocation.objects.select_for_update(of=("self",))
                   .filter(line__shipment=shipment, line__item=item, quantity_picked__lt=F("quantity"))
                   .select_related("location", "lot").order_by("line__line_number", "id"))
    if location is not None:
        allocations = allocations.filter(location=location)
    if lot is not None:
        allocations = allocations.filter(lot=lot)
    allocations = list(allocations)
    swapped = None
    if not allocations and lot is not None:
        allocation, swapped = _swap_to_lot(shipment, item=item, lot=lot, location=location, quantity=quantity,
                                           actor=actor)
        allocations = [allocation] if allocation is not None else []
    open_quantity = sum((a.quantity - a.quantity_picked for a in allocations), ZERO)
    if not allocations:
        where = f" at {location.code}" if location is not None else ""
        which = f" lot {lot.code}" if lot is not None else ""
        field = "lot" if lot is not None else "location" if location is not None else "item"
        raise DomainError(field, f"Nothing of {item.number}{which} is reserved{where} for {shipment.number} and "
                                 f"left to pick.", code="not_reserved_here")
    if quantity > open_quantity:
        raise DomainError("quantity", f"Only {_fmt(open_quantity)} of {item.number} is reserved and left to pick "
                                      f"there; {_fmt(quantity)} scanned.", code="over_pick",
                          extra={"open_quantity": str(open_quantity)})
    remaining = quantity
    for allocation in allocations:
        take = min(allocation.quantity - allocation.quantity_picked, remaining)
        allocation.quantity_picked += take
        allocation.save(update_fields=["quantity_picked"])
        remaining -= take
        if remaining <= 0:
            break
    shipment.save()
    record_change(shipment, actor=actor, action="pick", before=before,
                  after={**snapshot(shipment), "picked": {"item": item.number, "quantity": str(quantity),
                                                          "location": getattr(location, "code", None),
                                                          "lot": getattr(lot, "code", None)},
                         **({"swapped_from": swapped} if swapped else {})})
    return shipment


def _swap_to_lot(shipment: Shipment, *, item: Item, lot: Lot, location, quantity: Decimal,
                 actor) -> tuple[ShipmentAllocation | None, list[dict]]:
    """The picker scanned a lot nothing is reserved from: move `quantity` of the item's unpicked reservations
    (other lots, on lines that do not ask for a lot) to that lot, if it has the stock free at the location.

    Returns the new allocation and what was released; (None, []) when there is nothing to swap, so the
    caller answers "not reserved here". A shortage of the scanned lot raises (409) and changes nothing.
    """
    if quantity is None or quantity <= 0 or lot.item_id != item.pk:
        return None, []
    candidates = list(ShipmentAllocation.objects.select_for_update(of=("self",))
                      .filter(line__shipment=shipment, line__item=item, line__lot__isnull=True,
                              quantity_picked__lt=F("quantity"))
                      .exclude(lot=lot).select_related("line", "reservation", "location", "lot")
                      .order_by("line__line_number", "id"))
    if location is not None:  # free what is reserved where the picker stands first
        candidates.sort(key=lambda a: a.location_id != location.pk)
    # one line takes the whole scan, so no line ends up holding more than it asks for
    by_line: dict[int, list[ShipmentAllocation]] = {}
    for allocation in candidates:
        by_line.setdefault(allocation.line_id, []).append(allocation)
    candidates = next((group for group in by_line.values()
                       if sum((a.quantity - a.quantity_picked for a in group), ZERO) >= quantity), None)
    if candidates is None:
        return None, []
    if location is None:
        quant = (StockQuant.objects.filter(item=item, lot=lot, location__warehouse=shipment.warehouse,
                                           location__kind=LocationKind.INTERNAL, location__is_quality_hold=False)
                 .annotate(free=F("on_hand") - F("reserved")).filter(free__gte=quantity)
                 .select_related("location").order_by("location__code").first())
        if quant is None:
            return None, []
        location = quant.location
    released, remaining, line = [], quantity, candidates[0].line
    for allocation in candidates:
        if remaining <= 0:
            break
        take = min(allocation.quantity - allocation.quantity_picked, remaining)
        reservation_release(reservation=allocation.reservation, actor=actor, quantity=take)
        released.append({"lot": getattr(allocation.lot, "code", None), "location": allocation.location.code,
                         "quantity": str(take)})
        allocation.quantity -= take
        if allocation.quantity == 0:
            allocation.delete()
        else:
            allocation.save(update_fields=["quantity"])
        remaining -= take
    # a shortage of the scanned lot raises here and rolls the releases back with the pick
    reservation = stock_reserve(company=shipment.company, item=item, location=location, lot=lot, quantity=quantity,
                                reference=shipment.number, source=line, actor=actor)
    allocation = ShipmentAllocation.objects.create(line=line, reservation=reservation, location=location, lot=lot,
                                                   quantity=quantity)
    return allocation, released


@transaction.atomic
def shipment_pack(*, shipment: Shipment, actor, package_count: int = 1, weight_kg: Decimal | None = None) -> Shipment:
    """Mark the picked goods packed (number of packages, weight)."""
    with step(shipment, verb="pack", actor=actor, lock=_lock) as shipment:
        if package_count is None or package_count < 1:
            raise DomainError("package_count", "At least one package.", code="min_value")
        shipment.package_count = package_count
        shipment.weight_kg = weight_kg
    return shipment


def _release_open(allocations, actor) -> None:
    for allocation in allocations:
        reservation = allocation.reservation
        reservation.refresh_from_db()
        if reservation.status == ReservationStatus.ACTIVE and reservation.open_quantity > 0:
            reservation_release(reservation=reservation, actor=actor)


def _lock_allocations(shipment: Shipment) -> list[ShipmentAllocation]:
    """The shipment's allocations, locked with their reservations; then the valuations and quants they touch,
    all in the suite's lock order (by item, location, lot; not in line order)."""
    allocations = list(ShipmentAllocation.objects.select_for_update(of=("self",))
                       .filter(line__shipment=shipment).select_related("line", "line__item", "reservation", "lot")
                       .order_by("line__line_number", "id"))
    if allocations:  # every item of the shipment: a backorder reserves those that were short
        lock_stock(company=shipment.company, reservations=[a.reservation_id for a in allocations],
                   items=list(shipment.lines.values_list("item_id", flat=True)),
                   quant_keys=[(a.line.item_id, a.location_id, a.lot_id) for a in allocations])
    return allocations


def _shipping_plan(shipment: Shipment) -> tuple[dict[int, Decimal], list[dict]]:
    """What shipping will take: {allocation id: quantity} (what is picked; everything reserved when nothing
    was picked), and the lines of the backorder for what is left (empty when nothing is left)."""
    allocations = list(ShipmentAllocation.objects.filter(line__shipment=shipment))
    anything_picked = any(a.quantity_picked > 0 for a in allocations)
    to_ship = {a.pk: a.quantity_picked if anything_picked else a.quantity for a in allocations}
    shipping: dict[int, Decimal] = defaultdict(Decimal)
    for allocation in allocations:
        shipping[allocation.line_id] += max(to_ship[allocation.pk], ZERO)
    rest = [{"item": line.item, "quantity": line.quantity - line.quantity_shipped - shipping[line.pk],
             "lot": line.lot, "due_date": line.due_date}
            for line in shipment.lines.select_related("item", "lot").order_by("line_number")
            if line.quantity > line.quantity_shipped + shipping[line.pk]]
    return to_ship, rest


@transaction.atomic
def shipment_ship(*, shipment: Shipment, actor, carrier: str = "", tracking_number: str = "",
                  shipped_on: datetime.date | None = None) -> Shipment:
    """Ship what is picked (everything reserved when nothing was picked): stock moves to the customer
    location, `scm.shipment.shipped`, and a backorder shipment for what is left. `shipped_on` records a shipment
    that left on an earlier day (the books post its cost on that day); never a future one."""
    shipped_at = happened_at(shipped_on, field="shipped_on", message="A shipment cannot be shipped on a future date.")
    fields = ["shipped_at", "shipped_by", "carrier", "tracking_number"]
    with step(shipment, verb="ship", actor=actor, lock=_lock, fields=fields) as shipment:
        to_ship, rest = _shipping_plan(shipment)
        backorder = None
        if rest and any(to_ship.values()):
            # the backorder's number is drawn before any stock is locked (the suite's lock order)
            backorder = shipment_create(company=shipment.company, actor=actor, customer=shipment.customer,
                                        warehouse=shipment.warehouse, lines=rest,
                                        sales_order_number=shipment.sales_order_number,
                                        planned_date=shipment.planned_date, notes=f"Backorder of {shipment.number}",
                                        backorder_of=shipment)
        allocations = _lock_allocations(shipment)
        customer_location = virtual_location(company=shipment.company, kind=LocationKind.CUSTOMER)
        shipped = []
        for allocation in allocations:
            quantity = to_ship[allocation.pk]
            if quantity <= 0:
                continue
            move = reservation_consume(reservation=allocation.reservation, to_location=customer_location, actor=actor,
                                       quantity=quantity, reference=shipment.number, source=allocation.line)
            allocation.quantity_picked = quantity
            allocation.stock_move = move
            allocation.save(update_fields=["quantity_picked", "stock_move"])
            ShipmentLine.objects.filter(pk=allocation.line_id).update(quantity_shipped=F("quantity_shipped") + quantity)
            shipped.append((allocation.line, move))
        if not shipped:
            raise ConflictError("status", f"Nothing to ship on {shipment.number}: no stock is reserved or picked.",
                                code="nothing_to_ship")
        _release_open(allocations, actor)
        shipment.shipped_at = shipped_at
        shipment.shipped_by = actor if getattr(actor, "pk", None) else None
        shipment.carrier = carrier or shipment.carrier
        shipment.tracking_number = tracking_number or shipment.tracking_number
        if backorder is not None:
            shipment_reserve(shipment=backorder, actor=actor)
    emit(SHIPMENT_SHIPPED, company=shipment.company, subject=shipment,
         payload=shipment_shipped_payload(shipment, shipped))
    return shipment


@transaction.atomic
def shipment_cancel(*, shipment: Shipment, actor) -> Shipment:
    """Cancel an unshipped shipment and give its reservations back."""
    with step(shipment, verb="cancel", actor=actor, lock=_lock) as shipment:
        _release_open(_lock_allocations(shipment), actor)
    return shipment


def _payload_error(field: str, message: str) -> DomainError:
    return DomainError(f"payload.{field}", message, code="invalid_payload")


def _lock_sales_order(event: Event) -> None:
    """Serialise the confirmed and cancelled handlers of one sales order (an advisory lock until commit), so a
    cancel delivered while the shipment is being created still finds it, and a late confirm sees the cancel."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))",
                       [7411, f"{event.company_id}:{event.subject_id}"])


def _sales_order_cancelled(event: Event) -> bool:
    """Whether the sales order of `event` (its subject) has been cancelled: its cancel event exists."""
    return Event.objects.filter(company_id=event.company_id, name=SALES_ORDER_CANCELLED,
                                subject_type=event.subject_type, subject_id=event.subject_id).exists()


@transaction.atomic
def shipment_create_from_sales_order(*, event: Event, actor=None) -> Shipment | None:
    """The delivery of a confirmed sales order (`erp.sales_order.confirmed`), reserved; once per event. None when
    the order was cancelled meanwhile (its `erp.sales_order.cancelled` may be delivered before this one)."""
    _lock_sales_order(event)
    existing = Shipment.objects.filter(source_event=event).first()
    if existing is not None:
        return existing
    if _sales_order_cancelled(event):
        return None
    payload, company = event.payload or {}, event.company
    customer = Party.objects.filter(company=company, pk=payload.get("customer_id")).first()
    if customer is None:
        raise _payload_error("customer_id", f"No party {payload.get('customer_id')} in {company.code}.")
    warehouse = None
    if payload.get("warehouse_id"):
        warehouse = Warehouse.objects.filter(company=company, pk=payload["warehouse_id"]).first()
        if warehouse is None:
            raise _payload_error("warehouse_id", f"No warehouse {payload['warehouse_id']} in {company.code}.")
    lines = []
    for index, row in enumerate(payload.get("lines") or []):
        item = Item.objects.filter(company=company, pk=row.get("item_id")).first()
        if item is None:
            raise _payload_error(f"lines.{index}.item_id", f"No item {row.get('item_id')} in {company.code}.")
        try:
            quantity = Decimal(str(row.get("quantity")))
        except (InvalidOperation, ValueError) as exc:
            raise _payload_error(f"lines.{index}.quantity", "Not a decimal number.") from exc
        due = row.get("due_date")
        lines.append({"item": item, "quantity": quantity,
                      "due_date": datetime.date.fromisoformat(due) if due else None})
    due_dates = [row["due_date"] for row in lines if row["due_date"]]
    shipment = shipment_create(company=company, actor=actor, customer=customer, warehouse=warehouse, lines=lines,
                               sales_order_number=payload.get("number", ""),
                               planned_date=min(due_dates) if due_dates else None, source_event=event)
    return shipment_reserve(shipment=shipment, actor=actor)


@transaction.atomic
def shipment_cancel_for_sales_order(*, event: Event, actor=None) -> list[Shipment]:
    """A cancelled sales order (`erp.sales_order.cancelled`, payload `number`): cancel its unshipped shipments.
    Idempotent: a second delivery finds nothing left to cancel; what was shipped already stays shipped."""
    _lock_sales_order(event)
    number = (event.payload or {}).get("number")
    if not number:
        raise _payload_error("number", "The cancelled sales order's number is missing.")
    open_statuses = [ShipmentStatus.DRAFT, ShipmentStatus.RESERVED, ShipmentStatus.PICKING, ShipmentStatus.PACKED]
    shipments = list(Shipment.objects.filter(company_id=event.company_id, sales_order_number=number,
                                             status__in=open_statuses).order_by("pk"))
    return [shipment_cancel(shipment=shipment, actor=actor) for shipment in shipments]
