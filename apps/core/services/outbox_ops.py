"""Operating the outbox at scale: backfill deliveries for a late subscriber, purge what is delivered.

Both work in batches, one transaction per batch, so a large run never holds thousands of row
locks at once; both are safe to run again (a rerun finds nothing left to do).

Backfill and purge lock the events they touch with `SELECT ... FOR UPDATE` and re-read them after
the lock, so a purge never deletes an event a concurrent backfill has just given a pending delivery.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone

from apps.core.choices import DeliveryStatus
from apps.core.errors import DomainError
from apps.core.models import Company, DeliveryAttempt, Event, EventDelivery, IdempotencyRecord
from apps.core.outbox import enqueue_dispatch, events_subscribed_by

BACKFILL_BATCH = 500


# ---- backfill ------------------------------------------------------------------------------------------------

def outbox_backfill(*, handler: str, since: datetime, until: datetime | None = None, company: Company | None = None,
                    dry_run: bool = False, batch: int = BACKFILL_BATCH) -> int:
    """Give a handler subscribed after the fact a pending delivery of every past event it now subscribes to.

    `handler` is the dotted name `@subscriber` registered (`apps.erp.handlers.on_goods_receipt_posted`);
    events emitted in [since, until) (of one company if given) that have no delivery to it get one,
    and each such event is dispatched after its batch commits. Returns the number of deliveries created
    (with `dry_run`, the number that would be). Events that already have a delivery to the handler are
    left alone, so running it twice creates nothing the second time; the unique (event, handler)
    constraint stays the final guard. Not one transaction: each batch commits on its own.
    """
    event_names = events_subscribed_by(handler)
    if not event_names:
        raise DomainError("handler", f"No subscriber is registered under {handler!r}; give the dotted name of a "
                          "function decorated with @subscriber.", code="unknown_handler")
    if until is not None and until <= since:
        raise DomainError("until", "The end of the period must be after its start.", code="invalid_period")
    candidates = Event.objects.filter(name__in=event_names, created_at__gte=since).exclude(deliveries__handler=handler)
    if until is not None:
        candidates = candidates.filter(created_at__lt=until)
    if company is not None:
        candidates = candidates.filter(company=company)
    if dry_run:
        return candidates.count()
    created, last_id = 0, 0
    while ids := list(candidates.filter(pk__gt=last_id).order_by("pk").values_list("pk", flat=True)[:batch]):
        created += _backfill_batch(handler=handler, event_ids=ids)
        last_id = ids[-1]
    return created


@transaction.atomic
def _backfill_batch(*, handler: str, event_ids: list[int]) -> int:
    """Create the handler's missing deliveries for these events; dispatch them once committed."""
    # lock first, then read again: the re-read sees whatever a purge or another backfill committed meanwhile
    locked = list(Event.objects.select_for_update().filter(pk__in=event_ids).order_by("pk")
                  .values_list("pk", flat=True))
    missing = list(Event.objects.filter(pk__in=locked).exclude(deliveries__handler=handler).order_by("pk")
                   .values_list("pk", flat=True))
    now = timezone.now()
    EventDelivery.objects.bulk_create(
        [EventDelivery(event_id=event_id, handler=handler, next_attempt_at=now) for event_id in missing]
    )
    for event_id in missing:
        transaction.on_commit(partial(enqueue_dispatch, event_id))
    return len(missing)


# ---- purge ---------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class PurgeResult:
    """What one purge deleted."""

    events: int
    deliveries: int
    attempts: int
    idempotency_records: int


def outbox_purge(*, now: datetime | None = None, batch: int | None = None) -> PurgeResult:
    """Delete delivered events past `OUTBOX_RETENTION_DAYS` and idempotency records past `IDEMPOTENCY_RETENTION_HOURS`.

    An event goes (with its deliveries and their attempts) only when every delivery is done, or it
    has none; an event with a pending or dead delivery stays whatever its age, and so does one that
    another record names as its source (`source_event`, protected). Batches of `OUTBOX_PURGE_BATCH`,
    each its own transaction; rows another transaction holds are skipped and go at the next run.
    """
    now = now or timezone.now()
    batch = batch or settings.OUTBOX_PURGE_BATCH
    event_cutoff = now - timedelta(days=settings.OUTBOX_RETENTION_DAYS)
    totals = {"events": 0, "deliveries": 0, "attempts": 0}
    while counts := _purge_event_batch(cutoff=event_cutoff, batch=batch):
        for key, value in counts.items():
            totals[key] += value
    key_cutoff = now - timedelta(hours=settings.IDEMPOTENCY_RETENTION_HOURS)
    records = 0
    while deleted := _purge_idempotency_batch(cutoff=key_cutoff, batch=batch):
        records += deleted
    return PurgeResult(idempotency_records=records, **totals)


def _purgeable_events(cutoff: datetime) -> models.QuerySet:
    not_done = EventDelivery.objects.filter(event=models.OuterRef("pk")).exclude(status=DeliveryStatus.DONE)
    queryset = Event.objects.filter(created_at__lt=cutoff).exclude(models.Exists(not_done))
    for model, field in _protecting_references():
        queryset = queryset.exclude(models.Exists(model._base_manager.filter(**{field: models.OuterRef("pk")})))
    return queryset


def _protecting_references() -> list[tuple[type[models.Model], str]]:
    """Every (model, field) that points at an event, other than its deliveries (a `source_event` upstream).

    Found from the model registry at run time: core cannot import the apps above it, and a hidden
    relation (`related_name="+"`) is found all the same.
    """
    return [
        (relation.related_model, relation.field.name)
        for relation in Event._meta.get_fields(include_hidden=True)
        if relation.auto_created and not relation.concrete and relation.related_model is not EventDelivery
    ]


@transaction.atomic
def _purge_event_batch(*, cutoff: datetime, batch: int) -> dict[str, int]:
    """Lock and delete one batch of purgeable events, oldest first; an empty dict when none is left."""
    locked = list(_purgeable_events(cutoff).select_for_update(skip_locked=True, of=("self",)).order_by("pk")
                  .values_list("pk", flat=True)[:batch])
    if not locked:
        return {}
    # read again after the lock: a delivery a backfill committed just before the lock is seen now
    event_ids = list(_purgeable_events(cutoff).filter(pk__in=locked).values_list("pk", flat=True))
    attempts, _ = DeliveryAttempt.objects.filter(delivery__event_id__in=event_ids).delete()
    deliveries, _ = EventDelivery.objects.filter(event_id__in=event_ids).delete()
    events, _ = Event.objects.filter(pk__in=event_ids).delete()
    return {"events": events, "deliveries": deliveries, "attempts": attempts}


@transaction.atomic
def _purge_idempotency_batch(*, cutoff: datetime, batch: int) -> int:
    """Delete one batch of old idempotency records; a claim a running request holds is skipped."""
    old = IdempotencyRecord.objects.filter(created_at__lt=cutoff, claimed_at__lt=cutoff)
    ids = list(old.select_for_update(skip_locked=True).order_by("pk").values_list("pk", flat=True)[:batch])
    if not ids:
        return 0
    deleted, _ = IdempotencyRecord.objects.filter(pk__in=ids).delete()
    return deleted
