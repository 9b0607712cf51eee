"""Celery tasks of CRM; thin wrappers over services."""

from celery import shared_task

from apps.crm.services.activities import activities_mark_overdue
from apps.crm.services.quotes import quotes_expire_past_validity


@shared_task(name="crm.mark_overdue_activities")
def mark_overdue_activities() -> int:
    """Periodic: flag open activities whose due time has passed."""
    return activities_mark_overdue()


@shared_task(name="crm.expire_quotes")
def expire_quotes() -> list[str]:
    """Periodic: expire sent quotes whose validity date has passed."""
    return quotes_expire_past_validity()
