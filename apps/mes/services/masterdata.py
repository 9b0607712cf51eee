"""Work centers (with shift calendar and equipment) and routings (with ordered operations)."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from apps.core.checks import require_same_company
from apps.core.errors import DomainError
from apps.core.services.records import record_create, record_update
from apps.mes.models import Equipment, InspectionPlan, MachineSignal, Routing, WorkCenter


def _check_shifts(shifts: list[dict] | None) -> None:
    if not shifts:
        return
    seen = set()
    for index, shift in enumerate(shifts):
        weekday = shift.get("weekday")
        if weekday in seen:
            raise DomainError(f"shifts.{index}.weekday", "Each weekday has at most one shift.", code="duplicate")
        seen.add(weekday)
        hours = shift.get("hours")
        if hours is None or Decimal(hours) <= 0 or Decimal(hours) > 24:
            raise DomainError(f"shifts.{index}.hours", "Shift hours must be more than 0 and at most 24.")


def _check_equipment(equipment: list[dict] | None) -> None:
    codes = set()
    for index, row in enumerate(equipment or []):
        if row.get("code") in codes:  # else the unique constraint answers, as a 500
            raise DomainError(f"equipment.{index}.code", "Each piece of equipment of a work center has its own code.",
                              code="duplicate")
        codes.add(row.get("code"))


@transaction.atomic
def work_center_create(*, company, actor, code: str, name: str, shifts: list[dict] | None = None,
                       equipment: list[dict] | None = None, **fields) -> WorkCenter:
    """Create a work center with its shift calendar (one row per working weekday) and equipment."""
    _check_shifts(shifts)
    _check_equipment(equipment)
    children = {k: v for k, v in (("shifts", shifts), ("equipment", equipment)) if v is not None}
    return record_create(model=WorkCenter, actor=actor, company=company, code=code, name=name, **fields, **children)


@transaction.atomic
def work_center_update(*, instance: WorkCenter, actor, **fields) -> WorkCenter:
    """Change a work center; a given `shifts` list replaces the calendar, a given `equipment` list is matched
    by code (kept rows keep their id, signals and downtime; a machine that sent signals cannot be removed)."""
    _check_shifts(fields.get("shifts"))
    equipment = fields.pop("equipment", None)
    _check_equipment(equipment)
    work_center = record_update(instance=instance, actor=actor, **fields)
    if equipment is not None:
        _sync_equipment(work_center, equipment)
    return work_center


def _sync_equipment(work_center: WorkCenter, rows: list[dict]) -> None:
    current = {e.code: e for e in Equipment.objects.select_for_update().filter(work_center=work_center)}
    for index, row in enumerate(rows):
        machine = current.pop(row.get("code"), None) or Equipment(work_center=work_center)
        for name, value in row.items():
            setattr(machine, name, value)
        try:
            machine.full_clean(exclude=["work_center"])
        except ValidationError as error:
            messages = getattr(error, "message_dict", None) or {None: error.messages}
            field, problems = next(iter(messages.items()))
            raise DomainError(f"equipment.{index}.{field}" if field else f"equipment.{index}", problems[0]) from error
        machine.save()
    for index, machine in enumerate(current.values()):
        if MachineSignal.objects.filter(equipment=machine).exists() or machine.downtime_events.exists():
            raise DomainError(f"equipment.{index}", f"{machine.code} has machine signals or downtime; make it "
                              "inactive instead of removing it.", code="in_use")
        machine.delete()


def _check_operations(company, operations: list[dict] | None) -> None:
    if operations is None:
        return
    if not operations:
        raise DomainError("operations", "A routing has at least one operation.", code="required")
    sequences = set()
    for index, operation in enumerate(operations):
        prefix = f"operations.{index}."
        sequence = operation.get("sequence")
        if sequence is None or int(sequence) <= 0:
            raise DomainError(f"{prefix}sequence", "Enter a positive sequence number.")
        if sequence in sequences:
            raise DomainError(f"{prefix}sequence", f"Sequence {sequence} is used twice.", code="duplicate")
        sequences.add(sequence)
        work_center = operation.get("work_center")
        if work_center is None:
            raise DomainError(f"{prefix}work_center", "Choose a work center.", code="required")
        if work_center.company_id != company.pk:
            raise DomainError(f"{prefix}work_center", "Unknown work center: it belongs to another company.",
                              code="does_not_exist")
        setup = Decimal(operation.get("setup_minutes") or 0)
        run = operation.get("run_minutes_per_unit")
        if setup < 0:
            raise DomainError(f"{prefix}setup_minutes", "Setup time cannot be negative.")
        if run is None or Decimal(run) <= 0:
            raise DomainError(f"{prefix}run_minutes_per_unit", "Run time per unit must be greater than zero.")


def _pop_required_checks(company, item, operations: list[dict] | None) -> dict[int, list[InspectionPlan]]:
    """Take the plans out of the operation rows (set after the rows exist): {sequence: [plan, ...]}."""
    checks: dict[int, list[InspectionPlan]] = {}
    for index, operation in enumerate(operations or []):
        plans = list(operation.pop("required_checks", None) or [])
        for plan in plans:
            if not isinstance(plan, InspectionPlan) or plan.company_id != company.pk:
                raise DomainError(f"operations.{index}.required_checks", "Unknown inspection plan: it belongs to "
                                                                         "another company.", code="does_not_exist")
            if plan.item_id != item.pk:
                raise DomainError(f"operations.{index}.required_checks",
                                  f"Inspection plan {plan.name} is for another item than {item.number}.")
        checks[int(operation.get("sequence") or 0)] = plans
    return checks


def _set_required_checks(routing: Routing, checks: dict[int, list[InspectionPlan]]) -> None:
    for operation in routing.operations.all():
        operation.required_checks.set(checks.get(operation.sequence, []))


@transaction.atomic
def routing_create(*, company, actor, item, operations: list[dict], **fields) -> Routing:
    """Create the routing of an item: ordered operations at work centers of the same company, each with the
    inspection plans (of the item) it requires."""
    require_same_company(company, item=item)
    if Routing.objects.filter(item=item).exists():
        raise DomainError("item", f"Item {item.number} already has a routing: edit it.", code="unique")
    _check_operations(company, operations)
    checks = _pop_required_checks(company, item, operations)
    routing = record_create(model=Routing, actor=actor, company=company, item=item, operations=operations, **fields)
    _set_required_checks(routing, checks)
    return routing


@transaction.atomic
def routing_update(*, instance: Routing, actor, **fields) -> Routing:
    """Change a routing; a given `operations` list replaces the operations (work orders keep their copies)."""
    if "item" in fields and fields["item"].pk != instance.item_id:
        raise DomainError("item", "The item of a routing cannot change.")
    _check_operations(instance.company, fields.get("operations"))
    operations = fields.get("operations")
    checks = _pop_required_checks(instance.company, instance.item, operations) if operations is not None else None
    routing = record_update(instance=instance, actor=actor, **fields)
    if checks is not None:
        _set_required_checks(routing, checks)
    return routing
