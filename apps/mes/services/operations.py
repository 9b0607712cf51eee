"""Operations on the floor: start, pause, resume, finish by an operator, with time logs and quantities.

Sequence rules: operations follow the routing sequence. An operation starts only once the previous one has
started, and finishes only once the previous one has finished, with no more units (good + scrapped) than the
previous one passed. A supervisor (`mes.override_sequence`, the Manager role) may override both; the audit
trail records the override and the state of the previous operation. The work center shows Running while one
of its operations runs.

Time worked may also be recorded after the fact (`operation_time_record`: a closed time log with its own start
and end), and a finish may be reported with the time it happened (`operation_finish(finished_at=...)`).
"""

import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from apps.core.audit import record_change, snapshot
from apps.core.errors import ConflictError, DomainError, PermissionDeniedError
from apps.core.permissions import has_company_perm
from apps.core.workflow import transition
from apps.mes.choices import (
    OPEN_WORK_ORDER_STATUSES,
    CheckResult,
    OperationStatus,
    TimeLogKind,
    WorkCenterStatus,
    WorkOrderStatus,
)
from apps.mes.models import InspectionPlan, Operation, OperationTimeLog, QualityCheck, WorkCenter, WorkOrder
from apps.mes.selectors_board import forget_board

ZERO = Decimal(0)
OVERRIDE_SEQUENCE = "mes.override_sequence"


def _text(value: Decimal) -> str:
    return f"{Decimal(value).normalize():f}"


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


def previous_operation(operation: Operation) -> Operation | None:
    """The operation before this one in the work order's routing sequence (None for the first)."""
    return (Operation.objects.filter(work_order_id=operation.work_order_id, sequence__lt=operation.sequence)
            .order_by("-sequence").first())


def may_override_sequence(actor, operation: Operation) -> bool:
    """Whether the actor's role in the operation's company may run operations out of sequence (supervisor)."""
    return has_company_perm(actor, OVERRIDE_SEQUENCE, operation)


def _describe(operation: Operation) -> str:
    """`operation 10 (Cut)`: how messages name an operation."""
    return f"operation {operation.sequence}" + (f" ({operation.name})" if operation.name else "")


def _out_of_sequence(operation: Operation, previous: Operation, rule: str, *, override: bool, actor) -> dict:
    """Refuse (409 naming the previous operation) unless a supervisor overrides; returns the audit note."""
    if not override:
        raise ConflictError("sequence", f"The previous {_describe(previous)} of {operation.work_order.number} "
                                        f"{rule}: operations follow the routing sequence.", code="out_of_sequence",
                            extra={"previous_operation": {"id": previous.pk, "sequence": previous.sequence,
                                                          "name": previous.name, "status": previous.status}})
    if not may_override_sequence(actor, operation):
        raise PermissionDeniedError("override_sequence", "Only a supervisor may run operations out of sequence.")
    return {"previous_sequence": previous.sequence, "previous_status": previous.status}


def _work_center_running(operation: Operation) -> None:
    """An operation runs: the work center shows Running (unless it is down)."""
    if WorkCenter.objects.filter(pk=operation.work_center_id, status=WorkCenterStatus.IDLE).update(
            status=WorkCenterStatus.RUNNING, updated_at=timezone.now()):
        _board_changed(operation)


def _board_changed(operation: Operation) -> None:
    company_id = operation.work_center.company_id  # loaded with the locked operation
    transaction.on_commit(lambda: forget_board(company_id=company_id))


def _work_center_idle_when_free(operation: Operation) -> None:
    """The last running operation of a work center stopped: it shows Idle again."""
    busy = Operation.objects.filter(work_center_id=operation.work_center_id, status=OperationStatus.IN_PROGRESS)
    if not busy.exists() and WorkCenter.objects.filter(
            pk=operation.work_center_id, status=WorkCenterStatus.RUNNING).update(
            status=WorkCenterStatus.IDLE, updated_at=timezone.now()):
        _board_changed(operation)


def _audit(operation: Operation, actor, action: str, before: dict, override: dict | None) -> None:
    if override is None:
        record_change(operation, actor=actor, action=action, before=before)
    else:
        record_change(operation, actor=actor, action=f"{action}_out_of_sequence", before=before,
                      after={**snapshot(operation), "override_sequence": override})


def _lock(operation: Operation) -> Operation:
    return (Operation.objects.select_for_update(of=("self",)).select_related("work_order", "work_center")
            .get(pk=operation.pk))


def _clock_on(operation: Operation, actor, kind: str) -> None:
    if not getattr(actor, "pk", None):
        raise DomainError("operator", "An operator (a signed-in user) is required.")
    OperationTimeLog.objects.filter(operation=operation, operator=actor, ended_at__isnull=True).update(
        ended_at=timezone.now())
    OperationTimeLog.objects.create(operation=operation, operator=actor, kind=kind, started_at=timezone.now())


def _clock_off(operation: Operation, at: datetime.datetime | None = None) -> None:
    OperationTimeLog.objects.filter(operation=operation, ended_at__isnull=True).update(ended_at=at or timezone.now())


def _default_kind(operation: Operation) -> str:
    has_run = operation.time_logs.filter(kind=TimeLogKind.RUN).exists()
    return TimeLogKind.SETUP if operation.setup_minutes > 0 and not has_run and not operation.time_logs.exists() \
        else TimeLogKind.RUN


def _work_order_for_work(operation: Operation) -> WorkOrder:
    """The operation's work order, locked, if it may be worked on (released or in progress; 409 otherwise)."""
    work_order = WorkOrder.objects.select_for_update().get(pk=operation.work_order_id)
    if work_order.status not in OPEN_WORK_ORDER_STATUSES:
        raise ConflictError("status", f"{work_order.number} is {work_order.status}: only released work orders "
                                      "are worked on.", code="transition_not_allowed")
    return work_order


def _begin(operation: Operation, work_order: WorkOrder, *, started_at: datetime.datetime, actor,
           override_sequence: bool) -> dict | None:
    """A pending or paused operation starts (the previous one must have started, unless a supervisor overrides)
    and its work order with it; returns the override's audit note."""
    transition(operation, verb="start")
    override = None
    previous = previous_operation(operation)
    if previous is not None and previous.status == OperationStatus.PENDING:
        override = _out_of_sequence(operation, previous, "has not started yet", override=override_sequence,
                                    actor=actor)
    operation.actual_start = operation.actual_start or started_at
    operation.save(update_fields=["status", "actual_start", "updated_at"])
    if work_order.status == WorkOrderStatus.RELEASED:
        work_before = snapshot(work_order)
        transition(work_order, verb="start")
        work_order.save(update_fields=["status", "updated_at"])
        record_change(work_order, actor=actor, action="start", before=work_before)
    return override


@transaction.atomic
def operation_start(*, operation: Operation, actor, kind: str | None = None,
                    override_sequence: bool = False) -> Operation:
    """An operator starts an operation (setup first when it has setup time); the order becomes in progress.
    The previous operation must have started (409 naming it), unless a supervisor overrides the sequence."""
    operation = _lock(operation)
    work_order = _work_order_for_work(operation)
    before = snapshot(operation)
    if operation.status == OperationStatus.IN_PROGRESS:  # another operator joins
        _clock_on(operation, actor, kind or TimeLogKind.RUN)
        record_change(operation, actor=actor, action="join", before=before)
        return operation
    kind = kind or _default_kind(operation)  # before `_begin`: setup first only while nothing was logged
    override = _begin(operation, work_order, started_at=timezone.now(), actor=actor,
                      override_sequence=override_sequence)
    _clock_on(operation, actor, kind)
    _work_center_running(operation)
    _audit(operation, actor, "start", before, override)
    return operation


@transaction.atomic
def operation_time_record(*, operation: Operation, started_at: datetime.datetime, ended_at: datetime.datetime,
                          kind: str = TimeLogKind.RUN, actor, override_sequence: bool = False) -> OperationTimeLog:
    """Record time the actor worked on an operation after the fact: a closed time log at the operation's work
    center, ending after it starts and not in the future, on a released or in-progress work order. A pending
    operation starts with it (same sequence rule as `operation_start`) and is paused, since nobody is on it now
    (its work center does not turn Running); its actual start moves back to the log's start when that is
    earlier."""
    if not getattr(actor, "pk", None):
        raise DomainError("operator", "An operator (a signed-in user) is required.")
    if kind not in TimeLogKind.values:
        raise DomainError("kind", f"Unknown kind of time {kind!r}.")
    if ended_at <= started_at:
        raise DomainError("ended_at", "The end must be after the start.")
    if ended_at > timezone.now():
        raise DomainError("ended_at", "Time cannot be recorded in the future.")
    operation = _lock(operation)
    work_order = _work_order_for_work(operation)
    before = snapshot(operation)
    override = None
    if operation.status == OperationStatus.PENDING:  # started then, and nobody is on it now: paused
        override = _begin(operation, work_order, started_at=started_at, actor=actor,
                          override_sequence=override_sequence)
        transition(operation, verb="pause")
        operation.save(update_fields=["status", "updated_at"])
    elif operation.actual_start is None or started_at < operation.actual_start:
        operation.actual_start = started_at
        operation.save(update_fields=["actual_start", "updated_at"])
    log = OperationTimeLog.objects.create(operation=operation, operator=actor, kind=kind, started_at=started_at,
                                          ended_at=ended_at)
    note = {"time_log": {"id": log.pk, "kind": kind, "started_at": started_at.isoformat(),
                         "ended_at": ended_at.isoformat(), "work_center": operation.work_center.code}}
    after = {**snapshot(operation), **note, **({"override_sequence": override} if override else {})}
    record_change(operation, actor=actor, action="record_time", before=before, after=after)
    return log


@transaction.atomic
def operation_pause(*, operation: Operation, actor) -> Operation:
    """Pause an operation: every open time log on it stops."""
    operation = _lock(operation)
    before = snapshot(operation)
    transition(operation, verb="pause")
    operation.save(update_fields=["status", "updated_at"])
    _clock_off(operation)
    _work_center_idle_when_free(operation)
    record_change(operation, actor=actor, action="pause", before=before)
    return operation


@transaction.atomic
def operation_resume(*, operation: Operation, actor, kind: str = TimeLogKind.RUN) -> Operation:
    """Resume a paused operation; the operator clocks on again."""
    operation = _lock(operation)
    before = snapshot(operation)
    transition(operation, verb="resume")
    operation.save(update_fields=["status", "updated_at"])
    _clock_on(operation, actor, kind)
    _work_center_running(operation)
    record_change(operation, actor=actor, action="resume", before=before)
    return operation


@transaction.atomic
def operation_finish(*, operation: Operation, actor, quantity_good: Decimal, quantity_scrap: Decimal = ZERO,
                     scrap_reason: str = "", override_sequence: bool = False,
                     finished_at: datetime.datetime | None = None) -> Operation:
    """Finish an operation with the good and scrapped quantities: after the previous operation finished, with
    no more units (good + scrapped) than it passed (409 naming it otherwise, unless a supervisor overrides),
    not while a failed quality check blocks it, and only once its required checks passed. `finished_at`
    reports a finish after the fact (not in the future, not before the operation or an open time log started);
    open time logs end then."""
    operation = _lock(operation)
    if finished_at is not None:
        if finished_at > timezone.now():
            raise DomainError("finished_at", "A finish cannot be reported in the future.")
        starts = [operation.actual_start, *operation.time_logs.filter(ended_at__isnull=True)
                  .values_list("started_at", flat=True)]
        if any(start is not None and finished_at < start for start in starts):
            raise DomainError("finished_at", "The finish cannot be before the operation (or its open time log) "
                                             "started.")
    before = snapshot(operation)
    transition(operation, verb="finish")
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
    previous = previous_operation(operation)
    work_order = operation.work_order
    override = None
    if previous is not None and previous.status != OperationStatus.DONE:
        override = _out_of_sequence(operation, previous, "has not finished yet", override=override_sequence,
                                    actor=actor)
    if previous is not None and override is None:
        # what comes out (good or scrapped) is at most what came in from the previous operation
        limit = previous.quantity_good
        if quantity_good + quantity_scrap > limit:
            reported = f"{_text(quantity_good)} good" + (f" + {_text(quantity_scrap)} scrapped" if quantity_scrap
                                                         else " units")
            raise DomainError("quantity_good", f"{reported} is more than {_describe(previous)} passed "
                                               f"({_text(limit)}).", code="exceeds_previous")
    limit = work_order.quantity * (1 + work_order.over_completion_percent / 100)
    if quantity_good > limit:
        raise DomainError("quantity_good", f"{_text(quantity_good)} good units is more than the order allows "
                                           f"({_text(limit)}).", code="exceeds_order")
    operation.quantity_good, operation.quantity_scrap = quantity_good, quantity_scrap
    operation.scrap_reason = scrap_reason or ""
    operation.actual_end = finished_at or timezone.now()
    operation.save(update_fields=["status", "quantity_good", "quantity_scrap", "scrap_reason", "actual_end",
                                  "updated_at"])
    _clock_off(operation, finished_at)
    _work_center_idle_when_free(operation)
    _audit(operation, actor, "finish", before, override)
    return operation
