"""The machine-signals API: bulk POST (same effects as MQTT, duplicates ignored, bad rows named), read, scoping."""

import datetime

import pytest
from django.utils import timezone

from apps.mes.models import DowntimeEvent, MachineSignal
from tests.mes.signal_plant import EXPECTED_DOWNTIME, SEQUENCE, assert_hand_computed, connected_plant, downtime_of, iso

pytestmark = pytest.mark.urls("tests.mes.urls")
URL = "/api/v1/mes/machine-signals/"


@pytest.fixture
def plant(company):
    return connected_plant(company)


def bulk_rows(base, equipment="M1", work_center="CNC1") -> list[dict]:
    return [{"equipment": equipment, "work_center": work_center, "kind": kind, "ts": iso(base, minute), **values}
            for minute, kind, values in SEQUENCE]


def test_bulk_post_gives_the_hand_computed_result_and_is_idempotent(api, plant):
    response = api.post(URL, bulk_rows(plant["base"]), format="json")
    assert response.status_code == 201, response.content
    assert response.json() == {"stored": 10, "duplicates": 0}
    assert_hand_computed(plant)
    again = api.post(URL, list(reversed(bulk_rows(plant["base"]))), format="json")
    assert again.json() == {"stored": 0, "duplicates": 10}
    assert_hand_computed(plant)


def test_bulk_rows_are_checked_whole_naming_the_row(api, plant):
    base = plant["base"]
    future = (timezone.now() + datetime.timedelta(hours=2)).isoformat()
    cases = [
        ([{"equipment": "M1", "work_center": "CNC1", "kind": "state", "ts": iso(base, 0)}], "0.state"),
        ([*bulk_rows(base)[:2], {"equipment": "NOPE", "work_center": "CNC1", "kind": "state", "ts": iso(base, 1),
                                 "state": "idle"}], "2.equipment"),
        ([{"equipment": "M1", "work_center": "CNC1", "kind": "count", "ts": future, "good": 1}], "0.ts"),
        ([{"equipment": "M1", "work_center": "CNC1", "kind": "count", "ts": iso(base, 0), "good": -3}], "0.good"),
        ([{"equipment": "M1", "work_center": "CNC1", "kind": "noise", "ts": iso(base, 0)}], "0.kind"),
    ]
    for body, attr in cases:
        response = api.post(URL, body, format="json")
        assert response.status_code == 400, (attr, response.content)
        assert response["Content-Type"].startswith("application/problem+json")
        assert attr in [e["attr"] for e in response.json()["errors"]], (attr, response.json())
    assert response.status_code == 400
    assert api.post(URL, [], format="json").status_code == 400
    assert api.post(URL, {"equipment": "M1"}, format="json").status_code == 400
    assert not MachineSignal.objects.exists()
    assert not DowntimeEvent.objects.exists()


def test_another_companys_equipment_is_unknown_here(api_for, plant, other_company, make_user):
    outsider = api_for(make_user(other_company, "Integrator"))
    response = outsider.post(URL, bulk_rows(plant["base"]), format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "0.equipment"
    assert not MachineSignal.objects.exists()
    assert outsider.get(URL).json()["count"] == 0


def test_a_role_without_the_permission_may_not_post(api_for, plant, company, make_user):
    response = api_for(make_user(company, "Sales")).post(URL, bulk_rows(plant["base"]), format="json")
    assert response.status_code == 403
    assert not MachineSignal.objects.exists()


def test_read_lists_and_filters_the_signals(api, plant):
    api.post(URL, bulk_rows(plant["base"]), format="json")
    body = api.get(URL, {"kind": "state", "ordering": "ts"}).json()
    assert [(r["equipment_code"], r["state"]) for r in body["results"]][:3] == [
        ("M1", "running"), ("M1", "down"), ("M1", "idle")]
    assert body["count"] == 7
    counts = api.get(URL, {"kind": "count"}).json()["results"]
    assert {r["operation"] for r in counts} == {plant["operation"].pk}
    downtime = api.get("/api/v1/mes/downtime/", {"source": "machine", "ordering": "start"}).json()["results"]
    assert [(d["machine_reason"], d["end"] is None) for d in downtime] == [("JAM", False), ("XX9", False),
                                                                            ("jam", True)]
    assert downtime_of(plant["machine"]) == EXPECTED_DOWNTIME


def test_equipment_connection_fields_through_the_work_center(api, plant):
    url = f"/api/v1/mes/work-centers/{plant['work_center'].pk}/"
    api.post(URL, bulk_rows(plant["base"]), format="json")
    response = api.patch(url, {"equipment": [
        {"code": "M1", "name": "Lathe", "connection": "opcua", "opcua_endpoint": "opc.tcp://10.0.0.5:4840",
         "opcua_state_node": "ns=2;s=M1.State"}]}, format="json")
    assert response.status_code == 200, response.content
    machine = response.json()["equipment"][0]
    assert (machine["connection"], machine["opcua_state_node"], machine["machine_state"]) == (
        "opcua", "ns=2;s=M1.State", "down")
    plant["machine"].refresh_from_db()
    assert plant["machine"].name == "Lathe"  # the same row: its signals and downtime stay
    removed = api.patch(url, {"equipment": []}, format="json")
    assert removed.status_code == 400
    assert removed.json()["errors"][0]["attr"] == "equipment.0"


def test_the_operation_shows_the_machines_count(api, plant):
    api.post(URL, bulk_rows(plant["base"]), format="json")
    body = api.get(f"/api/v1/mes/operations/{plant['operation'].pk}/").json()
    assert (body["machine_good"], body["machine_scrap"], body["quantity_good"]) == (23, 2, "0.0000")
