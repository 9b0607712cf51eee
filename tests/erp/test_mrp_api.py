"""The MRP API (API.md: erp/mrp-runs/, erp/planned-orders/): generic resource tests (isolation, rights, query
counts), starting a run (409 while one is active, 400 naming the field), progress, pegging, release (one and many,
409 the second time, 403 without the planner's right)."""

from decimal import Decimal as D

import pytest

from apps.erp.models import MrpRun, PlannedOrder
from apps.erp.services.mrp.run import mrp_run_execute
from apps.mes.models import WorkOrder
from tests.erp.factories import (
    ItemPlanningFactory,
    MrpMessageFactory,
    MrpRunFactory,
    PlannedOrderFactory,
)
from tests.erp.mrp_factories import add_pegs
from tests.erp.mrp_world import odoo_shape
from tests.mixins import (
    APIResourceTests,
    CompanyOwnedAPIResourceTests,
    DeletableAPIResourceTests,
    FilterableAPIResourceTests,
    ReadOnlyAPIResourceTests,
    token_client,
)
from tests.plm.factories import ItemFactory

RUNS, ORDERS = "/api/v1/erp/mrp-runs/", "/api/v1/erp/planned-orders/"


class TestItemPlanningAPI(DeletableAPIResourceTests, CompanyOwnedAPIResourceTests):
    list_url = "/api/v1/erp/item-planning/"
    factory = ItemPlanningFactory
    allowed_role, denied_role = "Planner", "Sales"
    update_payload = {"safety_stock": "5.0000", "lot_sizing": "fixed", "fixed_quantity": "50.0000"}

    def create_payload(self, company):
        return {"item": ItemFactory(company=company).pk, "minimum_quantity": "10.0000", "multiple": "5.0000"}


class TestMrpRunAPI(APIResourceTests, CompanyOwnedAPIResourceTests):
    list_url = RUNS
    factory = MrpRunFactory
    allowed_role = "Planner"


class TestPlannedOrderAPI(ReadOnlyAPIResourceTests, CompanyOwnedAPIResourceTests, FilterableAPIResourceTests):
    list_url = ORDERS
    factory = PlannedOrderFactory
    allowed_role = "Planner"
    child_factories = [(add_pegs, "planned_order")]
    filter_cases = [({"kind": "purchase"}, {"kind": "purchase"}, {"kind": "production"}),
                    ({"late": "true"}, {"is_late": True}, {"is_late": False})]
    max_list_queries = 7  # token, role, membership (core); count, orders, pegs (+ their documents)


class TestMrpMessageAPI(ReadOnlyAPIResourceTests, CompanyOwnedAPIResourceTests):
    list_url = "/api/v1/erp/mrp-messages/"
    factory = MrpMessageFactory
    allowed_role = "Planner"


@pytest.fixture
def planner(company, make_user):
    return make_user(company, "Planner", username="pia")


@pytest.fixture
def api(planner):
    return token_client(planner)


@pytest.mark.django_db
def test_post_starts_a_run_and_a_second_one_answers_409(api, company):
    odoo_shape(company)
    response = api.post(RUNS, {"horizon_days": 60}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["status"], body["progress"], body["planned_orders"], body["horizon_days"]) == ("queued", 0, 0, 60)
    assert body["allowed_transitions"] == ["cancel"]
    again = api.post(RUNS, {}, format="json")
    assert again.status_code == 409
    assert again["Content-Type"] == "application/problem+json"
    assert again.json()["errors"][0]["attr"] == "status"
    mrp_run_execute(run=MrpRun.objects.get(pk=body["id"]))
    done = api.get(f"{RUNS}{body['id']}/").json()
    assert (done["status"], done["progress"], done["planned_orders"], done["items_planned"]) == ("done", 100, 3, 3)
    assert done["allowed_transitions"] == []


@pytest.mark.django_db
def test_a_bad_horizon_answers_400_naming_the_field(api):
    response = api.post(RUNS, {"horizon_days": 0}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "horizon_days"
    assert not MrpRun.objects.exists()


@pytest.mark.django_db
def test_cancel_a_queued_run(api, company):
    run_id = api.post(RUNS, {}, format="json").json()["id"]
    response = api.post(f"{RUNS}{run_id}/cancel/", format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert api.post(f"{RUNS}{run_id}/cancel/", format="json").status_code == 409


@pytest.mark.django_db
def test_planned_orders_show_their_pegging_and_are_released_once(api, company):
    a, b, _c, line = odoo_shape(company)
    run_id = api.post(RUNS, {}, format="json").json()["id"]
    mrp_run_execute(run=MrpRun.objects.get(pk=run_id))
    listing = api.get(ORDERS, {"run": run_id, "kind": "production", "item": a.pk}).json()
    assert listing["count"] == 1
    order = listing["results"][0]
    assert (order["item"], order["quantity"], order["kind"], order["run"]) == (a.pk, "200.0000", "production", run_id)
    assert order["pegging"] == [{"kind": "sales_order", "quantity": "200.0000", "due_date": line.due_date.isoformat(),
                                 "sales_order_line": line.pk, "sales_order": line.order.number,
                                 "parent_planned_order": None, "parent_planned_order_number": None,
                                 "work_order": None, "work_order_number": None}]
    assert order["allowed_transitions"] == ["release"]
    b_order = api.get(ORDERS, {"run": run_id, "item": b.pk}).json()["results"][0]
    assert sum(D(p["quantity"]) for p in b_order["pegging"]) == D(b_order["quantity"]) == D(400)
    released = api.post(f"{ORDERS}{order['id']}/release/", format="json")
    assert released.status_code == 200, released.content
    assert released.json()["status"] == "released"
    assert released.json()["work_order_number"]
    assert api.post(f"{ORDERS}{order['id']}/release/", format="json").status_code == 409
    assert WorkOrder.objects.count() == 1


@pytest.mark.django_db
def test_release_many_and_its_refusals(api, company, other_company, make_user):
    first, second = PlannedOrderFactory(company=company), PlannedOrderFactory(company=company)
    foreign = PlannedOrderFactory(company=other_company)
    response = api.post(f"{ORDERS}release/", {"planned_orders": [first.pk, foreign.pk]}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "planned_orders"
    assert api.post(f"{ORDERS}release/", {"planned_orders": []}, format="json").status_code == 400
    finance = token_client(make_user(company, "Finance"))
    assert finance.post(f"{ORDERS}release/", {"planned_orders": [first.pk]}, format="json").status_code == 403
    assert finance.post(f"{ORDERS}{first.pk}/release/", format="json").status_code == 403
    response = api.post(f"{ORDERS}release/", {"planned_orders": [first.pk, second.pk]}, format="json")
    assert response.status_code == 200, response.content
    assert [row["status"] for row in response.json()] == ["released", "released"]
    assert set(PlannedOrder.objects.filter(company=company).values_list("status", flat=True)) == {"released"}
    assert api.get(f"{ORDERS}{foreign.pk}/").status_code == 404


@pytest.mark.django_db
def test_a_new_run_supersedes_the_unreleased_orders_of_the_previous_one(api, company):
    a, _b, _c, _line = odoo_shape(company)
    first = mrp_run_execute(run=MrpRun.objects.get(pk=api.post(RUNS, {}, format="json").json()["id"]))
    kept = first.planned_orders.get(item=a)
    assert api.post(f"{ORDERS}{kept.pk}/release/", format="json").status_code == 200
    second = mrp_run_execute(run=MrpRun.objects.get(pk=api.post(RUNS, {}, format="json").json()["id"]))
    rows = {row["id"]: row for row in api.get(ORDERS, {"page_size": 50}).json()["results"]}
    assert {pk: (row["status"], row["allowed_transitions"]) for pk, row in rows.items() if row["run"] == first.pk} \
        == {o.pk: ("released", []) if o.pk == kept.pk else ("superseded", [])
            for o in first.planned_orders.all()}
    assert {row["status"] for row in rows.values() if row["run"] == second.pk} == {"planned"}
    by_status = {status: {row["id"] for row in api.get(ORDERS, {"status": status}).json()["results"]}
                 for status in ("planned", "superseded", "released")}
    assert by_status == {"planned": set(second.planned_orders.values_list("pk", flat=True)),
                         "superseded": set(first.planned_orders.exclude(pk=kept.pk).values_list("pk", flat=True)),
                         "released": {kept.pk}}
    stale = next(iter(by_status["superseded"]))
    refused = api.post(f"{ORDERS}{stale}/release/", format="json")
    assert refused.status_code == 409
    assert second.number in refused.json()["detail"]
    assert PlannedOrder.objects.get(pk=stale).status == "planned"  # as stored; the run is marked
