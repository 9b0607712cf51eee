"""`shipment_ship(shipped_on=...)`: a shipment recorded on the day it left (the demo's history, a late entry); the
books post its cost on that day; a future day is refused and changes nothing."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.core.errors import DomainError
from apps.core.models import Event
from apps.erp.models import JournalEntry
from apps.erp.services.postings import shipment_posting
from apps.scm.choices import ShipmentStatus
from apps.scm.services.shipments import shipment_ship
from tests.scm.test_services_shipments import reserved_shipment, world  # noqa: F401  (the fixture)


def test_a_shipment_shipped_on_an_earlier_day_posts_its_cost_on_that_day(world, user):  # noqa: F811
    day = timezone.localdate() - datetime.timedelta(days=40)
    shipment = shipment_ship(shipment=reserved_shipment(world, user, "10"), actor=user, shipped_on=day)
    assert (shipment.status, timezone.localdate(shipment.shipped_at)) == (ShipmentStatus.SHIPPED, day)
    event = Event.objects.get(name="scm.shipment.shipped")
    assert event.payload["shipped_on"] == day.isoformat()
    entry = shipment_posting(event=event)
    assert (entry.date, entry.lines.filter(debit__gt=0).get().debit) == (day, Decimal("20.00"))
    assert JournalEntry.objects.filter(source_event_id=event.pk).count() == 1


def test_a_shipment_cannot_be_shipped_in_the_future(world, user):  # noqa: F811
    shipment = reserved_shipment(world, user, "10")
    with pytest.raises(DomainError) as error:
        shipment_ship(shipment=shipment, actor=user, shipped_on=timezone.localdate() + datetime.timedelta(days=1))
    assert error.value.field == "shipped_on"
    shipment.refresh_from_db()
    assert (shipment.status, shipment.shipped_at) == (ShipmentStatus.RESERVED, None)
    assert not Event.objects.filter(name="scm.shipment.shipped").exists()
