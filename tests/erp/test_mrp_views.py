"""MRP screens: item planning (generic CRUD), runs (start form, progress bar polled by htmx, results, exception
messages, cancel), planned orders (filters item/kind/late, pegging on the detail, release button), and an item's
time-phased plan; another company's run or plan answers 404."""

import pytest
from django.urls import reverse

from apps.erp.models import MrpRun, PlannedOrder
from apps.erp.services.mrp.run import mrp_run_execute, mrp_run_start
from tests.erp.factories import (
    ItemPlanningFactory,
    MrpItemPlanFactory,
    MrpRunFactory,
    PlannedOrderFactory,
)
from tests.erp.mrp_factories import add_pegs
from tests.erp.mrp_world import odoo_shape
from tests.mixins import (
    CompanyOwnedUIResourceTests,
    CreatableUIResourceTests,
    EditableUIResourceTests,
    UIResourceTests,
)
from tests.plm.factories import ItemFactory


class TestItemPlanningUI(CreatableUIResourceTests, EditableUIResourceTests, CompanyOwnedUIResourceTests):
    allowed_role, denied_role = "Planner", "Sales"
    url_prefix = "erp:itemplanning"
    factory = ItemPlanningFactory

    def create_form_data(self, company):
        return {"item": ItemFactory(company=company).pk, "lot_sizing": "lot_for_lot", "minimum_quantity": "0",
                "multiple": "0", "safety_stock": "3", "lead_time_days": "0"}

    def update_form_data(self, company):
        return {**self.create_form_data(company), "lot_sizing": "fixed", "fixed_quantity": "25"}


class TestMrpRunUI(CreatableUIResourceTests, CompanyOwnedUIResourceTests):
    allowed_role, denied_role = "Planner", "Sales"
    url_prefix = "erp:mrprun"
    factory = MrpRunFactory
    create_form_data = {"horizon_days": "30"}


class TestPlannedOrderUI(UIResourceTests, CompanyOwnedUIResourceTests):
    allowed_role = "Planner"
    url_prefix = "erp:plannedorder"
    factory = PlannedOrderFactory
    child_factories = [(add_pegs, "planned_order")]


@pytest.fixture
def web_planner(client, company, make_user):
    client.force_login(make_user(company, "Planner"))
    return client


@pytest.mark.django_db
def test_a_running_run_polls_its_progress_and_a_done_one_shows_its_results(web_planner, company):
    _a, _b, _c, _line = odoo_shape(company)
    run = mrp_run_start(company=company, actor=None)
    page = web_planner.get(reverse("erp:mrprun_detail", args=[run.pk])).content.decode()
    assert f'hx-get="{reverse("erp:mrprun_progress", args=[run.pk])}"' in page
    assert 'data-testid="step-cancel"' in page
    mrp_run_execute(run=run)
    fragment = web_planner.get(reverse("erp:mrprun_progress", args=[run.pk])).content.decode()
    assert "hx-get" not in fragment  # finished: no more polling
    assert "3 / 3 items planned" in fragment
    assert "100%" in fragment
    assert "3 planned orders (1 purchase, 2 production), 0 late" in fragment
    page = web_planner.get(reverse("erp:mrprun_detail", args=[run.pk])).content.decode()
    assert 'data-testid="mrp-inputs"' in page
    assert 'data-testid="step-cancel"' not in page


@pytest.mark.django_db
def test_the_planned_order_list_filters_by_item_kind_and_late(web_planner, company):
    late = PlannedOrderFactory(company=company, is_late=True, kind="purchase")
    on_time = PlannedOrderFactory(company=company, run=late.run)
    url = reverse("erp:plannedorder_list")

    def shown(params):
        response = web_planner.get(url, params)
        assert response.status_code == 200
        return {row.record.pk for row in response.context["table"].page.object_list}

    assert shown({"is_late": "true"}) == {late.pk}
    assert shown({"kind": "production"}) == {on_time.pk}
    assert shown({"item": late.item_id}) == {late.pk}


@pytest.mark.django_db
def test_the_pegging_view_and_the_release_button(web_planner, company):
    a, _b, _c, line = odoo_shape(company)
    run = mrp_run_execute(run=mrp_run_start(company=company, actor=None))
    order = run.planned_orders.get(item=a)
    page = web_planner.get(reverse("erp:plannedorder_detail", args=[order.pk])).content.decode()
    assert line.order.number in page
    assert 'data-testid="pegged-total">200<' in page
    assert 'data-testid="step-release"' in page
    response = web_planner.post(reverse("erp:plannedorder_action", args=[order.pk, "release"]))
    assert response.status_code == 302
    assert PlannedOrder.objects.get(pk=order.pk).status == "released"
    page = web_planner.get(reverse("erp:plannedorder_detail", args=[order.pk])).content.decode()
    assert 'data-testid="step-release"' not in page


@pytest.mark.django_db
def test_the_item_time_phased_view(web_planner, company):
    _a, b, _c, _line = odoo_shape(company)
    run = mrp_run_execute(run=mrp_run_start(company=company, actor=None))
    response = web_planner.get(reverse("erp:mrp_item_plan", args=[run.pk]), {"item": b.pk})
    assert response.status_code == 200
    rows = response.context["rows"]
    assert [(r["demand"], r["planned"], r["projected"]) for r in rows] == [(400, 400, 0)]
    assert run.planned_orders.get(item=b).number in response.content.decode()
    index = web_planner.get(reverse("erp:mrp_item_plan", args=[run.pk])).content.decode()
    assert index.count('data-testid="item-plans"') == 1
    assert f'?item={b.pk}"' in index


@pytest.mark.django_db
def test_another_companys_run_and_plan_answer_404(web_planner, other_company):
    run = MrpRunFactory(company=other_company)
    plan = MrpItemPlanFactory(run=run)
    assert web_planner.get(reverse("erp:mrprun_progress", args=[run.pk])).status_code == 404
    assert web_planner.get(reverse("erp:mrp_item_plan", args=[run.pk]), {"item": plan.item_id}).status_code == 404
    assert MrpRun.objects.filter(pk=run.pk).exists()
