"""MRP runs against the database: inputs read set-based, the plan written with its pegging, one run per company,
cancel and failure, idempotent re-runs, company isolation, and a query count that does not grow with the items."""

from decimal import Decimal as D
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.core.errors import ConflictError, DomainError
from apps.erp.models import MrpItemPlan, MrpMessage, MrpRun, PlannedOrder
from apps.erp.services.mrp.run import mrp_run_cancel, mrp_run_execute, mrp_run_start
from apps.mes.choices import WorkOrderStatus
from apps.scm.choices import PurchaseOrderStatus
from tests.erp.mrp_world import in_days, odoo_shape, part, sell, stock, today
from tests.mes.factories import WorkOrderFactory
from tests.scm.factories import PurchaseOrderFactory, PurchaseOrderLineFactory

pytestmark = pytest.mark.django_db


def run_now(company, user=None, **kwargs) -> MrpRun:
    run = mrp_run_start(company=company, actor=user, **kwargs)
    return mrp_run_execute(run=run)


def plan_of(run) -> list[tuple]:
    return sorted((o.item.number, o.kind, o.quantity, o.due_date, o.start_date)
                  for o in run.planned_orders.select_related("item"))


def test_the_odoo_shape_makes_400_and_every_plan_is_pegged_in_full(company):
    a, b, c, line = odoo_shape(company)
    run = run_now(company)
    assert run.status == "done"
    assert run.progress == 100
    assert run.items_total == run.items_planned == 3
    due = in_days(30)
    assert plan_of(run) == [("A", "production", D(200), due, due), ("B", "purchase", D(400), due, due),
                            ("C", "production", D(200), due, due)]
    assert run.results["planned_orders"] == 3
    assert run.results["levels"] == 3
    assert run.inputs["demands"] == 1
    assert run.inputs["items"] == 3
    a_order = run.planned_orders.get(item=a)
    assert [(p.kind, p.quantity, p.sales_order_line) for p in a_order.pegs] == [("sales_order", D(200), line)]
    b_order = run.planned_orders.get(item=b)
    assert sorted((p.parent_planned_order.item.number, p.quantity) for p in b_order.pegs) == [
        ("A", D(200)), ("C", D(200))]
    # the parents list the component orders pegged to them
    assert [(p.planned_order, p.quantity) for p in a_order.component_pegs()] == [
        (b_order, D(200)), (run.planned_orders.get(item=c), D(200))]
    for order in PlannedOrder.objects.filter(run=run):
        assert sum(order.peg_quantities) == sum(p.quantity for p in order.pegs) == order.quantity
        assert len(order.peg_kinds) == len(order.peg_due_dates) == len(order.peg_documents) > 0
    # and in the database: every order's pegs add up to its quantity
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM erp_plannedorder o WHERE run_id = %s AND quantity <> "
                       "(SELECT sum(q) FROM unnest(o.peg_quantities) AS q)", [run.pk])
        assert cursor.fetchone() == (0,)
    assert order.number.startswith(run.number + "/")
    assert MrpItemPlan.objects.filter(run=run).count() == 3
    assert [[row[0], *map(D, row[1:])] for row in MrpItemPlan.objects.get(run=run, item=b).buckets] == [
        [due.isoformat(), 400, 0, 400, 0]]


def test_stock_and_open_orders_are_consumed_once(company):
    _a, b, c, _line = odoo_shape(company)
    stock(company, b, "50")
    order = PurchaseOrderFactory(company=company, status=PurchaseOrderStatus.SENT)
    po_line = PurchaseOrderLineFactory(purchase_order=order, item=b, quantity=D("150"), due_date=in_days(5))
    # a draft work order of 120 C (its BOM needs 120 B when it starts) and a cancelled one that counts for nothing
    work_order = WorkOrderFactory(company=company, item=c, revision=c.current_revision, definition=None,
                                  quantity=D(120),
                     due_date=in_days(20))
    WorkOrderFactory(company=company, item=c, revision=c.current_revision, definition=None, quantity=D(999),
                     due_date=in_days(20), status=WorkOrderStatus.CANCELLED)
    run = run_now(company)
    due = in_days(30)
    # C: 200 for A less the 120 coming → 80; B: 200 (A) + 80 (C's plan) + 120 (the work order) = 400,
    # less 50 on hand and 150 ordered → 200
    assert plan_of(run) == [("A", "production", D(200), due, due), ("B", "purchase", D(200), due, due),
                            ("C", "production", D(80), due, due)]
    assert run.inputs["receipts"] == 2
    assert run.inputs["demands"] == 2
    # the purchase order (due day 5) is first needed by the work order on day 20, the work order (due day 20) by A
    # on day 30: both deferred, neither doubled
    assert sorted(MrpMessage.objects.filter(run=run).values_list("kind", "document", "suggested_date")) == [
        ("defer", f"{order.number}/{po_line.line_number}", in_days(20)), ("defer", work_order.number, in_days(30))]


def test_a_re_run_gives_the_same_plan_and_supersedes_the_previous_one(company):
    odoo_shape(company)
    first = run_now(company)
    second = run_now(company)
    assert plan_of(first) == plan_of(second)
    assert [list(zip(o.peg_kinds, o.peg_quantities, strict=True)) for o in first.planned_orders.order_by("number")] == \
        [list(zip(o.peg_kinds, o.peg_quantities, strict=True)) for o in second.planned_orders.order_by("number")]
    first.refresh_from_db()
    assert first.superseded_by == second
    assert second.superseded_by is None
    assert {o.current_status for o in first.planned_orders.select_related("run")} == {"superseded"}
    assert {o.current_status for o in second.planned_orders.select_related("run")} == {"planned"}
    company_orders = PlannedOrder.objects.filter(company=company)
    assert set(company_orders.with_status("superseded")) == set(first.planned_orders.all())
    assert set(company_orders.with_status("planned")) == set(second.planned_orders.all())
    # superseding marks the run: its planned orders are not rewritten
    assert set(first.planned_orders.values_list("updated_at", flat=True)) == {first.planned_orders.first().created_at}
    third = run_now(company)
    second.refresh_from_db()
    first.refresh_from_db()
    assert (first.superseded_by, second.superseded_by, third.superseded_by) == (second, third, None)
    assert set(company_orders.with_status("planned")) == set(third.planned_orders.all())
    assert company_orders.with_status("superseded").count() == 6


def test_a_run_reads_only_its_own_company(company, other_company):
    _a, b, _c, _line = odoo_shape(company)
    oa, _ob, _oc, _oline = odoo_shape(other_company, quantity="7")
    stock(other_company, b.__class__.objects.get(company=other_company, number="B"), "1000")
    sell(other_company, oa, "9", in_days(3))
    run = run_now(company)
    assert {o.company_id for o in run.planned_orders.all()} == {company.pk}
    assert run.planned_orders.get(item=b).quantity == D(400)  # the other company's 1000 B do not count
    assert run.inputs["demands"] == 1
    assert run.inputs["items"] == 3
    assert not PlannedOrder.objects.filter(company=other_company).exists()


def test_one_run_per_company_at_a_time(company, other_company):
    first = mrp_run_start(company=company, actor=None)
    with pytest.raises(ConflictError) as error:
        mrp_run_start(company=company, actor=None)
    assert error.value.field == "status"
    assert first.number in str(error.value)
    other = mrp_run_start(company=other_company, actor=None)  # another company is not held up
    assert other.status == "queued"
    mrp_run_execute(run=first)
    assert mrp_run_start(company=company, actor=None).status == "queued"


def test_a_bad_horizon_is_refused_naming_the_field(company):
    with pytest.raises(DomainError) as error:
        mrp_run_start(company=company, actor=None, horizon_days=0)
    assert error.value.field == "horizon_days"
    assert not MrpRun.objects.exists()


def test_a_queued_run_cancelled_is_never_planned(company):
    odoo_shape(company)
    run = mrp_run_start(company=company, actor=None)
    mrp_run_cancel(run=run, actor=None)
    assert mrp_run_execute(run=run).status == "cancelled"
    assert not PlannedOrder.objects.exists()
    with pytest.raises(ConflictError):
        mrp_run_cancel(run=run, actor=None)


def test_a_run_cancelled_while_planning_stops_and_writes_nothing(company):
    odoo_shape(company)
    run = mrp_run_start(company=company, actor=None)
    from apps.erp.services.mrp import engine

    def plan_and_cancel(inputs, progress):
        mrp_run_cancel(run=MrpRun.objects.get(pk=run.pk), actor=None)
        return engine.plan(inputs, progress)

    with mock.patch("apps.erp.services.mrp.run.plan", plan_and_cancel):
        result = mrp_run_execute(run=run)
    assert result.status == "cancelled"
    assert not PlannedOrder.objects.exists()


def test_a_failing_run_is_marked_failed_with_the_reason_and_frees_the_company(company):
    run = mrp_run_start(company=company, actor=None)
    with mock.patch("apps.erp.services.mrp.run.collect_inputs", side_effect=RuntimeError("disk full")):
        result = mrp_run_execute(run=run)
    assert result.status == "failed"
    assert "disk full" in result.error
    assert mrp_run_start(company=company, actor=None).status == "queued"


def test_a_second_delivery_of_the_task_does_nothing(company):
    odoo_shape(company)
    run = mrp_run_start(company=company, actor=None)
    mrp_run_execute(run=run)
    again = mrp_run_execute(run=run)
    assert again.status == "done"
    assert PlannedOrder.objects.count() == 3


def _chains(company, chains: int, levels: int, first: int = 0) -> None:
    """`chains` independent products, each `levels` deep, each sold once."""
    for n in range(first, first + chains):
        below = part(company, f"L{n}-{levels}")
        for level in range(levels - 1, 0, -1):
            below = part(company, f"L{n}-{level}", "make", [(below, "2", "5")])
        sell(company, below, "3", in_days(10 + n))


def _queries(company) -> int:
    run = mrp_run_start(company=company, actor=None)
    with CaptureQueriesContext(connection) as captured:
        mrp_run_execute(run=run)
    assert MrpRun.objects.get(pk=run.pk).status == "done"
    return len(captured)


def test_the_query_count_grows_with_the_bom_levels_not_the_items(company, other_company):
    _chains(company, chains=2, levels=3)
    small = _queries(company)
    _chains(company, chains=8, levels=3, first=2)  # five times the items, the same depth
    assert _queries(company) == small
    _chains(other_company, chains=2, levels=6)
    deeper = _queries(other_company)
    assert small < deeper <= small + 3  # one progress report per level, nothing per item
    assert today()  # the plan dates are relative to today
