"""Quality: inspection plans, recording check results, non-conformances and incoming inspection of held stock.

A failed check on a work order operation blocks the operation (`Operation.quality_blocked`, so it
cannot be finished) and raises a non-conformance; closing the last open blocking non-conformance of
the operation unblocks it. Raising a non-conformance emits `mes.nonconformance.raised`.
"""

from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from apps.core.audit import record_change, snapshot
from apps.core.checks import require_same_company
from apps.core.errors import ConflictError, DomainError
from apps.core.numbering import next_number
from apps.core.outbox import emit
from apps.core.scoping import user_company_ids
from apps.core.services.records import record_create, record_update
from apps.core.workflow import step
from apps.mes.choices import (
    CheckKind,
    CheckResult,
    Disposition,
    NonConformanceStatus,
    OperationStatus,
    RejectDestination,
)
from apps.mes.events import NONCONFORMANCE_RAISED, nonconformance_raised_payload
from apps.mes.models import CheckDefinition, InspectionPlan, NonConformance, Operation, QualityCheck
from apps.scm.choices import LocationKind, ReceiptStatus
from apps.scm.models import GoodsReceiptLine, Location, Lot, StockMove, StockQuant
from apps.scm.services.locations import virtual_location
from apps.scm.services.stock import stock_move_post

QTY_PLACES = Decimal("0.0001")


# ---- helpers -----------------------------------------------------------------------------------------
def _decimal(value, field: str, *, positive: bool = False, places: Decimal | None = None) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise DomainError(field, "Enter a number.") from exc
    if not number.is_finite():
        raise DomainError(field, "Enter a finite number.")
    if positive and number <= 0:
        raise DomainError(field, "Must be greater than zero.", code="not_positive")
    if places is not None and number != number.quantize(places):
        raise DomainError(field, f"At most {-places.as_tuple().exponent} decimal places.", code="too_precise")
    return number


def _text(value: Decimal) -> str:
    """A decimal without trailing zeros, never in exponent notation (10.000000 → 10, 9.950000 → 9.95)."""
    return f"{value.normalize():f}"


def _member(company, user, field: str) -> None:
    if user is not None and company.pk not in user_company_ids(user):
        raise DomainError(field, f"{user} is not a member of {company.code}.")


# ---- inspection plans ----------------------------------------------------------------------------------
def _check_plan(*, company, item, work_center, checks: list[dict] | None, name: str | None = None,
                instance: InspectionPlan | None = None) -> None:
    require_same_company(company, item=item)
    if name is not None:
        clash = InspectionPlan.objects.filter(company=company, name=name)
        if instance is not None:
            clash = clash.exclude(pk=instance.pk)
        if clash.exists():
            raise DomainError("name", f"An inspection plan named '{name}' already exists.", code="unique")
    require_same_company(company, work_center=work_center)
    for index, row in enumerate(checks or []):
        prefix = f"checks.{index}."
        kind = row.get("kind") or CheckKind.PASS_FAIL
        limits = {name: row.get(name) for name in ("nominal", "lower_tolerance", "upper_tolerance")}
        if kind == CheckKind.MEASUREMENT:
            for name, value in limits.items():
                if value is None:
                    raise DomainError(f"{prefix}{name}", "A measurement needs a nominal value and both tolerances.",
                                      code="required")
            for name in ("lower_tolerance", "upper_tolerance"):
                if Decimal(limits[name]) < 0:
                    raise DomainError(f"{prefix}{name}", "A tolerance is a deviation from nominal: 0 or more.")
        else:
            for name, value in limits.items():
                if value is not None:
                    raise DomainError(f"{prefix}{name}", "A pass/fail check has no nominal value or tolerances.")


@transaction.atomic
def inspection_plan_create(*, company, item, name: str, actor, checks: list[dict] | None = None,
                           work_center=None, **data) -> InspectionPlan:
    """Create an inspection plan for an item (at an operation sequence, a work center, or on receipt)."""
    _check_plan(company=company, item=item, work_center=work_center, checks=checks, name=name)
    return record_create(model=InspectionPlan, actor=actor, company=company, item=item, name=name,
                         work_center=work_center, checks=list(checks or []), **data)


CHECK_FIELDS = ("sequence", "name", "kind", "nominal", "lower_tolerance", "upper_tolerance", "unit")


def _check_rows(rows: list[dict] | None) -> list[tuple]:
    def norm(value):
        return Decimal(value).normalize() if isinstance(value, Decimal | int | float) and value is not True else value

    return sorted((tuple(norm(row.get(f)) for f in CHECK_FIELDS) for row in rows or []), key=repr)


@transaction.atomic
def inspection_plan_update(*, instance: InspectionPlan, actor, **data) -> InspectionPlan:
    """Change a plan; given `checks` replace its check list (results keep the definitions they used)."""
    if "checks" in data and _check_rows(data["checks"]) == _check_rows(
            [{f: getattr(c, f) for f in CHECK_FIELDS} for c in instance.checks.all()]):
        data.pop("checks")  # unchanged: keep the definitions (and the results that refer to them)
    if "checks" in data and instance.checks.filter(results__isnull=False).exists():
        raise ConflictError("checks", "Checks of this plan have recorded results; create a new plan instead.")
    _check_plan(company=instance.company, item=data.get("item", instance.item),
                work_center=data.get("work_center", instance.work_center), checks=data.get("checks"),
                name=data.get("name"), instance=instance)
    return record_update(instance=instance, actor=actor, **data)


def inspection_plans_for_operation(operation: Operation):
    """The active plans that apply to an operation: the item's plans for its sequence or its work center."""
    return InspectionPlan.objects.filter(
        company_id=operation.work_order.company_id, item_id=operation.work_order.item_id, is_active=True,
    ).filter(Q(operation_sequence=operation.sequence) | Q(work_center_id=operation.work_center_id)).prefetch_related(
        "checks")


# ---- recording check results ---------------------------------------------------------------------------
def _subject(*, company, operation, receipt_line):
    """Lock and validate what is checked; returns (item, reference)."""
    if (operation is None) == (receipt_line is None):
        raise DomainError("operation", "Give either the work order operation or the receipt line checked.",
                          code="required")
    if operation is not None:
        require_same_company(company, operation=operation)
        operation = (Operation.objects.select_for_update(of=("self",)).select_related("work_order__item")
                     .get(pk=operation.pk))
        if operation.status == OperationStatus.DONE:
            raise ConflictError("operation", f"Operation {operation} is done; it can no longer be checked.")
        return operation, operation.work_order.item, f"{operation.work_order.number} op {operation.sequence}"
    require_same_company(company, receipt_line=receipt_line)
    line = GoodsReceiptLine.objects.select_related("receipt", "purchase_order_line__item").get(pk=receipt_line.pk)
    if line.receipt.status != ReceiptStatus.POSTED:
        raise ConflictError("receipt_line", f"Receipt {line.receipt.number} is not posted.")
    return line, line.purchase_order_line.item, line.receipt.number


@transaction.atomic
def quality_check_record(*, company, actor, check_definition: CheckDefinition | None = None, name: str = "",
                         operation: Operation | None = None, receipt_line: GoodsReceiptLine | None = None,
                         passed: bool | None = None, measured_value=None, quantity=Decimal(1), notes: str = "",
                         nonconformance_description: str = "", customer_facing: bool = False) -> QualityCheck:
    """Record a check result on an operation or a receipt line.

    Pass/fail checks take `passed`; measurements take `measured_value` and pass iff it lies within
    [nominal - lower tolerance, nominal + upper tolerance]. A failure raises a non-conformance for
    `quantity`, and on an operation blocks it until the non-conformance is closed.
    """
    subject, item, reference = _subject(company=company, operation=operation, receipt_line=receipt_line)
    quantity = _decimal(quantity, "quantity", positive=True, places=QTY_PLACES)
    if check_definition is not None:
        require_same_company(company, check_definition=check_definition)
        plan = check_definition.plan
        if not plan.is_active:
            raise DomainError("check_definition", f"Inspection plan {plan} is inactive.")
        if plan.item_id != item.pk:
            raise DomainError("check_definition", f"Inspection plan {plan} is for another item than {item.number}.")
        kind, name = check_definition.kind, check_definition.name
    else:
        if not name.strip():
            raise DomainError("name", "Name the check (or choose a check definition).", code="required")
        kind = CheckKind.PASS_FAIL if measured_value is None else CheckKind.MEASUREMENT
        if kind == CheckKind.MEASUREMENT:
            raise DomainError("measured_value", "A measurement needs a check definition with its tolerances.")

    lower = upper = None
    if kind == CheckKind.MEASUREMENT:
        if measured_value is None:
            raise DomainError("measured_value", f"Enter the measured value of '{name}'.", code="required")
        if passed is not None:
            raise DomainError("passed", "A measurement passes or fails by its tolerances; leave 'passed' empty.")
        measured_value = _decimal(measured_value, "measured_value", places=Decimal("0.000001"))
        lower, upper = check_definition.lower_limit, check_definition.upper_limit
        passed = lower <= measured_value <= upper
    else:
        if measured_value is not None:
            raise DomainError("measured_value", f"'{name}' is a pass/fail check; it takes no measured value.")
        if passed is None:
            raise DomainError("passed", f"Say whether '{name}' passed.", code="required")

    check = QualityCheck.objects.create(
        company=company, check_definition=check_definition, name=name, kind=kind, item=item,
        operation=subject if operation is not None else None,
        receipt_line=subject if receipt_line is not None else None,
        measured_value=measured_value, lower_limit=lower, upper_limit=upper,
        unit=check_definition.unit if check_definition else "",
        result=CheckResult.PASS if passed else CheckResult.FAIL, quantity=quantity, notes=notes,
        inspector=actor if getattr(actor, "pk", None) else None, checked_at=timezone.now(),
    )
    record_change(check, actor=actor, action="record")
    if passed:
        return check

    if kind == CheckKind.MEASUREMENT:
        unit = f" {check.unit}" if check.unit else ""
        finding = (f"measured {_text(measured_value)}{unit}, accepted {_text(lower)} to {_text(upper)}{unit}")
    else:
        finding = "failed"
    description = nonconformance_description.strip() or f"Check '{name}' {finding} ({reference})."
    if operation is not None:
        before = snapshot(subject)
        subject.quality_blocked = True
        subject.save(update_fields=["quality_blocked", "updated_at"])
        record_change(subject, actor=actor, action="quality_block", before=before)
    _raise(company=company, item=item, description=description, quantity=quantity, reference=reference,
           customer_facing=customer_facing, quality_check=check,
           operation=subject if operation is not None else None,
           receipt_line=subject if receipt_line is not None else None,
           blocks_operation=operation is not None, actor=actor)
    return check


# ---- non-conformances ----------------------------------------------------------------------------------
def _raise(*, company, item, description: str, quantity: Decimal, reference: str, actor, owner=None,
           customer_facing: bool = False, disposition: str = "", status: str = NonConformanceStatus.OPEN,
           quality_check=None, operation=None, receipt_line=None, blocks_operation: bool = False) -> NonConformance:
    now = timezone.now()
    nc = NonConformance.objects.create(
        company=company, number=next_number(company=company, doc_type="NC"), item=item,
        description=description, quantity=quantity, reference=reference[:100], owner=owner,
        customer_facing=customer_facing, disposition=disposition, status=status,
        dispositioned_at=now if status == NonConformanceStatus.DISPOSITIONED else None,
        quality_check=quality_check, operation=operation, receipt_line=receipt_line,
        blocks_operation=blocks_operation, raised_by=actor if getattr(actor, "pk", None) else None,
    )
    record_change(nc, actor=actor, action="raise")
    emit(NONCONFORMANCE_RAISED, company=company, subject=nc, payload=nonconformance_raised_payload(nc))
    return nc


@transaction.atomic
def nonconformance_raise(*, company, item, description: str, quantity, actor, reference: str = "", owner=None,
                         customer_facing: bool = False, disposition: str = "") -> NonConformance:
    """Raise a non-conformance by hand (found outside a recorded check); it starts open."""
    require_same_company(company, item=item)
    _member(company, owner, "owner")
    if not description.strip():
        raise DomainError("description", "Describe the non-conformance.", code="required")
    if disposition and disposition not in Disposition.values:
        raise DomainError("disposition", f"'{disposition}' is not a disposition.")
    quantity = _decimal(quantity, "quantity", positive=True, places=QTY_PLACES)
    return _raise(company=company, item=item, description=description.strip(), quantity=quantity,
                  reference=reference, owner=owner, customer_facing=customer_facing, disposition=disposition,
                  actor=actor)


@transaction.atomic
def nonconformance_disposition(*, nonconformance: NonConformance, disposition: str, actor, notes: str = "",
                               owner=None) -> NonConformance:
    """Decide what happens to the non-conforming quantity (rework, scrap, use as is, return to supplier)."""
    with step(nonconformance, verb="disposition", actor=actor) as nc:
        if disposition not in Disposition.values:
            raise DomainError("disposition", f"Choose one of: {', '.join(Disposition.values)}.", code="invalid_choice")
        if disposition == Disposition.RETURN_TO_SUPPLIER and nc.operation_id:
            raise DomainError("disposition",
                              "Only purchased material found on receipt can be returned to the supplier.")
        if owner is not None:
            _member(nc.company, owner, "owner")
            nc.owner = owner
        nc.disposition = disposition
        nc.disposition_notes = notes
        nc.dispositioned_at = timezone.now()
    return nc


@transaction.atomic
def nonconformance_close(*, nonconformance: NonConformance, actor) -> NonConformance:
    """Close a dispositioned non-conformance; the last one blocking an operation unblocks it."""
    with step(nonconformance, verb="close", actor=actor) as nc:
        nc.closed_on = timezone.localdate()
        nc.closed_by = actor if getattr(actor, "pk", None) else None
    if nc.blocks_operation and nc.operation_id:
        operation = Operation.objects.select_for_update().get(pk=nc.operation_id)
        still_blocking = NonConformance.objects.filter(operation=operation, blocks_operation=True).exclude(
            status=NonConformanceStatus.CLOSED).exists()
        if operation.quality_blocked and not still_blocking:
            op_before = snapshot(operation)
            operation.quality_blocked = False
            operation.save(update_fields=["quality_blocked", "updated_at"])
            record_change(operation, actor=actor, action="quality_unblock", before=op_before)
    return nc


# ---- incoming inspection of stock on quality hold ------------------------------------------------------
def _held(*, company, item, location: Location, lot: Lot | None, quantity) -> Decimal:
    require_same_company(company, item=item, location=location, lot=lot)
    if not location.is_quality_hold:
        raise DomainError("location", f"{location} is not a quality-hold location.")
    quantity = _decimal(quantity, "quantity", positive=True, places=QTY_PLACES)
    quant = StockQuant.objects.filter(item=item, location=location, lot=lot).first()
    available = quant.available if quant else Decimal(0)
    if quantity > available:
        raise ConflictError("quantity", f"Only {available.normalize():f} of {item.number} are held at {location}.",
                            code="insufficient_stock", extra={"available": str(available)})
    return quantity


def held_stock_receipt_line(*, item, location: Location, lot: Lot | None = None) -> GoodsReceiptLine | None:
    """The latest posted receipt line that put this item (and lot) on hold at `location`, if any."""
    lines = GoodsReceiptLine.objects.filter(
        receipt__company_id=location.company_id, receipt__status=ReceiptStatus.POSTED, quality_hold=True,
        purchase_order_line__item=item, stock_move__to_location=location,
    ).select_related("receipt")
    if lot is not None:
        lines = lines.filter(lot_code=lot.code)
    return lines.order_by("-id").first()


@transaction.atomic
def held_stock_release(*, company, item, location: Location, quantity, to_location: Location, actor,
                       lot: Lot | None = None) -> StockMove:
    """Incoming inspection passed: move held stock to a normal internal location (SCM's ledger)."""
    quantity = _held(company=company, item=item, location=location, lot=lot, quantity=quantity)
    require_same_company(company, to_location=to_location)
    if to_location.kind != LocationKind.INTERNAL or to_location.is_quality_hold or not to_location.is_active:
        raise DomainError("to_location", "Release into an active internal location that is not on quality hold.")
    line = held_stock_receipt_line(item=item, location=location, lot=lot)
    reference = f"Quality release {line.receipt.number}" if line else "Quality release"
    return stock_move_post(company=company, item=item, quantity=quantity, from_location=location,
                           to_location=to_location, lot=lot, reference=reference,
                           reason="Released from quality hold", actor=actor)


@transaction.atomic
def held_stock_reject(*, company, item, location: Location, quantity, destination: str, description: str, actor,
                      lot: Lot | None = None, customer_facing: bool = False) -> NonConformance:
    """Incoming inspection failed: scrap the held stock or return it to the supplier, with a
    dispositioned non-conformance (scrap / return_to_supplier) that records why."""
    quantity = _held(company=company, item=item, location=location, lot=lot, quantity=quantity)
    if destination not in RejectDestination.values:
        raise DomainError("destination", f"Choose one of: {', '.join(RejectDestination.values)}.",
                          code="invalid_choice")
    if not description.strip():
        raise DomainError("description", "Say what is wrong with the material.", code="required")
    line = held_stock_receipt_line(item=item, location=location, lot=lot)
    to_supplier = destination == RejectDestination.SUPPLIER
    nc = _raise(company=company, item=item, description=description.strip(), quantity=quantity,
                reference=line.receipt.number if line else f"Quality hold {location}", actor=actor,
                customer_facing=customer_facing,
                disposition=Disposition.RETURN_TO_SUPPLIER if to_supplier else Disposition.SCRAP,
                status=NonConformanceStatus.DISPOSITIONED, receipt_line=line)
    target = virtual_location(company=company, kind=LocationKind.SUPPLIER if to_supplier else LocationKind.SCRAP)
    stock_move_post(company=company, item=item, quantity=quantity, from_location=location, to_location=target,
                    lot=lot, reference=nc.number, source=nc,
                    reason="Returned to supplier" if to_supplier else "Scrapped on incoming inspection", actor=actor)
    return nc
