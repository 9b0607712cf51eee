"""The real PLM path into MES: items, draft revisions and BOMs built with PLM's services, released by an ECO
(approved by Engineering and Quality), delivered by a real Celery worker through the outbox."""

import datetime
from decimal import Decimal

import pytest

from apps.core.choices import DeliveryStatus
from apps.core.models import Event, EventDelivery, UnitOfMeasure
from apps.core.outbox import dispatch
from apps.mes.choices import WorkOrderStatus
from apps.mes.models import ManufacturingDefinition, ManufacturingDefinitionLine, WorkOrder
from apps.mes.services.workorders import work_order_create, work_order_release, work_order_start
from apps.plm.choices import ChangeOrderStatus, ItemType, RevisionStatus
from apps.plm.models import Revision
from apps.plm.services.boms import bom_line_add
from apps.plm.services.changes import (
    change_order_approve,
    change_order_create,
    change_order_release,
    change_order_submit,
)
from apps.plm.services.items import item_create, revision_create
from tests.conftest import wait_for
from tests.scm.factories import LocationFactory

HANDLER = "apps.mes.handlers.on_revision_released"
DUE = datetime.date(2030, 3, 15)
D = Decimal


def release_by_eco(company, revision, *, author, engineer, inspector, title):
    """Create, submit, approve (Engineering, then Quality) and release an ECO; returns (order, event)."""
    order = change_order_create(company=company, title=title, actor=author, revisions=[revision])
    change_order_submit(change_order=order, actor=author)
    order = change_order_approve(change_order=order, actor=engineer, comment="Drawings checked")
    assert order.status == ChangeOrderStatus.SUBMITTED  # Quality has not approved yet
    order = change_order_approve(change_order=order, actor=inspector, comment="Control plan ok")
    assert order.status == ChangeOrderStatus.APPROVED
    order = change_order_release(change_order=order, actor=author)
    event = Event.objects.get(name="plm.revision.released", subject_id=str(revision.pk))
    wait_for(lambda: EventDelivery.objects.filter(event=event, handler=HANDLER, status=DeliveryStatus.DONE).exists(),
             message=f"{title} delivered to MES")
    return order, event


@pytest.mark.flow
def test_eco_release_reaches_mes_once_and_a_second_eco_keeps_started_orders_and_flags_drafts(
        celery_worker, company, user, make_user):
    engineer, inspector = make_user(company, "Engineering"), make_user(company, "Quality")
    ea = UnitOfMeasure.objects.get(code="ea")
    pump = item_create(company=company, number="PUMP", name="Pump", uom=ea, actor=user, item_type=ItemType.MAKE)
    seal = item_create(company=company, number="SEAL", name="Seal", uom=ea, actor=user, with_revision=False)
    housing = item_create(company=company, number="HOUSING", name="Housing", uom=ea, actor=user,
                          with_revision=False)
    rev_a = Revision.objects.get(item=pump, code="A")
    bom_line_add(revision=rev_a, component=seal, quantity=D(2), scrap_percent=D(5), actor=user)
    bom_line_add(revision=rev_a, component=housing, quantity=D(1), actor=user)

    eco_a, event_a = release_by_eco(company, rev_a, author=user, engineer=engineer, inspector=inspector,
                                    title="First release of the pump")
    definition_a = ManufacturingDefinition.objects.get(revision=rev_a)
    assert (definition_a.item, definition_a.eco_number, definition_a.source_event_id) == (pump, eco_a.number,
                                                                                         event_a.pk)
    assert [(line.component.number, line.quantity, line.scrap_percent, line.uom.code)
            for line in definition_a.lines.order_by("position")] == [
        ("SEAL", D(2), D(5), "ea"), ("HOUSING", D(1), D(0), "ea")]
    # dispatched again: the delivery is done, nothing new happens
    assert dispatch(event_a.pk) == []
    assert ManufacturingDefinition.objects.count() == 1
    assert ManufacturingDefinitionLine.objects.count() == 2
    assert EventDelivery.objects.get(event=event_a, handler=HANDLER).attempts == 1

    rev_a.refresh_from_db()
    LocationFactory(company=company, code="MAIN")  # components are short: released with the shortage
    started = work_order_create(company=company, actor=user, item=pump, revision=rev_a, quantity=D(4), due_date=DUE)
    started = work_order_release(work_order=started, actor=user, allow_shortage=True)
    started = work_order_start(work_order=started, actor=user)
    draft = work_order_create(company=company, actor=user, item=pump, revision=rev_a, quantity=D(3), due_date=DUE)
    assert draft.definition == definition_a

    rev_b = revision_create(item=pump, actor=user)  # copied from A: SEAL and HOUSING
    assert rev_b.code == "B"
    gasket = item_create(company=company, number="GASKET", name="Gasket", uom=ea, actor=user, with_revision=False)
    bom_line_add(revision=rev_b, component=gasket, quantity=D(4), actor=user)
    eco_b, _event_b = release_by_eco(company, rev_b, author=user, engineer=engineer, inspector=inspector,
                                     title="Add a gasket")
    definition_b = ManufacturingDefinition.objects.get(revision=rev_b)
    assert [line.component.number for line in definition_b.lines.order_by("position")] == ["SEAL", "HOUSING",
                                                                                           "GASKET"]
    rev_a.refresh_from_db()
    assert rev_a.status == RevisionStatus.SUPERSEDED

    started.refresh_from_db()
    draft.refresh_from_db()
    # the started order keeps its snapshot: definition, materials, no review flag
    assert (started.status, started.revision, started.definition) == (WorkOrderStatus.IN_PROGRESS, rev_a,
                                                                      definition_a)
    assert sorted((m.component.number, m.quantity_required) for m in started.materials.all()) == [
        ("HOUSING", D(4)), ("SEAL", D("8.4"))]
    assert (started.needs_review, started.review_reason) == (False, "")
    # the open draft on the old revision is flagged
    assert draft.needs_review is True
    assert draft.review_reason == (f"Revision B released by {eco_b.number}; this order uses an older one.")
    assert draft.definition == definition_a
    assert WorkOrder.objects.filter(needs_review=True).count() == 1
    assert ManufacturingDefinition.objects.count() == 2
