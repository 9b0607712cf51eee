"""Quality, downtime and OEE API: CRUD, company isolation, problem+json naming fields, 409 on illegal steps."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.core.models import Event
from apps.mes.choices import OperationStatus
from apps.mes.models import DowntimeEvent, NonConformance, QualityCheck
from apps.scm.models import StockQuant
from tests.mes.factories import (
    CheckDefinitionFactory,
    DowntimeEventFactory,
    DowntimeReasonFactory,
    InspectionPlanFactory,
    NonConformanceFactory,
    OperationFactory,
    QualityCheckFactory,
    WorkCenterFactory,
)
from tests.mes.quality_helpers import held_receipt
from tests.mes.test_oee import MONDAY, TUESDAY
from tests.mes.test_oee import example as example  # the hand-computed OEE fixture
from tests.mes.test_oee import lathe as lathe
from tests.mixins import CompanyOwnedAPIResourceTests, DeletableAPIResourceTests, FilterableAPIResourceTests
from tests.plm.factories import ItemFactory

pytestmark = pytest.mark.urls("tests.mes.urls")
API = "/api/v1/mes"
YEAR = timezone.localdate().year


def problem(response, status: int) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    return response.json()


def attrs(body: dict) -> list:
    return [e["attr"] for e in body["errors"]]


# ---- generic CRUD of the master data ---------------------------------------------------------------------------
class TestInspectionPlanAPI(DeletableAPIResourceTests, CompanyOwnedAPIResourceTests, FilterableAPIResourceTests):
    list_url = f"{API}/inspection-plans/"
    factory = InspectionPlanFactory
    allowed_role, denied_role = "Quality", "Sales"
    update_payload = {"name": "Renamed plan"}
    filter_cases = [({"is_active": "false"}, {"is_active": False}, {"is_active": True})]

    @staticmethod
    def create_payload(company):
        return {"item": ItemFactory(made=True, company=company).pk, "name": "Incoming bolts", "operation_sequence": 20,
                "checks": [{"name": "Length", "kind": "measurement", "nominal": "40.000000",
                            "lower_tolerance": "0.100000", "upper_tolerance": "0.200000", "unit": "mm"}]}


class TestDowntimeReasonAPI(DeletableAPIResourceTests, CompanyOwnedAPIResourceTests, FilterableAPIResourceTests):
    list_url = f"{API}/downtime-reasons/"
    factory = DowntimeReasonFactory
    allowed_role, denied_role = "Production", "Sales"
    create_payload = {"code": "SETUP", "name": "Changeover", "kind": "planned"}
    update_payload = {"name": "Tool change"}
    filter_cases = [({"kind": "planned"}, {"kind": "planned"}, {"kind": "unplanned"})]


class TestDowntimeAPI(DeletableAPIResourceTests, CompanyOwnedAPIResourceTests, FilterableAPIResourceTests):
    list_url = f"{API}/downtime/"
    factory = DowntimeEventFactory
    allowed_role, denied_role = "Production", "Sales"
    update_payload = {"notes": "Bearing replaced"}
    filter_cases = [({"kind": "planned"}, {"reason__kind": "planned"}, {"reason__kind": "unplanned"})]

    @staticmethod
    def create_payload(company):
        return {"work_center": WorkCenterFactory(company=company).pk,
                "reason": DowntimeReasonFactory(company=company).pk,
                "start": "2027-01-04T08:00:00Z", "end": "2027-01-04T09:30:00Z", "notes": "Spindle"}


def test_downtime_rules_answer_400_naming_the_field(company, api):
    work_center, reason = WorkCenterFactory(company=company), DowntimeReasonFactory(company=company)
    payload = {"work_center": work_center.pk, "reason": reason.pk, "start": "2027-01-04T08:00:00Z",
               "end": "2027-01-04T08:00:00Z"}
    body = problem(api.post(f"{API}/downtime/", payload, format="json"), 400)
    assert attrs(body) == ["end"]
    assert api.post(f"{API}/downtime/", {**payload, "end": "2027-01-04T09:00:00Z"}, format="json").status_code == 201
    body = problem(api.post(f"{API}/downtime/", {**payload, "start": "2027-01-04T08:30:00Z",
                                                  "end": "2027-01-04T10:00:00Z"}, format="json"), 400)
    assert body["errors"][0] == {"attr": "start", "code": "overlap", "detail": body["errors"][0]["detail"]}
    assert DowntimeEvent.objects.count() == 1


def test_duplicate_codes_and_names_answer_400_naming_the_field(company, api):
    DowntimeReasonFactory(company=company, code="PM")
    body = problem(api.post(f"{API}/downtime-reasons/", {"code": "PM", "name": "x", "kind": "planned"},
                            format="json"), 400)
    assert attrs(body) == ["code"]
    plan = InspectionPlanFactory(company=company, name="Final")
    body = problem(api.post(f"{API}/inspection-plans/", {"item": plan.item_id, "name": "Final"}, format="json"), 400)
    assert attrs(body) == ["name"]


def test_downtime_with_another_companys_reason_is_refused(company, other_company, api):
    payload = {"work_center": WorkCenterFactory(company=company).pk,
               "reason": DowntimeReasonFactory(company=other_company).pk,
               "start": "2027-01-04T08:00:00Z", "end": "2027-01-04T09:00:00Z"}
    assert attrs(problem(api.post(f"{API}/downtime/", payload, format="json"), 400)) == ["reason"]


# ---- quality checks ---------------------------------------------------------------------------------------------
@pytest.fixture
def operation(company):
    return OperationFactory(work_order__company=company, work_order__number="WO-A-00001", sequence=10,
                            status=OperationStatus.IN_PROGRESS)


@pytest.fixture
def bore(operation):
    plan = InspectionPlanFactory(company=operation.work_order.company, item=operation.work_order.item)
    return CheckDefinitionFactory(plan=plan)


def test_recording_a_failing_measurement_blocks_and_raises(company, api, operation, bore):
    response = api.post(f"{API}/quality-checks/", {"check_definition": bore.pk, "operation": operation.pk,
                                                    "measured_value": "10.3", "quantity": "2"}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["result"], body["passed"], body["kind"]) == ("fail", False, "measurement")
    assert (body["lower_limit"], body["upper_limit"], body["unit"]) == ("9.950000", "10.100000", "mm")
    assert body["nonconformance"] == f"NC-{YEAR}-00001"
    assert body["item"] == operation.work_order.item_id
    operation.refresh_from_db()
    assert operation.quality_blocked is True
    assert Event.objects.filter(name="mes.nonconformance.raised").count() == 1


def test_recording_a_pass(company, api, operation, bore):
    response = api.post(f"{API}/quality-checks/", {"check_definition": bore.pk, "operation": operation.pk,
                                                    "measured_value": "10.05"}, format="json")
    assert response.status_code == 201, response.content
    assert (response.json()["result"], response.json()["nonconformance"]) == ("pass", None)
    assert NonConformance.objects.count() == 0


@pytest.mark.parametrize(("payload", "attr"), [
    ({"measured_value": None}, "measured_value"),
    ({"passed": True}, "passed"),
    ({"operation": None}, "operation"),
    ({"quantity": "0"}, "quantity"),
    ({"measured_value": "x"}, "measured_value"),
])
def test_invalid_check_answers_400_naming_the_field(company, api, operation, bore, payload, attr):
    data = {"check_definition": bore.pk, "operation": operation.pk, "measured_value": "10", **payload}
    body = problem(api.post(f"{API}/quality-checks/", data, format="json"), 400)
    assert attrs(body) == [attr]
    assert QualityCheck.objects.count() == 0


def test_check_on_another_companys_operation_is_refused(company, other_company, api, bore):
    theirs = OperationFactory(work_order__company=other_company, status=OperationStatus.IN_PROGRESS)
    body = problem(api.post(f"{API}/quality-checks/", {"name": "Visual", "operation": theirs.pk, "passed": False},
                            format="json"), 400)
    assert attrs(body) == ["operation"]
    assert QualityCheck.objects.count() == 0


def test_check_on_a_done_operation_answers_409(company, api, operation, bore):
    type(operation).objects.filter(pk=operation.pk).update(status=OperationStatus.DONE)
    body = problem(api.post(f"{API}/quality-checks/", {"check_definition": bore.pk, "operation": operation.pk,
                                                        "measured_value": "10"}, format="json"), 409)
    assert attrs(body) == ["operation"]


def test_checks_are_immutable_and_isolated(company, other_company, api):
    mine, theirs = QualityCheckFactory(company=company), QualityCheckFactory(company=other_company)
    ids = {r["id"] for r in api.get(f"{API}/quality-checks/").json()["results"]}
    assert ids == {mine.pk}
    assert api.get(f"{API}/quality-checks/{theirs.pk}/").status_code == 404
    assert api.patch(f"{API}/quality-checks/{mine.pk}/", {"notes": "x"}, format="json").status_code == 405
    assert api.delete(f"{API}/quality-checks/{mine.pk}/").status_code == 405
    assert api.get(f"{API}/quality-checks/", {"result": "fail"}).json()["count"] == 0


# ---- non-conformances ------------------------------------------------------------------------------------------
def test_nonconformance_lifecycle(company, api, user):
    item = ItemFactory(made=True, company=company, number="HOUSING-7")
    response = api.post(f"{API}/nonconformances/", {"item": item.pk, "description": "Porosity", "quantity": "5",
                                                     "reference": "Line audit", "owner": user.pk}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["number"], body["status"], body["item_number"]) == (f"NC-{YEAR}-00001", "open", "HOUSING-7")
    assert body["allowed_transitions"] == ["disposition"]
    url = f"{API}/nonconformances/{body['id']}/"

    body = problem(api.post(f"{url}close/", {}, format="json"), 409)
    assert body["type"] == "urn:millwright:problem:transition_not_allowed"
    assert (body["current"], body["requested"], body["allowed_transitions"]) == ("open", "closed", ["disposition"])

    assert attrs(problem(api.post(f"{url}disposition/", {"disposition": "burn"}, format="json"), 400)) == [
        "disposition"]
    response = api.post(f"{url}disposition/", {"disposition": "rework", "notes": "Re-impregnate"}, format="json")
    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["disposition"]) == ("dispositioned", "rework")
    assert response.json()["allowed_transitions"] == ["close"]
    body = problem(api.post(f"{url}disposition/", {"disposition": "scrap"}, format="json"), 409)
    assert body["detail"] == f"status: Non-conformance {response.json()['number']} is already dispositioned."

    response = api.post(f"{url}close/", {}, format="json")
    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["closed_on"]) == ("closed", timezone.localdate().isoformat())
    assert response.json()["allowed_transitions"] == []
    problem(api.post(f"{url}disposition/", {"disposition": "scrap"}, format="json"), 409)


@pytest.mark.parametrize(("payload", "attr"), [
    ({"description": ""}, "description"),
    ({"quantity": "0"}, "quantity"),
    ({"item": None}, "item"),
])
def test_invalid_nonconformance_answers_400(company, api, payload, attr):
    data = {"item": ItemFactory(made=True, company=company).pk, "description": "x", "quantity": "1", **payload}
    assert attrs(problem(api.post(f"{API}/nonconformances/", data, format="json"), 400)) == [attr]
    assert NonConformance.objects.count() == 0


def test_nonconformances_of_another_company_answer_404(company, other_company, api):
    theirs = NonConformanceFactory(company=other_company)
    assert api.get(f"{API}/nonconformances/{theirs.pk}/").status_code == 404
    assert api.post(f"{API}/nonconformances/{theirs.pk}/disposition/", {"disposition": "scrap"},
                    format="json").status_code == 404
    assert api.post(f"{API}/nonconformances/{theirs.pk}/close/", {}, format="json").status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == "open"
    body = problem(api.post(f"{API}/nonconformances/", {"item": ItemFactory(made=True, company=other_company).pk,
                                                        "description": "x", "quantity": "1"}, format="json"), 400)
    assert attrs(body) == ["item"]


def test_role_without_change_permission_gets_403_on_workflow_steps(company, make_user, api_for):
    nc = NonConformanceFactory(company=company)
    client = api_for(make_user(company, "Sales"))
    assert client.get(f"{API}/nonconformances/{nc.pk}/").json()["allowed_transitions"] == []
    assert client.post(f"{API}/nonconformances/{nc.pk}/disposition/", {"disposition": "scrap"},
                       format="json").status_code == 403
    nc.refresh_from_db()
    assert nc.status == "open"


# ---- OEE ---------------------------------------------------------------------------------------------------------
def test_oee_endpoint_returns_days_and_total(company, api, example):
    response = api.get(f"{API}/work-centers/{example.pk}/oee/", {"date_from": MONDAY.isoformat(),
                                                                  "date_to": TUESDAY.isoformat()})
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["work_center"], body["work_center_code"]) == (example.pk, "LATHE")
    monday = body["days"][0]
    assert monday["date"] == "2026-03-02"
    assert (monday["availability"], monday["performance"], monday["quality"], monday["oee"]) == (
        "0.8000", "0.9000", "0.9500", "0.6840")
    assert (monday["planned_production_minutes"], monday["run_minutes"], monday["ideal_minutes"]) == (
        "400.00", "320.00", "288.00")
    assert (body["total"]["date"], body["total"]["oee"]) == (None, "0.5268")


def test_oee_endpoint_validates_dates_and_isolates_companies(company, other_company, api, lathe):
    url = f"{API}/work-centers/{lathe.pk}/oee/"
    assert attrs(problem(api.get(url, {"date_to": "2026-03-02"}), 400)) == ["date_from"]
    assert attrs(problem(api.get(url, {"date_from": "2026-03-03", "date_to": "2026-03-02"}), 400)) == ["date_to"]
    theirs = WorkCenterFactory(company=other_company)
    problem(api.get(f"{API}/work-centers/{theirs.pk}/oee/", {"date_from": "2026-03-02", "date_to": "2026-03-02"}),
            404)
    day = api.get(url, {"date_from": (MONDAY - datetime.timedelta(days=1)).isoformat(),
                        "date_to": (MONDAY - datetime.timedelta(days=1)).isoformat()}).json()["days"][0]
    assert (day["availability"], day["oee"]) == (None, None)


# ---- incoming inspection ----------------------------------------------------------------------------------------
def test_held_stock_release_and_reject(company, other_company, user, other_user, api):
    held = held_receipt(company, user, Decimal(10))
    theirs = held_receipt(other_company, other_user, Decimal(5))
    rows = api.get(f"{API}/held-stock/").json()["results"]
    assert [(r["item_number"], r["location_code"], r["available"]) for r in rows] == [
        (held.item.number, held.hold.code, "10.0000")]
    quant = rows[0]["id"]

    response = api.post(f"{API}/held-stock/{quant}/release/", {"quantity": "4", "to_location": held.stock.pk},
                        format="json")
    assert response.status_code == 200, response.content
    assert response.json()["on_hand"] == "6.0000"

    body = problem(api.post(f"{API}/held-stock/{quant}/release/", {"quantity": "7", "to_location": held.stock.pk},
                            format="json"), 409)
    assert attrs(body) == ["quantity"]
    assert body["available"] == "6.0000"
    assert attrs(problem(api.post(f"{API}/held-stock/{quant}/release/", {"quantity": "1",
                                                                          "to_location": held.hold.pk},
                                  format="json"), 400)) == ["to_location"]

    response = api.post(f"{API}/held-stock/{quant}/reject/", {"quantity": "6", "destination": "supplier",
                                                               "description": "Wrong grade"}, format="json")
    assert response.status_code == 201, response.content
    assert (response.json()["disposition"], response.json()["status"], response.json()["reference"]) == (
        "return_to_supplier", "dispositioned", held.receipt.number)
    assert api.get(f"{API}/held-stock/").json()["count"] == 0

    their_quant = StockQuant.objects.get(location=theirs.hold)
    assert api.post(f"{API}/held-stock/{their_quant.pk}/release/", {"quantity": "1", "to_location": held.stock.pk},
                    format="json").status_code == 404
    response = api.post(f"{API}/held-stock/{their_quant.pk}/reject/", {"quantity": "1", "destination": "scrap",
                                                                        "description": "x"}, format="json")
    assert response.status_code == 404
    their_quant.refresh_from_db()
    assert their_quant.on_hand == Decimal(5)


def test_held_stock_decisions_need_quality_permission(company, user, make_user, api_for):
    held = held_receipt(company, user, Decimal(2))
    quant = StockQuant.objects.get(location=held.hold)
    sales = api_for(make_user(company, "Sales"))
    assert sales.get(f"{API}/held-stock/").status_code == 200
    assert sales.post(f"{API}/held-stock/{quant.pk}/release/", {"quantity": "1", "to_location": held.stock.pk},
                      format="json").status_code == 403
    quality = api_for(make_user(company, "Quality"))
    assert quality.post(f"{API}/held-stock/{quant.pk}/release/", {"quantity": "1", "to_location": held.stock.pk},
                        format="json").status_code == 200
