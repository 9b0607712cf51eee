"""Operating the outbox: replay of dead (or stuck) deliveries."""

from django.db import transaction
from django.utils import timezone

from apps.core.audit import record_change
from apps.core.choices import DeliveryStatus
from apps.core.errors import ConflictError
from apps.core.models import Event
from apps.core.outbox import enqueue_dispatch


@transaction.atomic
def event_replay(*, event: Event, actor) -> Event:
    """Put an event's dead deliveries back to pending and send it again (done ones stay done)."""
    event = Event.objects.select_for_update().get(pk=event.pk)
    replayable = event.deliveries.exclude(status=DeliveryStatus.DONE)
    if not replayable.exists():
        raise ConflictError(None, "Every delivery of this event is done; there is nothing to replay.",
                            code="nothing_to_replay")
    count = replayable.update(status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=timezone.now(),
                              updated_at=timezone.now())
    record_change(event, actor=actor, action="replay", after={"deliveries_replayed": count})
    transaction.on_commit(lambda: enqueue_dispatch(event.pk))
    return event
