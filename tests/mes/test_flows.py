"""MES flows: PLM's release event through a real Celery worker, and releases racing for the last components."""

import datetime
from decimal import Decimal

import pytest
from django.db import transaction

from apps.core.choices import DeliveryStatus
from apps.core.errors import DomainError
from apps.core.models import EventDelivery
from apps.core.outbox import deliver, dispatch, emit, enqueue_dispatch
from apps.mes.choices import WorkOrderStatus
from apps.mes.models import ManufacturingDefinition, ManufacturingDefinitionLine, WorkOrder
from apps.mes.services.workorders import work_order_create, work_order_release
from apps.plm.choices import RevisionStatus
from apps.scm.models import Reservation, StockQuant
from tests.conftest import race, wait_for
from tests.mes.plant import build_plant
from tests.plm.factories import ItemFactory, RevisionFactory

HANDLER = "apps.mes.handlers.on_revision_released"
DUE = datetime.date(2030, 3, 15)


def release_event(revision, components, eco="ECO-2026-00007"):
    return emit("plm.revision.released", company=revision.company, subject=revision, payload={
        "item": revision.item.number, "item_id": revision.item_id, "revision": revision.code,
        "revision_id": revision.pk, "effective_from": "2030-01-01", "eco": eco,
        "bom": [{"component": c.number, "component_id": c.pk, "quantity": quantity, "uom": "ea",
                 "scrap_percent": scrap, "position": 10 * (n + 1)} for n, (c, quantity, scrap) in
                enumerate(components)]})


@pytest.mark.flow
def test_revision_release_creates_the_definition_once_and_flags_old_drafts(celery_worker, company, user):
    product = ItemFactory(made=True, company=company, number="PUMP")
    old = RevisionFactory(released=True, company=company, item=product, code="A")
    seal, housing = ItemFactory(company=company, number="SEAL"), ItemFactory(company=company, number="HOUSING")
    draft = work_order_create(company=company, actor=user, item=product, revision=old, quantity=Decimal(5),
                              due_date=DUE)
    released = work_order_create(company=company, actor=user, item=product, revision=old, quantity=Decimal(5),
                                 due_date=DUE)
    WorkOrder.objects.filter(pk=released.pk).update(status=WorkOrderStatus.RELEASED)
    old.status = RevisionStatus.SUPERSEDED
    old.save()
    new = RevisionFactory(released=True, company=company, item=product, code="B")
    with transaction.atomic():
        event = release_event(new, [(seal, "2", "5"), (housing, "1", "0")])
    enqueue_dispatch(event.pk)  # dispatched twice: a redelivery
    wait_for(lambda: EventDelivery.objects.filter(event=event, handler=HANDLER, status=DeliveryStatus.DONE).exists(),
             message="the release event delivered to MES")
    definition = ManufacturingDefinition.objects.get()
    assert (definition.revision, definition.item, definition.eco_number, definition.source_event_id) == (
        new, product, "ECO-2026-00007", event.pk)
    assert definition.effective_from == datetime.date(2030, 1, 1)
    assert [(line.component.number, line.quantity, line.scrap_percent, line.uom.code)
            for line in definition.lines.order_by("position")] == [
        ("SEAL", Decimal(2), Decimal(5), "ea"), ("HOUSING", Decimal(1), Decimal(0), "ea")]
    draft.refresh_from_db()
    released.refresh_from_db()
    assert draft.needs_review is True
    assert "Revision B released by ECO-2026-00007" in draft.review_reason
    assert released.needs_review is False  # work in progress keeps its snapshot
    # dispatched again, by hand: nothing changes
    assert dispatch(event.pk) == []
    assert deliver(EventDelivery.objects.get(event=event, handler=HANDLER).pk) is False
    assert ManufacturingDefinition.objects.count() == 1
    assert ManufacturingDefinitionLine.objects.count() == 2
    assert EventDelivery.objects.get(event=event, handler=HANDLER).attempts == 1


@pytest.mark.flow
def test_a_second_event_for_the_same_revision_changes_nothing(celery_worker, company, user):
    revision = RevisionFactory(released=True, company=company)
    part = ItemFactory(company=company)
    with transaction.atomic():
        first = release_event(revision, [(part, "1", "0")])
    wait_for(lambda: ManufacturingDefinition.objects.exists(), message="the definition")
    with transaction.atomic():
        second = release_event(revision, [(part, "9", "0")])
    wait_for(lambda: EventDelivery.objects.filter(event=second, status=DeliveryStatus.DONE).exists(),
             message="the second delivery")
    definition = ManufacturingDefinition.objects.get()
    assert definition.source_event_id == first.pk
    assert [line.quantity for line in definition.lines.all()] == [Decimal(1)]


@pytest.mark.django_db(transaction=True)
@pytest.mark.xdist_group("mes_concurrency")
def test_two_releases_competing_for_the_last_components_one_gets_a_shortage(company, user):
    plant = build_plant(company, user, stock_bolts="30", steel_lots=(("S-1", "40"),))
    orders = [work_order_create(company=company, actor=user, item=plant.product, revision=plant.revision,
                                quantity=Decimal(10), due_date=DUE) for _ in range(2)]
    errors = {}

    def release(work_order):
        def work():
            try:
                work_order_release(work_order=work_order, actor=user)
            except DomainError as exc:
                errors[work_order.pk] = exc
                raise
        return work

    outcomes = [o if o == "ok" else f"{o.code}:{o.field}" if isinstance(o, DomainError) else repr(o)
                for o in race([release(o) for o in orders])]
    assert sorted(outcomes) == ["ok", "shortage:materials"], outcomes
    [loser] = errors.values()
    assert loser.extra["shortages"] == [{"item": "BOLT-M8", "item_id": plant.bolt.pk, "required": "20",
                                         "available": "10"}]
    statuses = sorted(WorkOrder.objects.values_list("status", flat=True))
    assert statuses == [WorkOrderStatus.DRAFT, WorkOrderStatus.RELEASED]
    assert StockQuant.objects.get(item=plant.bolt).reserved == Decimal(20)
    assert Reservation.objects.filter(item=plant.bolt).count() == 1
