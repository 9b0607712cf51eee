"""Flows through the real outbox and a real Celery worker."""

import pytest

from apps.core.choices import DeliveryStatus
from apps.core.models import Event, EventDelivery
from apps.core.outbox import dispatch, emit, enqueue_dispatch, subscriber, unsubscribe
from apps.core.tasks import dispatch_event
from apps.plm.models import ChangeRequest
from apps.plm.services.changes import (
    change_order_approve,
    change_order_create,
    change_order_release,
    change_order_submit,
)
from tests.conftest import wait_for
from tests.plm.conftest import draft

RECEIVED: list[dict] = []


def record_release(event):
    RECEIVED.append(event.payload)


@pytest.mark.flow
def test_release_event_reaches_a_real_worker_exactly_once(celery_worker, company, engineer, quality, new_item,
                                                            add_line):
    RECEIVED.clear()
    subscriber("plm.revision.released")(record_release)
    try:
        parent, part = new_item("ASM-1"), new_item("PART-1")
        add_line(parent, part, "3", scrap="2")
        order = change_order_create(company=company, title="Release", actor=engineer, revisions=[draft(parent)])
        change_order_submit(change_order=order, actor=engineer)
        change_order_approve(change_order=order, actor=engineer)
        change_order_approve(change_order=order, actor=quality)
        change_order_release(change_order=order, actor=engineer)
        event = Event.objects.get(name="plm.revision.released")
        delivery = EventDelivery.objects.get(event=event, handler__endswith="record_release")
        enqueue_dispatch(event.pk)  # dispatched twice while the first dispatch may be running
        wait_for(lambda: EventDelivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.DONE).exists(),
                 message="the release delivery to be done")
        # dispatched again after delivery (a redelivery, a sweeper pass): nothing runs again
        assert dispatch(event.pk) == []
        dispatch_event.apply_async((event.pk,))
        sentinel = emit_probe(company, parent)
        wait_for(lambda: EventDelivery.objects.filter(event=sentinel, status=DeliveryStatus.DONE).exists(),
                 message="the later probe event to be delivered")
        assert len(RECEIVED) == 1
        assert RECEIVED[0]["item"] == "ASM-1"
        assert RECEIVED[0]["eco"] == order.number
        assert RECEIVED[0]["bom"] == [{"component": "PART-1", "component_id": part.pk, "quantity": "3.0000",
                                       "uom": "ea", "scrap_percent": "2.0000", "position": 10,
                                       "reference_designators": ""}]
        delivery.refresh_from_db()
        assert (delivery.status, delivery.attempts) == ("done", 1)
    finally:
        unsubscribe("plm.revision.released", record_release)
        unsubscribe("test.plm.probe", probe)


def probe(event):
    return None


def emit_probe(company, subject):
    from django.db import transaction

    subscriber("test.plm.probe")(probe)
    with transaction.atomic():
        return emit("test.plm.probe", company=company, subject=subject, payload={})


@pytest.mark.flow
def test_feedback_event_opens_one_change_request_through_the_worker(celery_worker, company, new_item):
    from django.db import transaction

    item = new_item("BK-1")
    with transaction.atomic():
        event = emit("crm.feedback.submitted", company=company, subject=item,
                     payload={"item_numbers": ["BK-1"], "description": "Paint flakes", "reference": "FB-1"})
    wait_for(lambda: EventDelivery.objects.filter(event=event, status=DeliveryStatus.DONE).exists(),
             message="the feedback delivery")
    dispatch_event.apply_async((event.pk,))
    with transaction.atomic():
        nc = emit("mes.nonconformance.raised", company=company, subject=item,
                  payload={"item_numbers": ["BK-1"], "description": "Bore oversize", "reference": "NC-9"})
    wait_for(lambda: EventDelivery.objects.filter(event=nc, status=DeliveryStatus.DONE).exists(),
             message="the non-conformance delivery")
    assert list(ChangeRequest.objects.order_by("id").values_list("source", "reference")) == [
        ("crm_feedback", "FB-1"), ("mes_nonconformance", "NC-9")]
