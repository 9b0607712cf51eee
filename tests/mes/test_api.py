"""MES production API: CRUD of work centers and routings, the work order and operation actions, genealogy."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.core.models import AuditRecord, Event
from apps.mes.models import OperationTimeLog, Routing, WorkOrder
from tests.mes.factories import (
    GenealogyLinkFactory,
    OperationFactory,
    RoutingFactory,
    WorkCenterFactory,
    WorkOrderFactory,
)
from tests.mes.plant import build_plant
from tests.mixins import CompanyOwnedAPIResourceTests, DeletableAPIResourceTests, FilterableAPIResourceTests
from tests.plm.factories import ItemFactory

pytestmark = pytest.mark.urls("tests.mes.urls")
BASE = "/api/v1/mes"


class TestWorkCenterAPI(DeletableAPIResourceTests, CompanyOwnedAPIResourceTests, FilterableAPIResourceTests):
    list_url = f"{BASE}/work-centers/"
    factory = WorkCenterFactory
    create_payload = {"code": "MILL", "name": "Milling", "hourly_rate": "55.00", "capacity_hours_per_day": "16.00",
                      "shifts": [{"weekday": 0, "start_time": "06:00:00", "hours": "8.00"}]}
    update_payload = {"name": "Milling cell"}
    allowed_role, denied_role = "Production", "Sales"
    filter_cases = [({"status": "down"}, {"status": "down"}, {"status": "idle"})]


class TestRoutingAPI(DeletableAPIResourceTests, CompanyOwnedAPIResourceTests):
    list_url = f"{BASE}/routings/"
    factory = RoutingFactory
    allowed_role, denied_role = "Production", "Sales"

    @staticmethod
    def create_payload(company):

        center = WorkCenterFactory(company=company)
        return {"item": ItemFactory(made=True, company=company).pk, "name": "Main", "operations": [
            {"sequence": 10, "work_center": center.pk, "setup_minutes": "15", "run_minutes_per_unit": "2.5",
             "instructions": "Deburr"}]}

    update_payload = {"name": "Alternative"}


def test_routing_rules_name_the_field(api, company, other_company):

    center, foreign = WorkCenterFactory(company=company), WorkCenterFactory(company=other_company)
    item = ItemFactory(made=True, company=company)
    op = {"sequence": 10, "work_center": center.pk, "setup_minutes": "0", "run_minutes_per_unit": "1"}
    cases = [
        ([op, {**op}], "operations.1.sequence"),
        ([{**op, "run_minutes_per_unit": "0"}], "operations.0.run_minutes_per_unit"),
        ([{**op, "setup_minutes": "-1"}], "operations.0.setup_minutes"),
        ([{**op, "work_center": foreign.pk}], "operations.0.work_center"),
    ]
    for operations, attr in cases:
        response = api.post(f"{BASE}/routings/", {"item": item.pk, "operations": operations}, format="json")
        assert response.status_code == 400, (attr, response.content)
        assert response["Content-Type"] == "application/problem+json"
        assert attr in [e["attr"] for e in response.json()["errors"]], (attr, response.json())
    assert not Routing.objects.exists()


def test_work_order_lifecycle_through_the_api(api, company, user):
    plant = build_plant(company, user)
    response = api.post(f"{BASE}/work-orders/", {"item": plant.product.pk, "revision": plant.revision.pk,
                                                 "quantity": "10", "due_date": "2030-03-15"}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["number"].startswith("WO-")
    assert body["status"] == "draft"
    assert body["allowed_transitions"] == ["release", "cancel"]
    url = f"{BASE}/work-orders/{body['id']}/"

    response = api.post(f"{url}release/", {}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "released"
    assert [o["sequence"] for o in body["operations"]] == [10, 20]
    assert api.post(f"{url}release/", {}, format="json").status_code == 409

    first, second = body["operations"]
    op_url = f"{BASE}/operations/{first['id']}/"
    assert api.post(f"{op_url}start/", {}, format="json").json()["status"] == "in_progress"
    assert api.post(f"{op_url}pause/", {}, format="json").json()["status"] == "paused"
    response = api.post(f"{op_url}finish/", {"quantity_good": "9", "quantity_scrap": "1"}, format="json")
    assert response.status_code == 200, response.content
    assert (response.json()["quantity_good"], response.json()["status"]) == ("9.0000", "done")
    second_url = f"{BASE}/operations/{second['id']}/"
    api.post(f"{second_url}start/", {}, format="json")
    response = api.post(f"{second_url}finish/", {"quantity_good": "10"}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "quantity_good"

    response = api.post(f"{url}complete/", {"quantity_good": "9", "quantity_scrap": "1", "lot_code": "GB-9"},
                        format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "in_progress"  # 9 of 10: a partial completion
    assert Event.objects.get(name="mes.work_order.completed").payload["lot"] == "GB-9"
    response = api.post(f"{url}complete/", {"quantity_good": "1"}, format="json")
    assert response.json()["status"] == "completed"
    assert api.post(f"{url}cancel/", {}, format="json").status_code == 409


def test_release_shortage_answers_400_with_the_shortages(api, company, user):
    plant = build_plant(company, user, stock_bolts="5", steel_lots=())
    work_order = WorkOrderFactory(company=company, definition=plant.definition)
    response = api.post(f"{BASE}/work-orders/{work_order.pk}/release/", {}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert response["Content-Type"] == "application/problem+json"
    assert body["errors"][0]["attr"] == "materials"
    assert [(s["item"], s["required"], s["available"]) for s in body["shortages"]] == [
        ("BOLT-M8", "20", "5"), ("STEEL-BAR", "16.5", "0")]
    work_order.refresh_from_db()
    assert work_order.status == "draft"
    response = api.post(f"{BASE}/work-orders/{work_order.pk}/release/", {"allow_shortage": True}, format="json")
    assert response.json()["status"] == "released"


def test_work_orders_of_another_company_answer_404(api, other_company):
    theirs = WorkOrderFactory(company=other_company)
    assert api.get(f"{BASE}/work-orders/{theirs.pk}/").status_code == 404
    assert api.post(f"{BASE}/work-orders/{theirs.pk}/release/", {}, format="json").status_code == 404
    assert WorkOrder.objects.get(pk=theirs.pk).status == "draft"


def test_a_role_without_mes_change_cannot_start_operations(company, make_user, api_for, user):
    plant = build_plant(company, user)
    from apps.mes.services.workorders import work_order_create, work_order_release

    work_order = work_order_release(work_order=work_order_create(
        company=company, actor=user, item=plant.product, revision=plant.revision, quantity=Decimal(1),
        due_date=datetime.date(2030, 3, 15)), actor=user)
    operation = work_order.operations.first()
    client = api_for(make_user(company, "Sales"))
    assert client.get(f"{BASE}/operations/{operation.pk}/").status_code == 200
    assert client.post(f"{BASE}/operations/{operation.pk}/start/", {}, format="json").status_code == 403
    operation.refresh_from_db()
    assert operation.status == "pending"


def test_genealogy_endpoint(api, company, other_company):
    link = GenealogyLinkFactory(company=company)
    GenealogyLinkFactory(company=company, parent_lot=link.child_lot)
    response = api.get(f"{BASE}/genealogy/", {"lot": link.child_lot.code})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["lot"]["code"] == link.child_lot.code
    assert [n["lot"] for n in body["forward"]] == [link.parent_lot.code]
    assert len(body["backward"]) == 1
    assert api.get(f"{BASE}/genealogy/").status_code == 400
    assert api.get(f"{BASE}/genealogy/", {"lot": "NOPE"}).status_code == 404
    theirs = GenealogyLinkFactory(company=other_company)
    assert api.get(f"{BASE}/genealogy/", {"lot": theirs.parent_lot.code}).status_code == 404


def test_operations_follow_the_sequence_through_the_api_and_supervisors_override(api_for, company, user, make_user):
    plant = build_plant(company, user)
    work_order = WorkOrderFactory(company=company, definition=plant.definition)
    operator, supervisor = make_user(company, "Production"), make_user(company, "Manager")
    api_for(operator).post(f"{BASE}/work-orders/{work_order.pk}/release/", {}, format="json")
    first, second = work_order.operations.order_by("sequence")
    url = f"{BASE}/operations/{second.pk}/start/"
    response = api_for(operator).post(url, {}, format="json")
    assert response.status_code == 409
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["errors"][0]["attr"] == "sequence"
    assert "operation 10 (Cut)" in body["errors"][0]["detail"]
    assert body["previous_operation"] == {"id": first.pk, "sequence": 10, "name": "Cut", "status": "pending"}
    assert api_for(operator).post(url, {"override_sequence": True}, format="json").status_code == 403
    response = api_for(supervisor).post(url, {"override_sequence": True}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "in_progress"


def test_close_short_and_complete_with_the_floors_quantities_through_the_api(api, company, user):
    plant = build_plant(company, user)
    work_order = WorkOrderFactory(company=company, definition=plant.definition, quantity=Decimal(5))
    url = f"{BASE}/work-orders/{work_order.pk}/"
    api.post(f"{url}release/", {}, format="json")
    for operation, (good, scrap) in zip(work_order.operations.order_by("sequence"), (("5", "0"), ("4", "1")),
                                        strict=True):
        api.post(f"{BASE}/operations/{operation.pk}/start/", {}, format="json")
        api.post(f"{BASE}/operations/{operation.pk}/finish/", {"quantity_good": good, "quantity_scrap": scrap},
                 format="json")
    response = api.post(f"{url}complete/", {}, format="json")  # the 4 good and 1 scrapped just reported
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["quantity_good"], body["quantity_scrap"]) == ("in_progress", "4.0000", "1.0000")
    assert "close_short" in body["allowed_transitions"]
    response = api.post(f"{url}close-short/", {"reason": "Last unit scrapped"}, format="json")
    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["allowed_transitions"]) == ("completed", ["close"])
    assert api.post(f"{url}close-short/", {}, format="json").status_code == 409


def _released_operations(api, company, user):
    plant = build_plant(company, user)
    work_order = WorkOrderFactory(company=company, definition=plant.definition)
    api.post(f"{BASE}/work-orders/{work_order.pk}/release/", {}, format="json")
    return work_order, list(work_order.operations.order_by("sequence"))


def test_time_worked_after_the_fact_is_recorded_through_the_api(api, company, user):
    work_order, (first, _second) = _released_operations(api, company, user)
    end = timezone.now().replace(microsecond=0) - datetime.timedelta(hours=1)
    start = end - datetime.timedelta(hours=2)
    response = api.post(f"{BASE}/operations/{first.pk}/record-time/",
                        {"started_at": start.isoformat(), "ended_at": end.isoformat(), "kind": "setup"},
                        format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["id"], body["status"]) == (first.pk, "paused")  # started then, nobody on it now
    assert [(log["operator"], log["kind"], log["started_at"], log["ended_at"]) for log in body["time_logs"]] == [
        (user.pk, "setup", start.isoformat().replace("+00:00", "Z"), end.isoformat().replace("+00:00", "Z"))]
    log = OperationTimeLog.objects.get()
    assert (log.operation_id, log.operator, log.kind, log.started_at, log.ended_at) == (
        first.pk, user, "setup", start, end)
    first.refresh_from_db()
    work_order.refresh_from_db()
    assert (first.actual_start, work_order.status) == (start, "in_progress")
    assert AuditRecord.objects.filter(object_id=str(first.pk), action="record_time").count() == 1


@pytest.mark.parametrize(("start", "end", "attr"), [
    (-60, -120, "ended_at"),  # ends before it starts
    (-60, 30, "ended_at"),  # ends in the future
])
def test_recorded_time_out_of_bounds_answers_400_naming_the_field(api, company, user, start, end, attr):
    _work_order, (first, _second) = _released_operations(api, company, user)
    now = timezone.now()
    response = api.post(f"{BASE}/operations/{first.pk}/record-time/",
                        {"started_at": (now + datetime.timedelta(minutes=start)).isoformat(),
                         "ended_at": (now + datetime.timedelta(minutes=end)).isoformat()}, format="json")
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert [e["attr"] for e in response.json()["errors"]] == [attr]
    assert not OperationTimeLog.objects.exists()
    first.refresh_from_db()
    assert first.status == "pending"


def test_recorded_time_input_is_checked_naming_the_field(api, company, user):
    _work_order, (first, _second) = _released_operations(api, company, user)
    end = timezone.now() - datetime.timedelta(hours=1)
    url = f"{BASE}/operations/{first.pk}/record-time/"
    for payload, attr in (({"ended_at": end.isoformat()}, "started_at"),
                          ({"started_at": (end - datetime.timedelta(hours=1)).isoformat(), "ended_at": end.isoformat(),
                            "kind": "lunch"}, "kind")):
        response = api.post(url, payload, format="json")
        assert response.status_code == 400, response.content
        assert response["Content-Type"] == "application/problem+json"
        assert [e["attr"] for e in response.json()["errors"]] == [attr]
    assert not OperationTimeLog.objects.exists()


def test_time_is_recorded_only_on_released_work_orders_of_the_users_company(api, company, other_company, user):
    plant = build_plant(company, user)
    work_order = WorkOrderFactory(company=company, definition=plant.definition)
    api.post(f"{BASE}/work-orders/{work_order.pk}/release/", {}, format="json")
    assert api.post(f"{BASE}/work-orders/{work_order.pk}/cancel/", {}, format="json").json()["status"] == "cancelled"
    operation = work_order.operations.order_by("sequence").first()
    end = timezone.now() - datetime.timedelta(hours=1)
    payload = {"started_at": (end - datetime.timedelta(hours=1)).isoformat(), "ended_at": end.isoformat()}
    response = api.post(f"{BASE}/operations/{operation.pk}/record-time/", payload, format="json")
    assert response.status_code == 409, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["errors"][0]["attr"] == "status"
    theirs = OperationFactory(work_order__company=other_company)
    assert api.post(f"{BASE}/operations/{theirs.pk}/record-time/", payload, format="json").status_code == 404
    assert not OperationTimeLog.objects.exists()


def test_a_role_without_mes_change_cannot_record_time(api, company, user, make_user, api_for):
    _work_order, (first, _second) = _released_operations(api, company, user)
    end = timezone.now() - datetime.timedelta(hours=1)
    response = api_for(make_user(company, "Sales")).post(
        f"{BASE}/operations/{first.pk}/record-time/",
        {"started_at": (end - datetime.timedelta(hours=1)).isoformat(), "ended_at": end.isoformat()}, format="json")
    assert response.status_code == 403, response.content
    assert not OperationTimeLog.objects.exists()


def test_a_finish_is_reported_after_the_fact_through_the_api(api, company, user):
    _work_order, (first, _second) = _released_operations(api, company, user)
    end = timezone.now().replace(microsecond=0) - datetime.timedelta(hours=2)
    api.post(f"{BASE}/operations/{first.pk}/record-time/",
             {"started_at": (end - datetime.timedelta(hours=1)).isoformat(), "ended_at": end.isoformat()},
             format="json")
    url = f"{BASE}/operations/{first.pk}/finish/"
    for finished_at in (timezone.now() + datetime.timedelta(hours=1), end - datetime.timedelta(hours=2)):
        response = api.post(url, {"quantity_good": "10", "finished_at": finished_at.isoformat()}, format="json")
        assert response.status_code == 400, response.content
        assert [e["attr"] for e in response.json()["errors"]] == ["finished_at"]
    response = api.post(url, {"quantity_good": "10", "finished_at": end.isoformat()}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["actual_end"]) == ("done", end.isoformat().replace("+00:00", "Z"))
