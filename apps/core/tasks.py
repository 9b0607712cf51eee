"""Celery tasks of the outbox; thin wrappers over apps.core.outbox and apps.core.services.outbox_ops."""

from dataclasses import asdict

from celery import shared_task

from apps.core import outbox
from apps.core.services.outbox_ops import outbox_purge


@shared_task(name="core.dispatch_event", acks_late=True, reject_on_worker_lost=True)
def dispatch_event(event_id: int, handler: str | None = None) -> list[str]:
    """Deliver an event's due pending deliveries (or only `handler`'s)."""
    return outbox.dispatch(event_id, handler)


@shared_task(name="core.sweep_events")
def sweep_events() -> list[int]:
    """Periodic: re-send events whose deliveries are still pending (broker outage, killed worker)."""
    return outbox.sweep()


@shared_task(name="core.purge_outbox")
def purge_outbox() -> dict[str, int]:
    """Periodic: delete delivered events past their retention, and old idempotency records."""
    return asdict(outbox_purge())
