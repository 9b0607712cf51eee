"""`mes.nonconformance.raised` through the real outbox and a real Celery worker: PLM opens one change request."""

from decimal import Decimal

import pytest

from apps.core.choices import DeliveryStatus
from apps.core.models import Event, EventDelivery
from apps.core.outbox import enqueue_dispatch
from apps.core.tasks import dispatch_event
from apps.mes.choices import OperationStatus
from apps.mes.models import NonConformance
from apps.mes.services.quality import quality_check_record
from apps.plm.models import ChangeRequest
from tests.conftest import wait_for
from tests.mes.factories import CheckDefinitionFactory, InspectionPlanFactory, OperationFactory

PLM_HANDLER = "apps.plm.handlers.on_nonconformance_raised"


@pytest.mark.flow
def test_failed_check_reaches_plm_and_opens_one_change_request(celery_worker, company, user):
    operation = OperationFactory(work_order__company=company, work_order__number="WO-FL-00001", sequence=20,
                                 status=OperationStatus.IN_PROGRESS)
    bore = CheckDefinitionFactory(plan=InspectionPlanFactory(company=company, item=operation.work_order.item,
                                                             operation_sequence=20))

    quality_check_record(company=company, check_definition=bore, operation=operation, measured_value=Decimal("9.9"),
                         quantity=Decimal("2"), actor=user)  # commits: the flow test runs with committed data

    nc = NonConformance.objects.get()
    event = Event.objects.get(name="mes.nonconformance.raised")
    delivery = EventDelivery.objects.get(event=event, handler=PLM_HANDLER)
    wait_for(lambda: EventDelivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.DONE).exists(),
             message="PLM's delivery of the non-conformance to be done")
    request = ChangeRequest.objects.get(source_event=event)
    assert request.company == company
    assert request.source == "mes_nonconformance"
    assert request.reference == "WO-FL-00001 op 20"
    assert request.problem == nc.description
    assert list(request.affected_items.values_list("number", flat=True)) == [operation.work_order.item.number]

    # redelivered (a retry, a sweeper pass): the effect stays exactly once
    enqueue_dispatch(event.pk)
    dispatch_event.apply_async((event.pk,))
    wait_for(lambda: not EventDelivery.objects.filter(event=event, status=DeliveryStatus.PENDING).exists(),
             message="every delivery of the event to settle")
    assert ChangeRequest.objects.filter(source_event=event).count() == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("done", 1)
    operation.refresh_from_db()
    assert operation.quality_blocked is True
