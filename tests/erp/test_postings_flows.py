"""Posting rules through the real outbox and a real Celery worker: each event is posted once, also when it is
dispatched twice; `outbox_backfill` posts the history of a company ERP arrives in, once (a second run adds
nothing)."""

import datetime
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from apps.core.choices import DeliveryStatus
from apps.core.models import Event, EventDelivery
from apps.core.outbox import deliver, enqueue_dispatch, subscriber, unsubscribe
from apps.erp import handlers
from apps.erp.models import JournalEntry
from apps.scm.choices import LocationKind
from apps.scm.services.locations import virtual_location
from apps.scm.services.stock import stock_move_post
from tests.conftest import wait_for
from tests.erp.postings_helpers import (
    ERP,
    entry_lines,
    inventory_balance,
    receive_purchase,
    ship,
    stock_value,
)
from tests.scm.factories import purchasing_world

D = Decimal
POSTINGS = {"scm.goods_receipt.posted": handlers.post_goods_receipt, "scm.shipment.shipped": handlers.post_shipment,
            "scm.stock.moved": handlers.post_stock_move}


def posted(event) -> bool:
    return EventDelivery.objects.filter(event=event, handler__startswith=f"{ERP}post_",
                                        status=DeliveryStatus.DONE).exists()


@pytest.mark.flow
def test_receipt_and_shipment_are_posted_once_also_when_dispatched_twice(celery_worker, company, user):
    world = purchasing_world(company)
    receive_purchase(world, user, [(world.item, "10", "2.50")])
    received = Event.objects.get(name="scm.goods_receipt.posted")
    enqueue_dispatch(received.pk)  # dispatched twice
    wait_for(lambda: posted(received), message="the receipt posted by ERP")
    ship(world, user, [(world.item, "4")])
    shipped = Event.objects.get(name="scm.shipment.shipped")
    enqueue_dispatch(shipped.pk)
    enqueue_dispatch(shipped.pk)
    wait_for(lambda: posted(shipped), message="the shipment posted by ERP")
    for event, handler in ((received, "post_goods_receipt"), (shipped, "post_shipment")):
        assert deliver(EventDelivery.objects.get(event=event, handler=f"{ERP}{handler}").pk) is False
    receipt_entry = JournalEntry.objects.get(source_event_id=received.pk)
    shipment_entry = JournalEntry.objects.get(source_event_id=shipped.pk)
    assert entry_lines(receipt_entry) == [("1300", D("25.00"), D("0.00")), ("2100", D("0.00"), D("25.00"))]
    assert entry_lines(shipment_entry) == [("5000", D("10.00"), D("0.00")), ("1300", D("0.00"), D("10.00"))]
    assert JournalEntry.objects.filter(company=company).count() == 2
    assert inventory_balance(company) == stock_value(company) == D("15.00")


@pytest.mark.flow
def test_backfill_posts_past_events_once(celery_worker, company, user):
    world = purchasing_world(company)
    for name, handler in POSTINGS.items():  # ERP "not installed yet": its posting handlers miss the events
        unsubscribe(name, handler)
    try:
        receive_purchase(world, user, [(world.item, "10", "2.50")])
        stock_move_post(company=company, item=world.item, quantity=D(3), from_location=world.stock,
                        to_location=virtual_location(company=company, kind=LocationKind.SCRAP), actor=user)
        ship(world, user, [(world.item, "2")])
    finally:
        for name, handler in POSTINGS.items():
            subscriber(name)(handler)
    history = list(Event.objects.filter(name__in=POSTINGS).order_by("id"))
    assert len(history) == 3
    assert not EventDelivery.objects.filter(handler__startswith=f"{ERP}post_").exists()
    assert not JournalEntry.objects.exists()
    since = (timezone.localdate() - datetime.timedelta(days=1)).isoformat()
    for handler in ("post_goods_receipt", "post_stock_move", "post_shipment"):
        call_command("outbox_backfill", handler=f"{ERP}{handler}", since=since)
    wait_for(lambda: all(posted(event) for event in history), message="the history posted by ERP")
    entries = JournalEntry.objects.filter(company=company)
    assert sorted(entries.values_list("source_event_id", flat=True)) == [event.pk for event in history]
    # 25.00 received, 3 scrapped at 2.50 (7.50), 2 shipped (5.00)
    assert inventory_balance(company) == stock_value(company) == D("12.50")
    for handler in ("post_goods_receipt", "post_stock_move", "post_shipment"):  # run again: nothing more
        call_command("outbox_backfill", handler=f"{ERP}{handler}", since=since)
    assert EventDelivery.objects.filter(handler__startswith=f"{ERP}post_").count() == 3
    assert entries.count() == 3
