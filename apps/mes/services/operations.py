"""Operations on the floor: start, pause, resume, finish by an operator, with time logs and quantities."""

from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from apps.core.audit import record_change, snapshot
from apps.core.errors import ConflictError, DomainError
from apps.core.workflow import step, transition
from apps.mes.choices import CheckResult, OperationStatus, TimeLogKind, WorkOrderStatus
from apps.mes.models import InspectionPlan, Operation, OperationTimeLog, QualityCheck, WorkOrder

ZERO = Decimal(0)


def operation_blocked(operation: Operation) -> bool:
    """True when a failed quality check blocks the operation (the quality half sets `quality_blocked`)."""
    return bool(operation.quality_blocked)


def operation_missing_checks(operation: Operation) -> list[InspectionPlan]:
    """The required inspection plans not yet passed on this operation.

    A plan is passed when each of its checks has a passing result recorded on the operation (a plan without
    checks: a passing check named like the plan)."""
    plans = list(operation.required_checks.prefetch_related("checks").order_by("name"))
    if not plans:
        return []
    passed = QualityCheck.objects.filter(operation=operation, result=CheckResult.PASS)
    passed_definitions = set(passed.exclude(check_definition=None).values_list("check_definition_id", flat=True))
    passed_names = set(passed.values_list("name", flat=True))
    missing = []
    for plan in plans:
        definitions = {check.pk for check in plan.checks.all()}
        done = definitions <= passed_definitions if definitions else plan.name in passed_names
        if not done:
            missing.append(plan)
    return missing


def _lock(operation: Operation) -> Operation:
    return (Operation.objects.select_for_update(of=("self",)).select_related("work_order", "work_center")
            .get(pk=operation.pk))


def _clock_on(operation: Operation, actor, kind: str) -> None:
    if not getattr(actor, "pk", None):
        raise DomainError("operator", "An operator (a signed-in user) is required.")
    OperationTimeLog.objects.filter(operation=operation, operator=actor, ended_at__isnull=True).update(
        ended_at=timezone.now())
    OperationTimeLog.objects.create(operation=operation, operator=actor, kind=kind, started_at=timezone.now())


def _clock_off(operation: Operation) -> None:
    OperationTimeLog.objects.filter(operation=operation, ended_at__isnull=True).update(ended_at=timezone.now())


def _default_kind(operation: Operation) -> str:
    has_run = operation.time_logs.filter(kind=TimeLogKind.RUN).exists()
    return TimeLogKind.SETUP if operation.setup_minutes > 0 and not has_run and not operation.time_logs.exists() \
        else TimeLogKind.RUN


@transaction.atomic
def operation_start(*, operation: Operation, actor, kind: str | None = None) -> Operation:
    """An operator starts an operation (setup first when it has setup time); the order becomes in progress."""
    operation = _lock(operation)
    work_order = WorkOrder.objects.select_for_update().get(pk=operation.work_order_id)
    if work_order.status not in (WorkOrderStatus.RELEASED, WorkOrderStatus.IN_PROGRESS):
        raise ConflictError("status", f"{work_order.number} is {work_order.status}: only released work orders "
                                      "are worked on.", code="transition_not_allowed")
    before = snapshot(operation)
    if operation.status == OperationStatus.IN_PROGRESS:  # another operator joins
        _clock_on(operation, actor, kind or TimeLogKind.RUN)
        record_change(operation, actor=actor, action="join", before=before)
        return operation
    transition(operation, verb="start")
    operation.actual_start = operation.actual_start or timezone.now()
    operation.save(update_fields=["status", "actual_start", "updated_at"])
    _clock_on(operation, actor, kind or _default_kind(operation))
    if work_order.status == WorkOrderStatus.RELEASED:
        work_before = snapshot(work_order)
        transition(work_order, verb="start")
        work_order.save(update_fields=["status", "updated_at"])
        record_change(work_order, actor=actor, action="start", before=work_before)
    record_change(operation, actor=actor, action="start", before=before)
    return operation


@transaction.atomic
def operation_pause(*, operation: Operation, actor) -> Operation:
    """Pause an operation: every open time log on it stops."""
    with step(operation, verb="pause", actor=actor, lock=_lock, fields=[]) as operation:
        _clock_off(operation)
    return operation


@transaction.atomic
def operation_resume(*, operation: Operation, actor, kind: str = TimeLogKind.RUN) -> Operation:
    """Resume a paused operation; the operator clocks on again."""
    with step(operation, verb="resume", actor=actor, lock=_lock, fields=[]) as operation:
        _clock_on(operation, actor, kind)
    return operation


@transaction.atomic
def operation_finish(*, operation: Operation, actor, quantity_good: Decimal, quantity_scrap: Decimal = ZERO,
                     scrap_reason: str = "") -> Operation:
    """Finish an operation with the good and scrapped quantities; no more good units than the previous
    operation passed, not while a failed quality check blocks it, and only once its required checks passed."""
    fields = ["quantity_good", "quantity_scrap", "scrap_reason", "actual_end"]
    with step(operation, verb="finish", actor=actor, lock=_lock, fields=fields) as operation:
        quantity_good, quantity_scrap = Decimal(quantity_good), Decimal(quantity_scrap or 0)
        if quantity_good < 0:
            raise DomainError("quantity_good", "The good quantity cannot be negative.")
        if quantity_scrap < 0:
            raise DomainError("quantity_scrap", "The scrapped quantity cannot be negative.")
        if quantity_good + quantity_scrap <= 0:
            raise DomainError("quantity_good", "Report the good or scrapped quantity.", code="required")
        if operation_blocked(operation):
            raise ConflictError("quality_blocked", f"Operation {operation} is blocked by a failed quality check.",
                                code="quality_blocked")
        missing = operation_missing_checks(operation)
        if missing:
            raise DomainError("required_checks", f"Operation {operation} needs passing quality checks first: "
                                                 f"{', '.join(plan.name for plan in missing)}.", code="checks_missing",
                              extra={"missing": [{"id": plan.pk, "name": plan.name} for plan in missing]})
        previous = (Operation.objects.filter(work_order_id=operation.work_order_id, sequence__lt=operation.sequence)
                    .order_by("-sequence").first())
        work_order = operation.work_order
        if previous is not None:
            if previous.status != OperationStatus.DONE:
                raise DomainError("quantity_good", f"Operation {previous.sequence} has not passed any units yet.")
            limit, source = previous.quantity_good, f"operation {previous.sequence} passed"
        else:
            limit = work_order.quantity * (1 + work_order.over_completion_percent / 100)
            source = "the order allows"
        if quantity_good > limit:
            raise DomainError("quantity_good", f"{quantity_good.normalize():f} good units is more than "
                                               f"{source} ({limit.normalize():f}).", code="exceeds_previous")
        operation.quantity_good, operation.quantity_scrap = quantity_good, quantity_scrap
        operation.scrap_reason = scrap_reason or ""
        operation.actual_end = timezone.now()
        _clock_off(operation)
    return operation
