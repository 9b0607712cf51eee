"""`work_order_complete(completed_on=...)`: units finished on an earlier day (the demo's history, a late report);
the books post the completion on that day; a future day is refused and changes nothing."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.core.errors import DomainError
from apps.core.models import Event
from apps.erp.services.postings import work_order_completion_posting
from apps.mes.choices import WorkOrderStatus
from apps.mes.models import WorkOrderCompletion
from apps.mes.services.workorders import work_order_complete
from tests.mes.test_completion import plant, released  # noqa: F401  (the fixture)


def test_a_completion_reported_for_an_earlier_day_is_dated_and_posted_on_it(plant):  # noqa: F811
    day = timezone.localdate() - datetime.timedelta(days=50)
    work_order = work_order_complete(work_order=released(plant), quantity_good=Decimal(10), actor=plant.user,
                                     completed_on=day)
    assert (work_order.status, timezone.localdate(work_order.completed_at)) == (WorkOrderStatus.COMPLETED, day)
    event = Event.objects.get(name="mes.work_order.completed")
    assert event.payload["completed_on"] == day.isoformat()
    entry = work_order_completion_posting(event=event)
    assert entry.date == day
    assert sum(line.debit for line in entry.lines.all()) > 0


def test_a_completion_cannot_be_reported_for_a_future_day(plant):  # noqa: F811
    work_order = released(plant)
    with pytest.raises(DomainError) as error:
        work_order_complete(work_order=work_order, quantity_good=Decimal(10), actor=plant.user,
                            completed_on=timezone.localdate() + datetime.timedelta(days=1))
    assert error.value.field == "completed_on"
    work_order.refresh_from_db()
    assert (work_order.status, work_order.quantity_good) == (WorkOrderStatus.RELEASED, Decimal(0))
    assert not WorkOrderCompletion.objects.exists()
    assert not Event.objects.filter(name="mes.work_order.completed").exists()
