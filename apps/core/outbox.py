"""The event outbox (ARCHITECTURE.md section 3): emit in the caller's transaction, deliver once per handler.

* `emit()` writes a `core.Event` and one pending `core.EventDelivery` per subscribed handler,
  inside the caller's transaction, and enqueues `core.dispatch_event` on commit.
* `deliver()` locks the delivery row, runs the handler in the same transaction and marks
  the delivery done: the handler's effects and the mark commit together, so a redelivered
  event is a no-op.
* Failures are retried with exponential backoff; after `OUTBOX_MAX_ATTEMPTS` the delivery is
  `dead` until replayed. The periodic sweeper re-enqueues what a broker outage or a killed
  worker left pending.
"""

import logging
import traceback
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone

from apps.core.choices import DeliveryStatus
from apps.core.models import Event, EventDelivery

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
    EventDelivery.objects.bulk_create(
        [EventDelivery(event=event, handler=h, next_attempt_at=event.created_at) for h in subscribers_of(name)]
    )
    transaction.on_commit(lambda: enqueue_dispatch(event.pk))
    return event


def enqueue_dispatch(event_id: int, countdown: float = 0) -> None:
    """Send `core.dispatch_event` to the broker; a broker outage is left to the sweeper."""
    from apps.core.tasks import dispatch_event

    try:
        dispatch_event.apply_async((event_id,), countdown=countdown or None, retry=False)
    except Exception:  # the broker is down: the event stays pending and the sweeper sends it later
        logger.warning("could not enqueue event %s; the sweeper will retry", event_id, exc_info=True)


def dispatch(event_id: int) -> list[str]:
    """Deliver every due pending delivery of an event; returns the handlers that ran to completion."""
    now = timezone.now()
    due = EventDelivery.objects.filter(
        event_id=event_id, status=DeliveryStatus.PENDING
    ).filter(models.Q(next_attempt_at__isnull=True) | models.Q(next_attempt_at__lte=now))
    return [d.handler for d in due.only("id", "handler") if deliver(d.pk)]


def backoff_seconds(attempts: int) -> float:
    return settings.OUTBOX_BACKOFF_SECONDS * (2 ** max(attempts - 1, 0))


def deliver(delivery_id: int) -> bool:
    """Run one delivery exactly once: lock it, run the handler, mark it done, all in one transaction."""
    retry_in: float | None = None
    with transaction.atomic():
        delivery = EventDelivery.objects.select_for_update().select_related("event").get(pk=delivery_id)
        if delivery.status != DeliveryStatus.PENDING:
            return False  # another worker delivered it, or it is dead
        handler = subscribers_of(delivery.event.name).get(delivery.handler)
        delivery.attempts += 1
        try:
            if handler is None:
                raise LookupError(f"No subscriber registered under {delivery.handler}")
            with transaction.atomic():  # a savepoint: a failing handler leaves no partial effect
                handler(delivery.event)
        except Exception as exc:
            delivery.last_error = "".join(traceback.format_exception_only(exc)).strip()[:4000]
            if delivery.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
                delivery.status = DeliveryStatus.DEAD
                delivery.next_attempt_at = None
                logger.error("delivery %s is dead after %s attempts: %s", delivery, delivery.attempts, exc)
            else:
                retry_in = backoff_seconds(delivery.attempts)
                delivery.next_attempt_at = timezone.now() + timedelta(seconds=retry_in)
            delivery.save(update_fields=["attempts", "last_error", "status", "next_attempt_at", "updated_at"])
        else:
            delivery.status = DeliveryStatus.DONE
            delivery.delivered_at = timezone.now()
            delivery.last_error = ""
            delivery.save(update_fields=["attempts", "last_error", "status", "delivered_at", "updated_at"])
            return True
    if retry_in is not None:
        enqueue_dispatch(delivery.event_id, countdown=retry_in)
    return False


def sweep(older_than_seconds: float | None = None) -> list[int]:
    """Re-enqueue events with deliveries still pending and due; returns the event ids sent."""
    grace = settings.OUTBOX_SWEEP_AFTER_SECONDS if older_than_seconds is None else older_than_seconds
    now = timezone.now()
    event_ids = list(
        EventDelivery.objects.filter(
            status=DeliveryStatus.PENDING,
            event__created_at__lte=now - timedelta(seconds=grace),
        )
        .filter(models.Q(next_attempt_at__isnull=True) | models.Q(next_attempt_at__lte=now))
        .order_by("event_id")  # the model's ordering by id would make DISTINCT return an event once per delivery
        .values_list("event_id", flat=True)
        .distinct()
    )
    for event_id in event_ids:
        enqueue_dispatch(event_id)
    return event_ids
