"""MRP runs: start one (queued, then planned by the Celery task `erp.mrp_run`), execute it with visible progress,
cancel it. One run per company at a time (a partial unique constraint backs the check)."""

import datetime
import logging
import time
from collections import Counter

from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.core.audit import record_change, snapshot
from apps.core.errors import ConflictError, DomainError
from apps.core.models import Company
from apps.core.numbering import next_number
from apps.core.workflow import take_step, transition
from apps.erp.models import MrpRun, MrpRunStatus
from apps.erp.models.mrp import ACTIVE_RUN_STATUSES
from apps.erp.services.mrp.engine import Cancelled, Plan, PlanInputs, plan
from apps.erp.services.mrp.inputs import collect_inputs
from apps.erp.services.mrp.writer import plan_write

logger = logging.getLogger(__name__)
R = MrpRunStatus


def _check_no_active_run(company: Company) -> None:
    active = MrpRun.objects.filter(company=company, status__in=ACTIVE_RUN_STATUSES).order_by("pk").first()
    if active is not None:
        raise ConflictError("status", f"MRP run {active} is still {active.get_status_display().lower()} for "
                                      f"{company.code}: one run per company at a time; wait for it or cancel it.",
                            code="run_active", extra={"run": active.pk})


@transaction.atomic
def mrp_run_start(*, company: Company, actor, start_date: datetime.date | None = None,
                  horizon_days: int = 120) -> MrpRun:
    """Queue an MRP run of `company` (number `MRP-2026-00001`) and hand it to the Celery task after commit; 409 while
    another run of the company is queued or running."""
    if horizon_days is None or not 1 <= int(horizon_days) <= 730:
        raise DomainError("horizon_days", "From 1 to 730 daily buckets.", code="invalid")
    _check_no_active_run(company)
    start_date = start_date or timezone.localdate()
    run = MrpRun(company=company, start_date=start_date, horizon_days=horizon_days,
                 number=next_number(company=company, doc_type="MRP", date=start_date),
                 started_by=actor if getattr(actor, "pk", None) else None)
    try:
        with transaction.atomic():
            run.save()
    except IntegrityError:  # a concurrent start won the race: the constraint keeps one active run
        _check_no_active_run(company)
        raise
    record_change(run, actor=actor, action="create")
    transaction.on_commit(lambda: enqueue_run(run.pk))
    return run


def enqueue_run(run_id: int) -> None:
    """Send the run to the Celery worker; with the broker down the run stays queued (cancel it and start again)."""
    from apps.erp.tasks_mrp import mrp_run_task

    try:
        mrp_run_task.apply_async((run_id,), retry=False)
    except Exception:
        logger.warning("could not enqueue MRP run %s", run_id, exc_info=True)


@transaction.atomic
def mrp_run_cancel(*, run: MrpRun, actor) -> MrpRun:
    """Cancel a queued or running run: the task stops at its next progress report and writes nothing."""
    return take_step(run, verb="cancel", actor=actor)


def _lock(run: MrpRun) -> MrpRun:
    return MrpRun.objects.select_for_update(of=("self",)).select_related("company").get(pk=run.pk)


def _summary(inputs: PlanInputs) -> dict:
    return {"items": len(inputs.items), "bom_lines": sum(len(edges) for edges in inputs.bom.values()),
            "demands": len(inputs.demands), "receipts": len(inputs.receipts),
            "items_on_hand": sum(1 for value in inputs.on_hand.values() if value > 0),
            "start": inputs.start.isoformat(), "end": inputs.end.isoformat()}


def _results(result: Plan, seconds: dict[str, float]) -> dict:
    kinds = Counter(order.kind for order in result.planned)
    return {"planned_orders": len(result.planned), "purchase": kinds.get("purchase", 0),
            "production": kinds.get("production", 0), "late": sum(1 for o in result.planned if o.is_late),
            "pegs": sum(len(o.pegs) for o in result.planned),
            "messages": dict(sorted(Counter(m.kind for m in result.messages).items())), "levels": result.levels,
            "seconds": {name: round(value, 3) for name, value in seconds.items()}}


def _supersede_earlier_runs(run: MrpRun) -> None:
    """The company's earlier finished runs are replaced by `run`: one row per run, not one per planned order."""
    MrpRun.objects.filter(company_id=run.company_id, status=R.DONE, superseded_by__isnull=True).exclude(
        pk=run.pk).update(superseded_by=run, updated_at=timezone.now())


def _step(run: MrpRun, verb: str, **fields) -> MrpRun | None:
    """Take an internal step on the locked run; None when it is no longer in a state that allows it."""
    with transaction.atomic():
        locked = _lock(run)
        before = snapshot(locked)
        if verb not in locked.workflow.verbs_from(locked.status):
            return None
        transition(locked, verb=verb)
        for name, value in fields.items():
            setattr(locked, name, value)
        locked.save()
        record_change(locked, actor=locked.started_by, action=verb, before=before)
        return locked


def mrp_run_execute(*, run: MrpRun) -> MrpRun:
    """Plan a queued run (the Celery task's work): read the inputs, plan level by level reporting progress (the
    run's `items_planned`, committed as it goes), and store the plan with the run's results (and the seconds spent
    reading, planning and writing) in one transaction, which also marks the company's earlier finished runs as
    superseded by this one. A run cancelled meanwhile stops and writes nothing; an error marks it failed with the
    reason. Delivered twice, the second delivery finds it no longer queued and does nothing."""
    started = _step(run, "start", started_at=timezone.now())
    if started is None:
        return MrpRun.objects.get(pk=run.pk)
    run = started
    seconds: dict[str, float] = {}  # where the time went, kept in the results
    clock = time.perf_counter()
    try:
        inputs = collect_inputs(company=run.company, start=run.start_date, horizon_days=run.horizon_days)
        seconds["reading"] = time.perf_counter() - clock
        MrpRun.objects.filter(pk=run.pk).update(items_total=len(inputs.items), inputs=_summary(inputs))

        def progress(done: int, total: int) -> None:
            if not MrpRun.objects.filter(pk=run.pk, status=R.RUNNING).update(items_planned=done):
                raise Cancelled

        clock = time.perf_counter()
        result = plan(inputs, progress)
        seconds["planning"] = time.perf_counter() - clock
        clock = time.perf_counter()
        with transaction.atomic():
            locked = _lock(run)
            if locked.status != R.RUNNING:
                return locked
            before = snapshot(locked)
            plan_write(run=locked, plan=result)
            _supersede_earlier_runs(locked)
            transition(locked, verb="finish")
            seconds["writing"] = time.perf_counter() - clock
            locked.results, locked.finished_at = _results(result, seconds), timezone.now()
            locked.save(update_fields=["status", "results", "finished_at", "updated_at"])
            record_change(locked, actor=locked.started_by, action="finish", before=before)
        return locked
    except Cancelled:
        return MrpRun.objects.get(pk=run.pk)
    except Exception as exc:
        logger.exception("MRP run %s failed", run.pk)
        failed = _step(run, "fail", error=f"{type(exc).__name__}: {exc}"[:2000], finished_at=timezone.now())
        return failed or MrpRun.objects.get(pk=run.pk)
