"""The event outbox (ARCHITECTURE.md section 3): emit in the caller's transaction, deliver once per handler.

* `emit()` writes a `core.Event` and one pending `core.EventDelivery` per subscribed handler,
  inside the caller's transaction, and enqueues `core.dispatch_event` on commit: one message per
  handler, naming it, so the handlers of one event run side by side in the worker's processes, none
  waits for another's delivery, and the task locks its delivery without reading it first (the
  sweeper and retries send one message per event). An event without subscribers sends nothing.
* `deliver()` claims the delivery row with `SELECT ... FOR UPDATE SKIP LOCKED`: a delivery another
  worker is running is skipped, never waited on, so duplicate messages (a countdown retry and a
  sweep) cannot pile up behind a slow handler. After the lock it re-checks that the delivery is
  still pending and due, runs the handler in the same transaction and marks the delivery done:
  the handler's effects, the mark and the attempt's `core.DeliveryAttempt` row commit together,
  so a redelivered event is a no-op.
* Failures are retried with exponential backoff; after `OUTBOX_MAX_ATTEMPTS` the delivery is
  `dead` until replayed. A failed attempt's row is written after the handler's savepoint rolled
  back, so it survives. The periodic sweeper re-enqueues, oldest first and at most
  `OUTBOX_SWEEP_BATCH` events per run, what a broker outage or a killed worker left pending.
"""

import logging
import time
import traceback
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone

from apps.core.choices import AttemptOutcome, DeliveryStatus
from apps.core.models import DeliveryAttempt, Event, EventDelivery

logger = logging.getLogger(__name__)

Handler = Callable[[Event], None]
_subscribers: dict[str, dict[str, Handler]] = {}


def handler_name(func: Handler) -> str:
    return f"{func.__module__}.{func.__qualname__}"


def subscriber(event_name: str) -> Callable[[Handler], Handler]:
    """Register a handler for an event name; it receives the `Event` and runs in its own transaction."""

    def register(func: Handler) -> Handler:
        _subscribers.setdefault(event_name, {})[handler_name(func)] = func
        return func

    return register


def subscribers_of(event_name: str) -> dict[str, Handler]:
    return dict(_subscribers.get(event_name, {}))


def events_subscribed_by(handler: str) -> list[str]:
    """The event names a handler (its dotted name, as `@subscriber` registered it) is subscribed to."""
    return sorted(name for name, handlers in _subscribers.items() if handler in handlers)


def unsubscribe(event_name: str, func: Handler) -> None:
    """Remove a handler (tests register temporary subscribers)."""
    _subscribers.get(event_name, {}).pop(handler_name(func), None)


def emit(name: str, *, company, subject: models.Model, payload: dict) -> Event:
    """Publish an event in the caller's transaction: no commit, no event; no event, no commit."""
    event = Event.objects.create(
        company=company,
        name=name,
        subject_type=subject._meta.label_lower,
        subject_id=str(subject.pk),
        payload=payload,
    )
    handlers = list(subscribers_of(name))
    if handlers:  # an event nobody subscribes to has no delivery: no message, no task that would find nothing
        EventDelivery.objects.bulk_create(
            [EventDelivery(event=event, handler=h, next_attempt_at=event.created_at) for h in handlers]
        )
        transaction.on_commit(lambda: enqueue_deliveries(event.pk, handlers))
    return event


def enqueue_dispatch(event_id: int, countdown: float = 0, handler: str | None = None) -> bool:
    """Send `core.dispatch_event` (for one handler's delivery, else all the event's) to the broker; a broker
    outage is left to the sweeper. Returns whether the message was sent."""
    from apps.core.tasks import dispatch_event

    try:
        dispatch_event.apply_async((event_id, handler) if handler else (event_id,), countdown=countdown or None,
                                   retry=False)
    except Exception:  # the broker is down: the event stays pending and the sweeper sends it later
        logger.warning("could not enqueue event %s; the sweeper will retry", event_id, exc_info=True)
        return False
    return True


def enqueue_deliveries(event_id: int, handlers: list[str]) -> None:
    """One message per handler of an event; after a failed send the rest is left to the sweeper too."""
    for handler in handlers:
        if enqueue_dispatch(event_id, handler=handler) is False:
            return


def _due() -> models.Q:
    return models.Q(next_attempt_at__isnull=True) | models.Q(next_attempt_at__lte=timezone.now())


def dispatch(event_id: int, handler: str | None = None) -> list[str]:
    """Deliver every due pending delivery of an event (or only `handler`'s); returns the handlers that ran to
    completion."""
    if handler is not None:  # one delivery (unique per event and handler): lock it straight away, no read first
        return [handler] if _deliver(event_id=event_id, handler=handler) else []
    due = EventDelivery.objects.filter(event_id=event_id, status=DeliveryStatus.PENDING).filter(_due())
    return [d.handler for d in due.only("id", "handler") if deliver(d.pk)]


def backoff_seconds(attempts: int) -> float:
    return settings.OUTBOX_BACKOFF_SECONDS * (2 ** max(attempts - 1, 0))


def _error_text(exc: BaseException) -> str:
    return "".join(traceback.format_exception_only(exc)).strip()[:4000]


def deliver(delivery_id: int) -> bool:
    """Run one delivery exactly once: lock it, run the handler, mark it done, all in one transaction.

    Returns False without running anything when another worker holds the delivery (skipped, not
    waited on), or when it is no longer pending or not due yet: whoever selected it as due may have
    read it before another attempt failed and pushed `next_attempt_at` back.
    """
    return _deliver(pk=delivery_id)


def _deliver(**lookup) -> bool:
    """`deliver()` for the delivery `lookup` names: its id, or its event and handler (unique together)."""
    retry_in: float | None = None
    with transaction.atomic():
        # of=("self",): lock the delivery alone; locking the joined event too would make the deliveries of
        # one event to different handlers skip each other. The event's company (and its currency) come in the same
        # statement: nearly every handler reads them.
        delivery = (EventDelivery.objects.select_for_update(skip_locked=True, of=("self",))
                    .select_related("event__company__currency").filter(**lookup).first())
        if delivery is None:
            return False  # another worker is running it right now (or it was purged)
        if delivery.status != DeliveryStatus.PENDING:
            return False  # another worker delivered it, or it is dead
        if delivery.next_attempt_at is not None and delivery.next_attempt_at > timezone.now():
            return False  # a retry is scheduled for later: the backoff has not passed
        handler = subscribers_of(delivery.event.name).get(delivery.handler)
        delivery.attempts += 1
        started_at, started = timezone.now(), time.monotonic()
        try:
            if handler is None:
                raise LookupError(f"No subscriber registered under {delivery.handler}")
            with transaction.atomic():  # a savepoint: a failing handler leaves no partial effect
                handler(delivery.event)
        except Exception as exc:
            delivery.last_error = _error_text(exc)
            if delivery.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
                delivery.status = DeliveryStatus.DEAD
                delivery.next_attempt_at = None
                outcome = AttemptOutcome.DEAD
                logger.error("delivery %s is dead after %s attempts: %s", delivery, delivery.attempts, exc)
            else:
                retry_in = backoff_seconds(delivery.attempts)
                delivery.next_attempt_at = timezone.now() + timedelta(seconds=retry_in)
                outcome = AttemptOutcome.FAILED
            delivery.save(update_fields=["attempts", "last_error", "status", "next_attempt_at", "updated_at"])
        else:
            delivery.status = DeliveryStatus.DONE
            delivery.delivered_at = timezone.now()
            delivery.last_error = ""
            delivery.save(update_fields=["attempts", "last_error", "status", "delivered_at", "updated_at"])
            outcome = AttemptOutcome.DONE
        DeliveryAttempt.objects.create(
            delivery=delivery, number=delivery.attempts, started_at=started_at, finished_at=timezone.now(),
            outcome=outcome, error=delivery.last_error, duration_ms=round((time.monotonic() - started) * 1000),
        )
    if retry_in is not None:
        enqueue_dispatch(delivery.event_id, countdown=retry_in)
    return outcome == AttemptOutcome.DONE


def sweep(older_than_seconds: float | None = None, batch: int | None = None) -> list[int]:
    """Re-enqueue the oldest events with deliveries still pending and due, at most `OUTBOX_SWEEP_BATCH`.

    Returns the event ids sent. The cap keeps one run from flooding the broker after an outage;
    the next runs send the rest.
    """
    grace = settings.OUTBOX_SWEEP_AFTER_SECONDS if older_than_seconds is None else older_than_seconds
    limit = settings.OUTBOX_SWEEP_BATCH if batch is None else batch
    event_ids = list(
        EventDelivery.objects.filter(
            status=DeliveryStatus.PENDING,
            event__created_at__lte=timezone.now() - timedelta(seconds=grace),
        )
        .filter(_due())
        .order_by("event_id")  # oldest first; the model's ordering by id would make DISTINCT repeat an event
        .values_list("event_id", flat=True)
        .distinct()[:limit]
    )
    for event_id in event_ids:
        enqueue_dispatch(event_id)
    return event_ids


def deliver_pending(*, max_rounds: int = 20) -> int:
    """Deliver, in this process and oldest first, every due pending delivery, again for the events those handlers
    emit, until none is left or `max_rounds` passes found nothing new to do; returns how many ran to completion.

    For a command that must see its events' effects before it goes on (`seed_demo`: the PLM release becomes MES's
    routing before MES's demo needs it). Deliveries run exactly once as in a worker (`deliver`), so a worker that
    picks the same event up concurrently skips it."""
    done = 0
    for _round in range(max_rounds):
        due = list(EventDelivery.objects.filter(status=DeliveryStatus.PENDING).filter(_due())
                   .order_by("event_id", "id").values_list("id", flat=True))
        delivered = sum(1 for delivery_id in due if deliver(delivery_id))
        done += delivered
        if not delivered:
            break
    return done
