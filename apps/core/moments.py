"""When a thing happened: now, or an earlier day recorded after the fact (a shipment or completion entered
for the day it really happened), never a future day."""

import datetime

from django.utils import timezone

from apps.core.errors import DomainError


def happened_at(day: datetime.date | None, *, field: str, message: str) -> datetime.datetime:
    """Now when `day` is None, else noon of `day` in the current time zone; a future `day` is a 400 on `field`
    with `message`."""
    if day is None:
        return timezone.now()
    if day > timezone.localdate():
        raise DomainError(field, message, code="invalid")
    return datetime.datetime.combine(day, datetime.time(12), tzinfo=timezone.get_current_timezone())
