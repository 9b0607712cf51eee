"""Work orders: create, release (operations, reservations, schedule), start, complete, close, cancel.

Completion rules:
* Partial completion is allowed: the order stays `in_progress` until its good quantity reaches the
  ordered quantity, then it is `completed` and what is still reserved is released.
* Over-completion is allowed up to `over_completion_percent` of the ordered quantity (default 10 %);
  more is refused (DomainError on `quantity_good`).
* Each completion backflushes the components of the units it reports (good + scrap, with the
  definition's scrap allowance) from the order's reservations (FEFO lots first), then from free stock
  at the material's location; it receives the good units at their actual cost into a new lot (or
  serials), records genealogy and emits `mes.work_order.completed`. All or nothing.
"""

import datetime
from collections import defaultdict
from decimal import ROUND_HALF_UP, ROUND_UP, Decimal

from django.db import transaction
from django.utils import timezone

from apps.core.audit import record_change, snapshot
from apps.core.checks import require_same_company
from apps.core.errors import ConflictError, DomainError
from apps.core.moments import happened_at
from apps.core.numbering import next_number
from apps.core.outbox import emit
from apps.core.services.records import record_create, record_update
from apps.core.units import convert_quantity
from apps.core.workflow import step, take_step, transition
from apps.mes.choices import TimeLogKind, WorkOrderSource, WorkOrderStatus
from apps.mes.events import (
    WORK_ORDER_COMPLETED,
    WORK_ORDER_RELEASED,
    work_order_completed_payload,
    work_order_released_payload,
)
from apps.mes.models import (
    GenealogyLink,
    ManufacturingDefinition,
    Operation,
    OperationTimeLog,
    Routing,
    WorkOrder,
    WorkOrderCompletion,
    WorkOrderMaterial,
)
from apps.mes.selectors_completion import work_order_completion_defaults
from apps.mes.services.scheduling import operations_schedule
from apps.plm.choices import ItemType, RevisionStatus, Tracking
from apps.scm.choices import LocationKind, ReservationStatus
from apps.scm.models import Location, Reservation
from apps.scm.selectors import fefo_lots, stock_available
from apps.scm.services.locations import virtual_location
from apps.scm.services.stock import (
    MoveSpec,
    lock_stock,
    lot_get_or_create,
    reservation_consume,
    reservation_release,
    stock_moves_post,
    stock_reserve,
)

ZERO = Decimal(0)
QTY = Decimal("0.0001")
CENT = Decimal("0.01")
UNIT_COST = Decimal("0.000001")
W = WorkOrderStatus


def _qty(value) -> Decimal:
    return Decimal(value).quantize(QTY, rounding=ROUND_UP)


def _text(value: Decimal) -> str:
    return f"{Decimal(value).normalize():f}"


def _lock(work_order: WorkOrder, *related: str) -> WorkOrder:
    return (WorkOrder.objects.select_for_update(of=("self",))
            .select_related("item", "revision", "company", "location", "finished_location", *related)
            .get(pk=work_order.pk))


def _lock_with_definition(work_order: WorkOrder) -> WorkOrder:
    return _lock(work_order, "definition")


def _check_locations(company, location, finished_location) -> None:
    for field, value in (("location", location), ("finished_location", finished_location)):
        require_same_company(company, **{field: value})
        if value is not None and value.kind != LocationKind.INTERNAL:
            raise DomainError(field, "Choose an internal (stock) location.")


# ---- create / update ------------------------------------------------------------------------------

@transaction.atomic
def work_order_create(*, company, actor, item, quantity: Decimal, due_date: datetime.date, revision=None,
                      source: str = WorkOrderSource.MANUAL, source_reference: str = "", **fields) -> WorkOrder:
    """Create a draft work order (`WO-2026-00001`) for a released revision of a made item (by default the
    item's released revision)."""
    require_same_company(company, item=item)
    if revision is None:
        revision = item.revisions.filter(status=RevisionStatus.RELEASED).first()
        if revision is None:
            raise DomainError("revision", f"{item.number} has no released revision to make it to.",
                              code="not_released")
    require_same_company(company, revision=revision)
    if revision.item_id != item.pk:
        raise DomainError("revision", f"Revision {revision.code} is not a revision of {item.number}.")
    if revision.status != RevisionStatus.RELEASED:
        raise DomainError("revision", f"Revision {revision.code} of {item.number} is {revision.status}: "
                                      "work orders use released revisions only.", code="not_released")
    if item.item_type == ItemType.BUY:
        raise DomainError("item", f"{item.number} is a bought item; work orders make 'make' items.")
    if quantity is None or Decimal(quantity) <= 0:
        raise DomainError("quantity", "The quantity must be greater than zero.", code="not_positive")
    _check_locations(company, fields.get("location"), fields.get("finished_location"))
    definition = ManufacturingDefinition.objects.filter(revision=revision).first()
    number = next_number(company=company, doc_type="WO")
    return record_create(model=WorkOrder, actor=actor, company=company, number=number, item=item,
                         revision=revision, definition=definition, quantity=quantity, due_date=due_date,
                         source=source, source_reference=source_reference, **fields)


@transaction.atomic
def work_order_update(*, instance: WorkOrder, actor, **fields) -> WorkOrder:
    """Change a draft work order; moving it to another released revision clears the review flag."""
    work_order = _lock(instance)
    if work_order.status != W.DRAFT:
        raise ConflictError("status", f"Only draft work orders can be edited; {work_order.number} is "
                                      f"{work_order.status}.", code="locked")
    fields.pop("number", None)
    if fields.get("revision", work_order.revision) is None:
        fields.pop("revision")  # left empty: the order keeps its revision
    item = fields.get("item", work_order.item)
    if item.pk != work_order.item_id:
        raise DomainError("item", "The item of a work order cannot change; cancel it and create another.")
    revision = fields.get("revision", work_order.revision)
    if revision.pk != work_order.revision_id:
        require_same_company(work_order.company, revision=revision)
        if revision.item_id != item.pk:
            raise DomainError("revision", f"Revision {revision.code} is not a revision of {item.number}.")
        if revision.status != RevisionStatus.RELEASED:
            raise DomainError("revision", f"Revision {revision.code} is {revision.status}: released revisions "
                                          "only.", code="not_released")
        fields["definition"] = ManufacturingDefinition.objects.filter(revision=revision).first()
        fields["needs_review"], fields["review_reason"] = False, ""
    if "quantity" in fields and Decimal(fields["quantity"]) <= 0:
        raise DomainError("quantity", "The quantity must be greater than zero.", code="not_positive")
    _check_locations(work_order.company, fields.get("location"), fields.get("finished_location"))
    return record_update(instance=work_order, actor=actor, **fields)


@transaction.atomic
def work_order_review_clear(*, work_order: WorkOrder, actor) -> WorkOrder:
    """Keep a flagged draft on its revision deliberately (the newer revision does not apply to it)."""
    work_order = _lock(work_order)
    if not work_order.needs_review:
        raise ConflictError("needs_review", "The work order is not flagged for review.")
    before = snapshot(work_order)
    work_order.needs_review, work_order.review_reason = False, ""
    work_order.save(update_fields=["needs_review", "review_reason", "updated_at"])
    record_change(work_order, actor=actor, action="review_clear", before=before)
    return work_order


# ---- release --------------------------------------------------------------------------------------

def default_location(company) -> Location | None:
    """The company's first internal stock location not on quality hold (warehouse roots first)."""
    return (Location.objects.filter(company=company, kind=LocationKind.INTERNAL, is_quality_hold=False,
                                    is_active=True).order_by("parent_id", "id").first())


def material_requirement(*, quantity_per: Decimal, scrap_percent: Decimal, quantity: Decimal) -> Decimal:
    """Component quantity for `quantity` units of the product, raised by the scrap allowance."""
    return _qty(Decimal(quantity_per) * Decimal(quantity) * (1 + Decimal(scrap_percent) / 100))


def _reserve(material: WorkOrderMaterial, work_order: WorkOrder, actor) -> tuple[Decimal, Decimal]:
    """Reserve what a material needs (per FEFO lot for tracked items); returns (reserved, available)."""
    component, location, needed = material.component, material.location, material.quantity_required
    if component.tracking == Tracking.NONE:
        try:
            stock_reserve(company=work_order.company, item=component, location=location, quantity=needed,
                          reference=work_order.number, source=material, actor=actor)
        except ConflictError as error:
            available = Decimal(error.extra.get("available", "0"))
            if available > 0:
                stock_reserve(company=work_order.company, item=component, location=location, quantity=available,
                              reference=work_order.number, source=material, actor=actor)
            return available, available
        return needed, needed
    reserved = ZERO
    for lot, quantity in fefo_lots(item=component, location=location, quantity=needed):
        try:
            stock_reserve(company=work_order.company, item=component, location=location, quantity=quantity, lot=lot,
                          reference=work_order.number, source=material, actor=actor)
        except ConflictError as error:  # taken meanwhile by someone else: take what is left of that lot
            left = Decimal(error.extra.get("available", "0"))
            if left > 0:
                stock_reserve(company=work_order.company, item=component, location=location, quantity=left, lot=lot,
                              reference=work_order.number, source=material, actor=actor)
            quantity = left
        reserved += quantity
    return reserved, reserved


PHANTOM_DEPTH = 20


def _definition_lines(definition: ManufacturingDefinition) -> list:
    return list(definition.lines.select_related("component", "component__uom", "uom").order_by("position", "id"))


def _explode(definition: ManufacturingDefinition) -> list[tuple]:
    """The materials of a definition per unit of its item: [(component, quantity_per, scrap_percent, position)],
    sorted by component (the lock order), phantom assemblies replaced by the components of their latest stored
    manufacturing definition (recursively, quantities and scrap allowances multiplied)."""
    merged: dict[tuple, list] = {}

    def walk(lines, factor: Decimal, scrap_factor: Decimal, position: int | None, path: tuple) -> None:
        for line in lines:
            component = line.component
            quantity = convert_quantity(line.quantity, line.uom, component.uom, field="uom") * factor
            scrap = scrap_factor * (1 + line.scrap_percent / 100)
            if component.item_type == ItemType.PHANTOM:
                if component.pk in path or len(path) > PHANTOM_DEPTH:
                    raise DomainError("materials", f"Phantom {component.number} contains itself.", code="cycle")
                inner = (ManufacturingDefinition.objects.filter(item=component, company_id=definition.company_id)
                         .order_by("-revision__released_at", "-id").first())
                if inner is None:
                    raise DomainError("materials", f"Phantom {component.number} has no manufacturing definition: "
                                                   "release its BOM in PLM first.", code="no_definition")
                walk(_definition_lines(inner), quantity, scrap, position or line.position, (*path, component.pk))
                continue
            scrap_percent = ((scrap - 1) * 100).quantize(QTY, rounding=ROUND_HALF_UP)
            key = (component.pk, scrap_percent)
            if key in merged:  # the same component directly and through a phantom: one material
                merged[key][1] += quantity
            else:
                merged[key] = [component, quantity, scrap_percent, position or line.position]

    walk(_definition_lines(definition), Decimal(1), Decimal(1), None, (definition.item_id,))
    return sorted(((c, _qty(q), s, p) for c, q, s, p in merged.values()), key=lambda m: (m[0].pk, m[3]))


@transaction.atomic
def work_order_release(*, work_order: WorkOrder, actor, location: Location | None = None,
                       allow_shortage: bool = False) -> WorkOrder:
    """Release a draft: copy the routing into operations, reserve the components of its BOM snapshot,
    schedule the operations backward from the due date. Missing components fail the release with the
    list of shortages unless `allow_shortage`."""
    with step(work_order, verb="release", actor=actor, lock=_lock_with_definition) as work_order:
        company = work_order.company
        if work_order.needs_review:
            raise ConflictError("needs_review", f"{work_order.number} is flagged for review: "
                                                f"{work_order.review_reason} Move it to the new revision or clear "
                                                "the flag first.", code="needs_review")
        definition = work_order.definition or ManufacturingDefinition.objects.filter(
            revision_id=work_order.revision_id).first()
        if definition is None:
            raise DomainError("revision", f"No manufacturing definition for {work_order.revision}: its release has "
                                          "not reached MES yet.", code="no_definition")
        work_order.definition = definition
        _check_locations(company, location, None)
        location = location or work_order.location or default_location(company)
        if location is None:
            raise DomainError("location", "The company has no internal stock location to reserve components at.")
        work_order.location = location
        work_order.finished_location = work_order.finished_location or location

        # one routing per item: no ordering (the model's, by item number, would join the items)
        routing = Routing.objects.filter(item_id=work_order.item_id, is_active=True).order_by("pk").first()
        operations = []
        if routing is not None:
            steps = list(routing.operations.select_related("work_center").prefetch_related("required_checks")
                         .order_by("sequence"))
            operations = [Operation(
                work_order=work_order, sequence=step.sequence, work_center=step.work_center, name=step.name,
                setup_minutes=step.setup_minutes, run_minutes_per_unit=step.run_minutes_per_unit,
                instructions=step.instructions,
            ) for step in steps]
            operations_schedule(operations=operations, due_date=work_order.due_date, quantity=work_order.quantity)
            Operation.objects.bulk_create(operations)
            Operation.required_checks.through.objects.bulk_create([
                Operation.required_checks.through(operation_id=operation.pk, inspectionplan_id=plan.pk)
                for operation, step in zip(operations, steps, strict=True) for plan in step.required_checks.all()])

        shortages = []
        materials = _explode(definition)
        # every component's valuation, then its quants at the location, before the first reservation
        lock_stock(company=company, quant_keys=[(component.pk, location.pk) for component, *_rest in materials])
        for component, quantity_per, scrap_percent, position in materials:
            material = WorkOrderMaterial.objects.create(
                work_order=work_order, component=component, position=position, quantity_per=quantity_per,
                scrap_percent=scrap_percent, location=location,
                quantity_required=material_requirement(quantity_per=quantity_per, scrap_percent=scrap_percent,
                                                       quantity=work_order.quantity))
            reserved, available = _reserve(material, work_order, actor)
            if reserved < material.quantity_required:
                shortages.append({"item": component.number, "item_id": component.pk,
                                  "required": _text(material.quantity_required), "available": _text(available)})
        if shortages and not allow_shortage:
            listing = "; ".join(f"{s['item']}: required {s['required']}, available {s['available']}" for s in shortages)
            raise DomainError("materials", f"Components missing at {location.code}: {listing}.", code="shortage",
                              extra={"shortages": shortages})
        work_order.released_at = timezone.now()
    emit(WORK_ORDER_RELEASED, company=company, subject=work_order,
         payload=work_order_released_payload(work_order, shortages))
    return work_order


# ---- start / close / cancel -------------------------------------------------------------------------

@transaction.atomic
def work_order_start(*, work_order: WorkOrder, actor) -> WorkOrder:
    """Mark a released work order as started on the floor."""
    return take_step(work_order, verb="start", actor=actor, lock=_lock, fields=[])


def _open_reservations(work_order: WorkOrder, materials: list[WorkOrderMaterial] | None = None):
    """The active reservations of the order's materials (of `materials` when the caller has them)."""
    material_ids = [str(pk) for pk in (work_order.materials.values_list("pk", flat=True) if materials is None
                                       else [m.pk for m in materials])]
    return (Reservation.objects.filter(source_type=WorkOrderMaterial._meta.label_lower, source_id__in=material_ids,
                                       status=ReservationStatus.ACTIVE)
            .select_related("lot").order_by("item_id", "lot__expires_on", "id"))


def _release_reservations(work_order: WorkOrder, actor, materials: list[WorkOrderMaterial] | None = None) -> None:
    reservations = list(_open_reservations(work_order, materials))
    lock_stock(company=work_order.company, reservations=reservations)
    for reservation in reservations:
        reservation_release(reservation=reservation, actor=actor)


@transaction.atomic
def work_order_cancel(*, work_order: WorkOrder, actor) -> WorkOrder:
    """Cancel a draft or released work order; its reservations are given back."""
    with step(work_order, verb="cancel", actor=actor, lock=_lock, fields=[]) as work_order:
        _release_reservations(work_order, actor)
    return work_order


@transaction.atomic
def work_order_close_short(*, work_order: WorkOrder, actor, reason: str = "") -> WorkOrder:
    """Finish a released or in-progress order with what was completed (good and scrapped units) although less
    good than ordered was made: what is still reserved for it is given back, exactly, and no more units are
    completed. Refused (409) while an operator is clocked on."""
    work_order = _lock(work_order)
    before = snapshot(work_order)
    transition(work_order, verb="close_short")
    if OperationTimeLog.objects.filter(operation__work_order=work_order, ended_at__isnull=True).exists():
        raise ConflictError("operations", "An operator is still clocked on: pause or finish the operation first.",
                            code="clocked_on")
    released = [{"item": r.item_id, "lot": r.lot_id, "quantity": _text(r.open_quantity)}
                for r in _open_reservations(work_order)]
    _release_reservations(work_order, actor)
    work_order.completed_at = timezone.now()
    work_order.save(update_fields=["status", "completed_at", "updated_at"])
    record_change(work_order, actor=actor, action="close_short", before=before, after={
        **snapshot(work_order), "reason": (reason or "")[:300], "short_by": _text(work_order.quantity_remaining),
        "released_reservations": released})
    return work_order


@transaction.atomic
def work_order_close(*, work_order: WorkOrder, actor) -> WorkOrder:
    """Close a completed work order (no more bookings)."""
    with step(work_order, verb="close", actor=actor, lock=_lock, fields=[]) as work_order:
        if OperationTimeLog.objects.filter(operation__work_order=work_order, ended_at__isnull=True).exists():
            raise ConflictError("operations", "An operator is still clocked on: stop the time logs first.")
    return work_order


# ---- complete -------------------------------------------------------------------------------------

def _consume(*, work_order, material, need: Decimal, production, actor, chosen: list[tuple] | None):
    """Consume `need` of a material: chosen lots, else its reservations (FEFO), else free stock.
    Returns the stock moves."""
    moves = []
    component, location = material.component, material.location
    reservations = list(_open_reservations(work_order, [material]))
    if chosen:
        total = sum((q for _lot, q in chosen), ZERO)
        if total != need:
            raise DomainError("consumed_lots", f"The chosen lots of {component.number} total {_text(total)}; "
                                               f"{_text(need)} is consumed.")
        # the operator's lots replace the reserved ones: give back as much of the reservation
        give_back = need
        for reservation in reservations:
            if give_back <= 0:
                break
            take = min(reservation.open_quantity, give_back)
            reservation_release(reservation=reservation, actor=actor, quantity=take)
            give_back -= take
        specs = [MoveSpec(item=component, quantity=q, from_location=location, to_location=production, lot=lot,
                          reference=work_order.number, source=material) for lot, q in chosen]
        return stock_moves_post(company=work_order.company, moves=specs, actor=actor)
    for reservation in reservations:
        if need <= 0:
            break
        take = min(reservation.open_quantity, need)
        moves.append(reservation_consume(reservation=reservation, to_location=production, actor=actor,
                                         quantity=take, reference=work_order.number, source=material))
        need -= take
    if need > 0:  # beyond what was reserved (released with shortage, or over-completion)
        if component.tracking == Tracking.NONE:
            picks = [(None, need)] if stock_available(item=component, location=location) >= need else []
        else:
            picks = fefo_lots(item=component, location=location, quantity=need)
            if sum((q for _l, q in picks), ZERO) < need:
                picks = []
        if not picks:
            _raise_shortage(component, location, need)
        specs = [MoveSpec(item=component, quantity=q, from_location=location, to_location=production, lot=lot,
                          reference=work_order.number, source=material) for lot, q in picks]
        try:
            moves += stock_moves_post(company=work_order.company, moves=specs, actor=actor)
        except ConflictError as error:
            # another completion took the free stock between our read and SCM's locked check (item, then
            # location): answer with the same shortage as if we had seen it first
            if error.code != "insufficient_stock":
                raise
            _raise_shortage(component, location, need)
    return moves


def _raise_shortage(component, location, need: Decimal):
    available = stock_available(item=component, location=location)
    raise DomainError("quantity_good", f"Not enough {component.number} at {location.code} to complete: "
                                       f"{_text(need)} more needed, {_text(available)} available.",
                      code="shortage", extra={"shortages": [{
                          "item": component.number, "item_id": component.pk,
                          "required": _text(need), "available": _text(available)}]})


def _parse_chosen(work_order, consumed_lots: list[dict] | None) -> dict[int, list[tuple]]:
    from apps.scm.models import Lot

    chosen: dict[int, list[tuple]] = defaultdict(list)
    for index, row in enumerate(consumed_lots or []):
        component = row.get("component")
        component_id = getattr(component, "pk", component)
        lot = row.get("lot")
        if not isinstance(lot, Lot):
            lot = Lot.objects.filter(company=work_order.company, item_id=component_id, code=str(lot)).first() \
                if lot is not None else None
        if lot is None or lot.company_id != work_order.company_id or lot.item_id != component_id:
            raise DomainError(f"consumed_lots.{index}.lot", "Unknown lot of that component.")
        quantity = Decimal(row.get("quantity") or 0)
        if quantity <= 0:
            raise DomainError(f"consumed_lots.{index}.quantity", "The quantity must be greater than zero.")
        chosen[component_id].append((lot, quantity))
    return chosen


def _finished_lots(*, work_order, quantity_good: Decimal, lot_code: str | None, serials: list[str] | None,
                   sequence: int, actor) -> list[tuple]:
    """[(lot or None, quantity)] to receive: one lot, one serial per unit, or untracked."""
    item, company = work_order.item, work_order.company
    if item.tracking == Tracking.NONE:
        if lot_code or serials:
            raise DomainError("lot_code", f"{item.number} is not tracked by lot or serial.")
        return [(None, quantity_good)]
    if item.tracking == Tracking.LOT:
        code = lot_code or f"{work_order.number}-{sequence:02d}"
        return [(lot_get_or_create(company=company, item=item, code=code, actor=actor), quantity_good)]
    if quantity_good != quantity_good.to_integral_value():
        raise DomainError("quantity_good", f"{item.number} is serial-tracked: complete whole units.")
    count = int(quantity_good)
    if serials:
        if len(serials) != count or len(set(serials)) != count:
            raise DomainError("serials", f"Enter {count} different serial numbers.")
        codes = list(serials)
    else:
        prefix = lot_code or f"{work_order.number}-{sequence:02d}"
        codes = [f"{prefix}-{n:04d}" for n in range(1, count + 1)]
    lots = []
    for code in codes:
        lot = lot_get_or_create(company=company, item=item, code=code, actor=actor)
        if not lot.is_serial:
            lot.is_serial = True
            lot.save(update_fields=["is_serial", "updated_at"])
        lots.append((lot, Decimal(1)))
    return lots


@transaction.atomic
def work_order_complete(*, work_order: WorkOrder, quantity_good: Decimal | None = None,
                        quantity_scrap: Decimal | None = None, lot_code: str | None = None,
                        serials: list[str] | None = None, consumed_lots: list[dict] | None = None,
                        actor, completed_on: datetime.date | None = None) -> WorkOrder:
    """Report finished units: consume components, receive the product at actual cost, record genealogy,
    tell ERP (`mes.work_order.completed`). Partial and over-completion rules: see the module docstring.
    A quantity left out is what the floor reported and no completion has yet (`work_order_completion_defaults`).
    `completed_on` records units finished on an earlier day (the books post them on that day); never a future one."""
    completed_at = happened_at(completed_on, field="completed_on",
                               message="A completion cannot be reported for a future date.")
    work_order = _lock(work_order)
    before = snapshot(work_order)
    if work_order.status not in work_order.workflow.transitions["complete"].sources:
        transition(work_order, verb="complete")  # raises the 409 naming the allowed steps
    # the operations once: the default quantities and the quality block
    operations = list(work_order.operations.order_by("sequence").values_list(
        "status", "quantity_good", "quantity_scrap", "quality_blocked", "sequence"))
    default_good, default_scrap = work_order_completion_defaults(work_order=work_order,
                                                                 operations=[row[:3] for row in operations])
    quantity_good = default_good if quantity_good is None else Decimal(quantity_good)
    quantity_scrap = default_scrap if quantity_scrap is None else Decimal(quantity_scrap)
    if quantity_good <= 0:
        raise DomainError("quantity_good", "Completed quantity must be positive.", code="not_positive")
    if quantity_scrap < 0:
        raise DomainError("quantity_scrap", "Scrap cannot be negative.")
    limit = work_order.quantity * (1 + work_order.over_completion_percent / 100)
    if work_order.quantity_good + quantity_good > limit:
        raise DomainError("quantity_good", f"{_text(work_order.quantity_good + quantity_good)} would exceed the "
                                           f"ordered {_text(work_order.quantity)} by more than the "
                                           f"{_text(work_order.over_completion_percent)} % tolerance "
                                           f"(at most {_text(limit - work_order.quantity_good)} more).",
                          code="over_completion")
    blocked = [sequence for *_quantities, quality_blocked, sequence in operations if quality_blocked]
    if blocked:
        raise ConflictError("operations", f"Operation {', '.join(map(str, blocked))} is blocked by a failed "
                                          "quality check.", code="quality_blocked")
    company = work_order.company
    production = virtual_location(company=company, kind=LocationKind.PRODUCTION)
    chosen = _parse_chosen(work_order, consumed_lots)

    materials = list(work_order.materials.select_related("component", "location").order_by("component_id", "id"))
    # the product's valuation is locked with the components', in item order, before any quant: completions
    # of orders whose products and components cross each other never wait for each other in a circle
    lock_stock(company=company, reservations=_open_reservations(work_order, materials),
               items=[work_order.item_id, *(m.component_id for m in materials)],
               quant_keys=[(m.component_id, m.location_id) for m in materials])

    completion = WorkOrderCompletion.objects.create(work_order=work_order, quantity_good=quantity_good,
                                                    quantity_scrap=quantity_scrap, completed_by=actor
                                                    if getattr(actor, "pk", None) else None)
    consumed = []  # (lot or None, quantity, value)
    units = quantity_good + quantity_scrap
    for material in materials:
        need = material_requirement(quantity_per=material.quantity_per, scrap_percent=material.scrap_percent,
                                    quantity=units)
        moves = _consume(work_order=work_order, material=material, need=need, production=production, actor=actor,
                         chosen=chosen.get(material.component_id))
        material.quantity_consumed += need
        material.save(update_fields=["quantity_consumed"])
        consumed += [(m.lot, m.quantity, m.value) for m in moves]
    material_cost = sum((v for _l, _q, v in consumed), ZERO)

    logs = list(OperationTimeLog.objects.filter(operation__work_order=work_order, ended_at__isnull=False,
                                                completion__isnull=True).select_related("operation__work_center"))
    labour_cost = machine_cost = ZERO
    for log in logs:
        center = log.operation.work_center
        labour_cost += log.hours * center.hourly_rate
        if log.kind == TimeLogKind.RUN:
            machine_cost += log.hours * center.machine_hourly_rate
    labour_cost, machine_cost = labour_cost.quantize(CENT, ROUND_HALF_UP), machine_cost.quantize(CENT, ROUND_HALF_UP)
    OperationTimeLog.objects.filter(pk__in=[log.pk for log in logs]).update(completion=completion)
    total_cost = material_cost + labour_cost + machine_cost
    unit_cost = (total_cost / quantity_good).quantize(UNIT_COST, ROUND_HALF_UP)

    sequence = work_order.completions.count()
    finished = _finished_lots(work_order=work_order, quantity_good=quantity_good, lot_code=lot_code, serials=serials,
                              sequence=sequence, actor=actor)
    stock_moves_post(company=company, actor=actor, moves=[
        MoveSpec(item=work_order.item, quantity=q, from_location=production,
                 to_location=work_order.finished_location or work_order.location, lot=lot, unit_cost=unit_cost,
                 reference=work_order.number, source=completion) for lot, q in finished])

    consumed_lots_totals: dict[int, tuple] = {}
    for lot, quantity, _value in consumed:
        if lot is not None:
            previous = consumed_lots_totals.get(lot.pk, (lot, ZERO))
            consumed_lots_totals[lot.pk] = (lot, previous[1] + quantity)
    links = [GenealogyLink(company=company, parent_lot=parent, child_lot=child, work_order=work_order,
                           quantity=_qty(quantity / len(finished)))
             for parent, _q in finished if parent is not None
             for child, quantity in consumed_lots_totals.values()]
    GenealogyLink.objects.bulk_create(links)

    completion.lot = finished[0][0]
    completion.material_cost, completion.labour_cost, completion.machine_cost = material_cost, labour_cost, \
        machine_cost
    completion.total_cost, completion.unit_cost = total_cost, unit_cost
    completion.save()

    work_order.quantity_good += quantity_good
    work_order.quantity_scrap += quantity_scrap
    work_order.material_cost += material_cost
    work_order.labour_cost += labour_cost
    work_order.machine_cost += machine_cost
    final = work_order.quantity_good >= work_order.quantity
    if final:
        transition(work_order, verb="complete")
        work_order.completed_at = completed_at
        _release_reservations(work_order, actor, materials)
    else:
        work_order.status = W.IN_PROGRESS  # partial completion: still being worked on
    work_order.save()
    record_change(work_order, actor=actor, action="complete" if final else "complete_partial", before=before)
    emit(WORK_ORDER_COMPLETED, company=company, subject=work_order,
         payload=work_order_completed_payload(work_order, completion, finished, final=final,
                                              completed_on=completed_on or timezone.localdate()))
    return work_order
