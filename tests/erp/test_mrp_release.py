"""Releasing planned orders: purchases into requisitions and purchase order drafts for the preferred supplier,
production into MES work order drafts; exactly once, also under two concurrent releases; superseded plans are not
released; a re-run counts what was released instead of planning it again."""

from decimal import Decimal as D

import pytest

from apps.core.errors import ConflictError, DomainError
from apps.core.models import Event
from apps.erp.models import PlannedOrder
from apps.erp.services.mrp.release import planned_order_release, planned_orders_release
from apps.erp.services.mrp.run import mrp_run_execute, mrp_run_start
from apps.mes.models import WorkOrder
from apps.scm.models import PurchaseOrder, PurchaseRequisition
from tests.conftest import race
from tests.erp.factories import PlannedOrderFactory
from tests.erp.mrp_world import odoo_shape
from tests.scm.factories import SupplierItemFactory, SupplierPriceBreakFactory


def run_now(company):
    return mrp_run_execute(run=mrp_run_start(company=company, actor=None))


@pytest.mark.django_db
def test_a_production_order_becomes_one_work_order_draft_once(company, make_user):
    planner = make_user(company, "Planner")
    order = PlannedOrderFactory(company=company, quantity=D("12"))
    released = planned_order_release(planned_order=order, actor=planner)
    assert released.status == "released"
    assert released.released_by == planner
    work_order = released.work_order
    assert (work_order.status, work_order.item_id, work_order.quantity, work_order.due_date, work_order.source,
            work_order.source_reference) == ("draft", order.item_id, D("12"), order.due_date, "mrp", order.number)
    event = Event.objects.get(name="erp.planned_order.released")
    assert event.payload["document"] == work_order.number
    assert event.payload["quantity"] == "12.0000"
    with pytest.raises(ConflictError):
        planned_order_release(planned_order=order, actor=planner)
    assert WorkOrder.objects.count() == 1


@pytest.mark.django_db
def test_purchases_become_one_purchase_order_draft_per_preferred_supplier(company, make_user):
    _a, b, _c, _line = odoo_shape(company)
    supplier_item = SupplierItemFactory(company=company, item=b, is_preferred=True, lead_time_days=3)
    SupplierPriceBreakFactory(supplier_item=supplier_item, min_quantity=D(0), unit_price=D("2.50"))
    run = run_now(company)
    purchase = run.planned_orders.get(item=b)
    assert purchase.kind == "purchase"
    assert purchase.supplier_id == supplier_item.supplier_id
    planned_orders_release(planned_orders=list(run.planned_orders.all()), actor=make_user(company, "Planner"))
    requisition = PurchaseRequisition.objects.get()
    assert (requisition.source, requisition.reference, requisition.quantity, requisition.needed_by,
            requisition.status) == ("mrp", purchase.number, D(400), purchase.due_date, "ordered")
    order = PurchaseOrder.objects.get()
    line = order.lines.get()
    assert (order.status, order.supplier_id, line.quantity, line.due_date, line.unit_price) == (
        "draft", supplier_item.supplier_id, D(400), purchase.due_date, D("2.50"))
    assert WorkOrder.objects.filter(source="mrp").count() == 2
    # released orders are supply now: the next run plans nothing new for them
    again = run_now(company)
    assert again.planned_orders.count() == 0


@pytest.mark.django_db
def test_a_purchase_without_a_supplier_price_stays_an_open_requisition(company):
    _a, b, _c, _line = odoo_shape(company)
    SupplierItemFactory(company=company, item=b, is_preferred=True)  # no price breaks
    run = run_now(company)
    planned_order_release(planned_order=run.planned_orders.get(item=b), actor=None)
    assert PurchaseRequisition.objects.get().status == "open"
    assert not PurchaseOrder.objects.exists()


@pytest.mark.django_db
def test_a_superseded_plan_is_not_released_and_nothing_is_written(company):
    odoo_shape(company)
    first = run_now(company)
    run_now(company)
    stale = first.planned_orders.order_by("pk")
    with pytest.raises(ConflictError) as error:
        planned_orders_release(planned_orders=list(stale), actor=None)
    assert not WorkOrder.objects.exists()
    assert not PurchaseRequisition.objects.exists()
    assert "superseded by MRP run" in str(error.value)
    assert set(stale.values_list("status", flat=True)) == {"planned"}  # as stored: the run is marked instead
    assert {o.current_status for o in stale.select_related("run")} == {"superseded"}


@pytest.mark.django_db
def test_a_production_order_of_an_item_without_a_released_revision_is_refused(company):
    order = PlannedOrderFactory(company=company)
    order.item.revisions.update(status="draft")
    with pytest.raises(DomainError) as error:
        planned_order_release(planned_order=order, actor=None)
    assert error.value.field == "revision"
    assert PlannedOrder.objects.get(pk=order.pk).status == "planned"


@pytest.mark.django_db
def test_releasing_nothing_is_refused(company):
    with pytest.raises(DomainError) as error:
        planned_orders_release(planned_orders=[], actor=None)
    assert error.value.field == "planned_orders"


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_releases_release_once(company):
    order = PlannedOrderFactory(company=company)
    outcomes = race([lambda: planned_order_release(planned_order=order, actor=None)] * 2)
    assert sorted(type(o).__name__ if o != "ok" else "ok" for o in outcomes) == ["TransitionNotAllowed", "ok"]
    assert WorkOrder.objects.filter(source_reference=order.number).count() == 1
    assert Event.objects.filter(name="erp.planned_order.released").count() == 1
