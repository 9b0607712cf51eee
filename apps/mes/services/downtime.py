"""Downtime: recording, correcting and deleting the periods a work center stood still.

Rules: the end is after the start, the reason and the work center belong to the company, and the
periods of one work center never overlap. The work center's row is locked while checking, so two
concurrent reports cannot both pass the overlap check.
"""

from django.db import transaction

from apps.core.audit import record_change, snapshot
from apps.core.checks import require_same_company
from apps.core.errors import DomainError
from apps.core.services.records import record_create, record_update
from apps.mes.models import DowntimeEvent, DowntimeReason, WorkCenter


def _check_reason_code(*, company, code: str | None, instance: DowntimeReason | None = None) -> None:
    if code is None:
        return
    clash = DowntimeReason.objects.filter(company=company, code=code)
    if instance is not None:
        clash = clash.exclude(pk=instance.pk)
    if clash.exists():
        raise DomainError("code", f"Reason code '{code}' is already in use.", code="unique")


@transaction.atomic
def downtime_reason_create(*, company, code: str, actor, **data) -> DowntimeReason:
    """Create a reason code (planned or unplanned), unique per company."""
    _check_reason_code(company=company, code=code)
    return record_create(model=DowntimeReason, actor=actor, company=company, code=code, **data)


@transaction.atomic
def downtime_reason_update(*, instance: DowntimeReason, actor, **data) -> DowntimeReason:
    """Rename or retire a reason code; its code stays unique per company."""
    _check_reason_code(company=instance.company, code=data.get("code"), instance=instance)
    return record_update(instance=instance, actor=actor, **data)


def _validate(*, company, work_center: WorkCenter, reason: DowntimeReason, start, end,
              instance: DowntimeEvent | None = None) -> None:
    require_same_company(company, work_center=work_center, reason=reason)
    if start is None:
        raise DomainError("start", "Enter when the downtime started.", code="required")
    if end is None:
        raise DomainError("end", "Enter when the downtime ended.", code="required")
    if end <= start:
        raise DomainError("end", "The end must be after the start.", code="end_before_start")
    if instance is None and not reason.is_active:
        raise DomainError("reason", f"Reason {reason.code} is no longer in use.")
    # lock the work center: concurrent reports of the same work center are checked one after the other
    WorkCenter.objects.select_for_update().filter(pk=work_center.pk).first()
    # reported periods never overlap; a machine's periods come from its signals and may overlap reported ones
    clash = DowntimeEvent.objects.filter(work_center=work_center, equipment__isnull=True, start__lt=end,
                                         end__gt=start)
    if instance is not None:
        clash = clash.exclude(pk=instance.pk)
    other = clash.order_by("start").first()
    if other is not None:
        raise DomainError("start", f"Overlaps the downtime of {work_center} from {other.start:%Y-%m-%d %H:%M} to "
                          f"{other.end:%Y-%m-%d %H:%M} (UTC).", code="overlap", extra={"overlaps": other.pk})


@transaction.atomic
def downtime_record(*, company, work_center: WorkCenter, reason: DowntimeReason, start, end, actor,
                    notes: str = "") -> DowntimeEvent:
    """Record that a work center stood still from `start` to `end` for `reason`."""
    _validate(company=company, work_center=work_center, reason=reason, start=start, end=end)
    event = DowntimeEvent.objects.create(company=company, work_center=work_center, reason=reason, start=start,
                                         end=end, notes=notes,
                                         reported_by=actor if getattr(actor, "pk", None) else None)
    record_change(event, actor=actor, action="create")
    return event


@transaction.atomic
def downtime_update(*, instance: DowntimeEvent, actor, **data) -> DowntimeEvent:
    """Correct a downtime period (times, reason, work center, notes) under the same rules."""
    event = DowntimeEvent.objects.select_for_update().get(pk=instance.pk)
    data.pop("company", None)
    if event.equipment_id is not None:
        return _machine_event_update(event=event, actor=actor, **data)
    before = snapshot(event)
    for name in ("work_center", "reason", "start", "end", "notes"):
        if name in data:
            setattr(event, name, data[name])
    _validate(company=event.company, work_center=event.work_center, reason=event.reason, start=event.start,
              end=event.end, instance=event)
    event.save()
    record_change(event, actor=actor, action="update", before=before)
    return event


def _machine_event_update(*, event: DowntimeEvent, actor, **data) -> DowntimeEvent:
    """A machine's period keeps the times its signals gave; the supervisor classifies it (reason, notes)."""
    for name in ("work_center", "start", "end"):
        if name in data and data[name] != getattr(event, name):
            raise DomainError(name, "The machine's signals set the times of this downtime; change its reason or "
                              "notes only.", code="machine_owned")
    return downtime_classify(event=event, reason=data.get("reason", event.reason), notes=data.get("notes"),
                             actor=actor)


@transaction.atomic
def downtime_classify(*, event: DowntimeEvent, reason: DowntimeReason, actor, notes: str | None = None
                      ) -> DowntimeEvent:
    """Give a downtime (typically an 'unclassified' machine stop) its real reason."""
    event = DowntimeEvent.objects.select_for_update().get(pk=event.pk)
    require_same_company(event.company, reason=reason)
    if not reason.is_active:
        raise DomainError("reason", f"Reason {reason.code} is no longer in use.")
    before = snapshot(event)
    event.reason = reason
    if notes is not None:
        event.notes = notes
    event.save(update_fields=["reason", "notes", "updated_at"])
    record_change(event, actor=actor, action="classify", before=before)
    return event


@transaction.atomic
def downtime_delete(*, instance: DowntimeEvent, actor) -> None:
    """Remove a downtime period recorded by mistake."""
    record_change(instance, actor=actor, action="delete", before=snapshot(instance), after=None)
    instance.delete()
