import pytest
from django.db import transaction

from apps.core.choices import DeliveryStatus
from apps.core.models import EventDelivery, Party
from apps.core.outbox import emit, subscriber, unsubscribe
from tests.conftest import wait_for

SEEN = []


def probe_handler(event):
    SEEN.append(event.pk)


@pytest.mark.flow
def test_event_reaches_real_worker(celery_worker, company):
    subscriber("test.probe.happened")(probe_handler)
    try:
        party = Party.objects.create(company=company, number="P-1", name="x", is_customer=True)
        with transaction.atomic():
            event = emit("test.probe.happened", company=company, subject=party, payload={"a": 1})
        wait_for(lambda: EventDelivery.objects.filter(event=event, status=DeliveryStatus.DONE).exists())
        assert SEEN == [event.pk]
    finally:
        unsubscribe("test.probe.happened", probe_handler)
