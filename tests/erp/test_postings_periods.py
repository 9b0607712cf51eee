"""Posting rules and closed periods: a pending delivery keeps its period from closing; an event dated in a closed
period is posted on the first day of the next open period, its memo naming the original date."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.core.choices import DeliveryStatus
from apps.core.errors import ConflictError
from apps.core.models import EventDelivery
from apps.core.outbox import deliver
from apps.erp.models import JournalEntry
from apps.erp.services.periods import period_close, period_for
from apps.erp.services.postings import posting_date
from tests.erp.postings_helpers import entry_lines, entry_of, last_event, receive_purchase
from tests.scm.factories import purchasing_world

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def world(company, chart):
    return purchasing_world(company)


def deliver_everything() -> None:
    for pk in EventDelivery.objects.filter(status=DeliveryStatus.PENDING).values_list("pk", flat=True):
        deliver(pk)


def test_a_pending_posting_delivery_keeps_its_period_from_closing(world, user, accountant):
    receive_purchase(world, user, [(world.item, "4", "2.50")])
    period = period_for(company=world.company, date=timezone.localdate())
    with pytest.raises(ConflictError) as error:
        period_close(period=period, actor=accountant)
    assert error.value.code == "undelivered_events"
    assert not JournalEntry.objects.exists()
    deliver_everything()
    assert entry_of(last_event("scm.goods_receipt.posted")).date == timezone.localdate()
    period_close(period=period, actor=accountant)  # every delivery done: it closes
    period.refresh_from_db()
    assert period.status == "closed"


def test_an_event_dated_in_a_closed_period_is_posted_in_the_next_open_one(world, user, accountant):
    today = timezone.localdate()
    last_month = today.replace(day=1) - datetime.timedelta(days=1)
    backdated = last_month.replace(day=15)
    period_close(period=period_for(company=world.company, date=backdated), actor=accountant)
    receive_purchase(world, user, [(world.item, "4", "2.50")], received_on=backdated)
    deliver_everything()
    entry = entry_of(last_event("scm.goods_receipt.posted"))
    assert entry.date == today.replace(day=1)
    assert f"of {backdated.isoformat()}; period {last_month:%Y-%m} is closed" in entry.memo
    assert entry_lines(entry) == [("1300", D("10.00"), D("0.00")), ("2100", D("0.00"), D("10.00"))]


def test_posting_date_skips_every_closed_period(company, chart, accountant):
    march = datetime.date(2026, 3, 10)
    for day in (march, datetime.date(2026, 4, 1)):
        period_close(period=period_for(company=company, date=day), actor=accountant)
    assert posting_date(company=company, date=march) == (
        datetime.date(2026, 5, 1), " (of 2026-03-10; period 2026-03 is closed)")
    assert posting_date(company=company, date=datetime.date(2026, 5, 2)) == (datetime.date(2026, 5, 2), "")
