"""The PLM API: CRUD, structure queries, documents, import, ECO actions, problem+json, isolation."""

import hashlib
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.plm.models import BomLine, ChangeOrder, Item
from tests.mixins import (
    CompanyOwnedAPIResourceTests,
    DeletableAPIResourceTests,
    FilterableAPIResourceTests,
)
from tests.plm.conftest import draft
from tests.plm.factories import (
    BomLineFactory,
    ChangeApprovalRuleFactory,
    ChangeOrderFactory,
    ChangeRequestFactory,
    DocumentFactory,
    ItemCategoryFactory,
    ItemFactory,
    RevisionFactory,
    unit,
)

pytestmark = pytest.mark.django_db
BASE = "/api/v1/plm"


# ---- the generic resource tests (CRUD, audit, isolation 404, 403 per role, filters, no N+1) ----------------


class TestItemCategoryAPI(DeletableAPIResourceTests, CompanyOwnedAPIResourceTests, FilterableAPIResourceTests):
    list_url = f"{BASE}/categories/"
    factory = ItemCategoryFactory
    allowed_role, denied_role = "Engineering", "Sales"
    create_payload = {"name": "Fasteners"}
    update_payload = {"name": "Fasteners (metric)"}
    filter_cases = [({"search": "weld"}, {"name": "Weldments"}, {"name": "Castings"})]


class TestItemAPI(DeletableAPIResourceTests, CompanyOwnedAPIResourceTests, FilterableAPIResourceTests):
    list_url = f"{BASE}/items/"
    factory = ItemFactory
    allowed_role, denied_role = "Engineering", "Quality"
    update_payload = {"name": "Bracket, welded", "standard_cost": "3.2500"}
    filter_cases = [({"item_type": "make"}, {"item_type": "make"}, {"item_type": "buy"}),
                    ({"search": "flange"}, {"name": "Flange DN50"}, {"name": "Shaft"})]
    max_list_queries = 6

    @staticmethod
    def create_payload(company):
        return {"number": "BK-9", "name": "Bracket", "uom": unit("ea").pk, "item_type": "make",
                "tracking": "none", "standard_cost": "2.5000", "category": ItemCategoryFactory(company=company).pk}


class TestRevisionAPI(DeletableAPIResourceTests, CompanyOwnedAPIResourceTests, FilterableAPIResourceTests):
    list_url = f"{BASE}/revisions/"
    factory = RevisionFactory
    allowed_role, denied_role = "Engineering", "Quality"
    update_payload = {"notes": "Thicker plate", "effective_from": "2027-03-01"}
    filter_cases = [({"status": "draft"}, {"status": "draft"}, {"status": "released"}),
                    ({"code": "C"}, {"code": "C"}, {"code": "D"})]
    child_factories = [(BomLineFactory, "revision")]
    max_list_queries = 8

    @staticmethod
    def create_payload(company):
        return {"item": ItemFactory(company=company).pk, "notes": "First issue"}


class TestBomLineAPI(DeletableAPIResourceTests, CompanyOwnedAPIResourceTests):
    list_url = f"{BASE}/bom-lines/"
    factory = BomLineFactory
    allowed_role, denied_role = "Engineering", "Quality"
    update_payload = {"quantity": "3.5000", "reference_designators": "R1 R2"}
    max_list_queries = 6

    @staticmethod
    def create_payload(company):
        return {"revision": RevisionFactory(item__company=company).pk, "component": ItemFactory(company=company).pk,
                "quantity": "2.0000", "position": 10}


class TestDocumentAPI(DeletableAPIResourceTests, CompanyOwnedAPIResourceTests, FilterableAPIResourceTests):
    list_url = f"{BASE}/documents/"
    factory = DocumentFactory
    allowed_role, denied_role = "Engineering", "Quality"
    update_payload = {"title": "Assembly drawing", "version": "2"}
    filter_cases = [({"search": "wiring"}, {"title": "Wiring diagram"}, {"title": "Frame drawing"})]
    max_list_queries = 6

    @staticmethod
    def request_format(payload: dict) -> str:
        return "multipart"  # a document's body is an upload form, with or without a new file (one body type)

    @staticmethod
    def create_payload(company):
        return {"item": ItemFactory(company=company).pk, "title": "Drawing", "version": "1",
                "file": SimpleUploadedFile("bk.pdf", b"%PDF bracket")}


class TestChangeRequestAPI(DeletableAPIResourceTests, CompanyOwnedAPIResourceTests, FilterableAPIResourceTests):
    list_url = f"{BASE}/change-requests/"
    factory = ChangeRequestFactory
    allowed_role, denied_role = "Engineering", "Sales"
    create_payload = {"title": "Bracket cracks", "problem": "Cracks at the weld seam."}
    update_payload = {"title": "Bracket cracks under load", "reference": "NC-7"}
    filter_cases = [({"status": "accepted"}, {"status": "accepted"}, {"status": "open"}),
                    ({"search": "hinge"}, {"title": "Hinge squeaks"}, {"title": "Paint flakes"})]
    max_list_queries = 7

    def add_children(self, row):
        row.affected_items.add(ItemFactory(company=row.company), ItemFactory(company=row.company))


class TestChangeOrderAPI(DeletableAPIResourceTests, CompanyOwnedAPIResourceTests, FilterableAPIResourceTests):
    list_url = f"{BASE}/change-orders/"
    factory = ChangeOrderFactory
    allowed_role, denied_role = "Engineering", "Quality"
    update_payload = {"title": "Thicker bracket", "reason": "Cracks"}
    filter_cases = [({"status": "submitted"}, {"status": "submitted"}, {"status": "draft"})]
    max_list_queries = 10

    @staticmethod
    def create_payload(company):
        return {"title": "Release BK-9", "reason": "New part",
                "revisions": [RevisionFactory(item__company=company).pk]}

    def add_children(self, row):
        """Two revisions to release."""
        row.revisions.add(*(RevisionFactory(item__company=row.company) for _ in range(2)))


class TestChangeApprovalRuleAPI(DeletableAPIResourceTests, CompanyOwnedAPIResourceTests):
    list_url = f"{BASE}/approval-rules/"
    factory = ChangeApprovalRuleFactory
    allowed_role, denied_role = "Engineering", "Quality"
    update_payload = {"required_count": 2}
    max_list_queries = 6

    @staticmethod
    def create_payload(company):
        return {"role": Group.objects.get(name="Quality").pk, "required_count": 2}


def test_item_crud(api):
    response = api.post(f"{BASE}/items/", {"number": "BK-1", "name": "Bracket", "uom": unit("ea").pk,
                                           "item_type": "make", "standard_cost": "2.50"}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["number"], body["lifecycle_state"], body["current_revision"], body["standard_cost"]) == (
        "BK-1", "draft", None, "2.5000")
    item_id = body["id"]
    assert api.patch(f"{BASE}/items/{item_id}/", {"name": "Bracket 2"}, format="json").json()["name"] == "Bracket 2"
    assert [i["number"] for i in api.get(f"{BASE}/items/").json()["results"]] == ["BK-1"]
    assert api.delete(f"{BASE}/items/{item_id}/").status_code == 204
    assert not Item.objects.exists()


def test_bad_item_number_is_problem_json_naming_number(api):
    response = api.post(f"{BASE}/items/", {"number": "bad number", "name": "x", "uom": unit("ea").pk}, format="json")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["errors"][0]["attr"] == "number"


def test_bom_line_rules_answer_problem_json_with_attr(api, tractor, user):
    revision = draft(tractor["TUBE-1"])
    zero = api.post(f"{BASE}/bom-lines/", {"revision": draft(tractor["TR-1"]).pk, "component": tractor["RIM-1"].pk,
                                           "quantity": "0"}, format="json")
    assert zero.status_code == 400
    assert zero["Content-Type"] == "application/problem+json"
    assert [e["attr"] for e in zero.json()["errors"]] == ["quantity"]
    cycle = api.post(f"{BASE}/bom-lines/", {"revision": revision.pk, "component": tractor["TR-1"].pk,
                                            "quantity": "1"}, format="json")
    assert cycle.status_code == 400
    assert cycle.json()["errors"][0]["attr"] == "component"
    assert "cycle" in cycle.json()["detail"]
    unit_mismatch = api.post(f"{BASE}/bom-lines/", {"revision": revision.pk, "component": tractor["PAINT-1"].pk,
                                                    "quantity": "1", "uom": unit("m").pk}, format="json")
    assert unit_mismatch.json()["errors"][0]["attr"] == "uom"
    ok = api.post(f"{BASE}/bom-lines/", {"revision": revision.pk, "component": tractor["PAINT-1"].pk,
                                         "quantity": "0.2"}, format="json")
    assert ok.status_code == 201
    assert (ok.json()["uom"], ok.json()["component_number"]) == (unit("kg").pk, "PAINT-1")


def test_lines_of_released_revision_answer_409(api, new_item, add_line, release):
    parent, part = new_item("ASM-1"), new_item("PART-1")
    line = add_line(parent, part, "2")
    release(parent, part)
    response = api.patch(f"{BASE}/bom-lines/{line.pk}/", {"quantity": "5"}, format="json")
    assert response.status_code == 409
    assert response.json()["errors"][0]["attr"] == "revision"
    assert api.delete(f"{BASE}/bom-lines/{line.pk}/").status_code == 409
    assert BomLine.objects.get().quantity == Decimal(2)


def test_explode_where_used_summary_cost_compare(api, tractor):
    top = tractor["TR-1"].pk
    rows = api.get(f"{BASE}/items/{top}/explode/?quantity=10").json()
    assert [(r["level"], r["number"], r["quantity_per"], r["total_quantity"]) for r in rows][:3] == [
        (1, "WHEEL-1", "2.0000", "20.0000"), (2, "RIM-1", "1.0000", "20.0000"), (2, "BOLT-1", "4.0000", "80.0000")]
    assert rows[0]["item"] == tractor["WHEEL-1"].pk
    bad = api.get(f"{BASE}/items/{top}/explode/?quantity=-1")
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["attr"] == "quantity"
    summary = {r["number"]: r["total_quantity"] for r in api.get(f"{BASE}/items/{top}/bom-summary/").json()}
    assert summary["BOLT-1"] == "16.0000"
    used = api.get(f"{BASE}/items/{tractor['BOLT-1'].pk}/where-used/").json()
    assert [(r["level"], r["number"]) for r in used] == [(1, "TR-1"), (1, "WHEEL-1"), (2, "TR-1")]
    cost = api.get(f"{BASE}/items/{top}/cost-rollup/?quantity=2").json()
    assert (cost["unit_cost"], cost["total_cost"]) == ("68.5000", "137.0000")
    frame = draft(tractor["FRAME-1"])
    compare = api.get(f"{BASE}/revisions/{frame.pk}/compare/?to={draft(tractor['WHEEL-1']).pk}").json()
    assert [r["number"] for r in compare["added"]] == ["BOLT-1", "RIM-1"]
    assert [r["number"] for r in compare["removed"]] == ["PAINT-1", "TUBE-1"]


def test_revisions_list_nests_bom_lines_and_revise(api, new_item, add_line, release):
    parent, part = new_item("ASM-1"), new_item("PART-1")
    add_line(parent, part, "3")
    release(parent, part)
    rev_a = parent.revisions.get()
    body = api.get(f"{BASE}/revisions/{rev_a.pk}/").json()
    assert (body["code"], body["status"], [ln["quantity"] for ln in body["bom_lines"]]) == ("A", "released", ["3.0000"])
    assert api.patch(f"{BASE}/revisions/{rev_a.pk}/", {"notes": "x"}, format="json").status_code == 409
    revised = api.post(f"{BASE}/revisions/{rev_a.pk}/revise/")
    assert revised.status_code == 200
    assert (revised.json()["code"], revised.json()["status"], len(revised.json()["bom_lines"])) == ("B", "draft", 1)
    assert api.post(f"{BASE}/revisions/", {"item": parent.pk}, format="json").status_code == 409


def test_document_upload_download_and_frozen(api, new_item, release):
    item = new_item("BK-1")
    revision = draft(item)
    content = b"%PDF drawing"
    response = api.post(f"{BASE}/documents/", {"file": SimpleUploadedFile("bk.pdf", content), "revision": revision.pk,
                                               "title": "Drawing", "version": "3",
                                               "checksum": hashlib.sha256(content).hexdigest()}, format="multipart")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["item"], body["checksum"], body["version"], body["size"]) == (
        item.pk, hashlib.sha256(content).hexdigest(), "3", len(content))
    download = api.get(f"{BASE}/documents/{body['id']}/download/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == content
    bad = api.post(f"{BASE}/documents/", {"file": SimpleUploadedFile("x.pdf", b"x"), "item": item.pk, "title": "X",
                                          "checksum": "0" * 64}, format="multipart")
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["attr"] == "checksum"
    release(item)
    frozen = api.post(f"{BASE}/documents/", {"file": SimpleUploadedFile("y.pdf", b"y"), "revision": revision.pk,
                                             "title": "Y"}, format="multipart")
    assert frozen.status_code == 409
    assert api.delete(f"{BASE}/documents/{body['id']}/").status_code == 409


def test_item_import_dry_run_and_confirm(api):
    csv = b"number,name,item_type,uom,standard_cost\nBK-1,Bracket,make,ea,2\nBK-2,,buy,zz,1\n"
    preview = api.post(f"{BASE}/items/import/", {"file": SimpleUploadedFile("i.csv", csv)}, format="multipart")
    assert preview.status_code == 200
    body = preview.json()
    assert (body["dry_run"], body["valid"], body["totals"]["error"]) == (True, False, 1)
    assert body["rows"][1]["errors"] == {"name": "Required.", "uom": "Unknown unit of measure 'zz'."}
    failed = api.post(f"{BASE}/items/import/", {"file": SimpleUploadedFile("i.csv", csv), "dry_run": "false"},
                      format="multipart")
    assert failed.status_code == 400
    assert {e["attr"] for e in failed.json()["errors"]} == {"rows.3.name", "rows.3.uom"}
    assert not Item.objects.exists()
    good = b"number,name,uom\nBK-1,Bracket,ea\n"
    done = api.post(f"{BASE}/items/import/", {"file": SimpleUploadedFile("i.csv", good), "dry_run": "false"},
                    format="multipart")
    assert done.status_code == 200
    assert done.json()["totals"]["create"] == 1
    assert list(Item.objects.values_list("number", flat=True)) == ["BK-1"]


def test_change_order_flow_and_409(api_for, engineer, quality, new_item):
    item = new_item("BK-1")
    eng, qa = api_for(engineer), api_for(quality)
    created = eng.post(f"{BASE}/change-orders/", {"title": "Release BK-1", "reason": "New",
                                                  "revisions": [draft(item).pk]}, format="json")
    assert created.status_code == 201, created.json()
    eco = created.json()
    assert (eco["status"], eco["revisions"], eco["allowed_transitions"]) == ("draft", [draft(item).pk],
                                                                             ["submit", "cancel"])
    url = f"{BASE}/change-orders/{eco['id']}"
    early = eng.post(f"{url}/release/")
    assert early.status_code == 409
    assert early.json()["errors"][0]["attr"] == "status"
    assert eng.post(f"{url}/submit/").json()["status"] == "submitted"
    assert qa.get(f"{url}/").json()["allowed_transitions"] == ["approve", "reject"]
    assert qa.post(f"{url}/submit/").status_code == 403
    approved = eng.post(f"{url}/approve/", {"comment": "ok"}, format="json").json()
    assert approved["status"] == "submitted"
    assert [(a["approver"], a["role"], a["comment"]) for a in approved["approvals"]] == [("eddie", "Engineering", "ok")]
    assert qa.post(f"{url}/approve/", {"comment": "qa ok"}, format="json").json()["status"] == "approved"
    released = eng.post(f"{url}/release/").json()
    assert released["status"] == "released"
    assert eng.post(f"{url}/release/").status_code == 409
    item.refresh_from_db()
    assert item.current_revision.status == "released"
    impact = eng.get(f"{url}/impact/").json()
    assert impact[0]["number"] == "BK-1"
    assert impact[0]["where_used"] == []


def test_reject_via_api_returns_draft(api_for, engineer, quality, new_item):
    item = new_item("BK-1")
    eng = api_for(engineer)
    eco = eng.post(f"{BASE}/change-orders/", {"title": "T", "revisions": [draft(item).pk]}, format="json").json()
    eng.post(f"{BASE}/change-orders/{eco['id']}/submit/")
    rejected = api_for(quality).post(f"{BASE}/change-orders/{eco['id']}/reject/", {"comment": "No drawing"},
                                     format="json").json()
    assert rejected["status"] == "draft"
    assert rejected["approvals"][0]["decision"] == "rejected"


def test_change_requests_crud_and_accept(api, new_item):
    item = new_item("BK-1")
    created = api.post(f"{BASE}/change-requests/", {"title": "Cracks", "problem": "At the weld",
                                                    "affected_items": [item.pk]}, format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["status"], body["source"], body["affected_items"]) == ("open", "manual", [item.pk])
    assert body["number"].startswith("ECR-")
    assert api.post(f"{BASE}/change-requests/{body['id']}/accept/").json()["status"] == "accepted"
    assert api.post(f"{BASE}/change-requests/{body['id']}/accept/").status_code == 409


def test_other_company_records_answer_404(api, other_company, new_item, make_user):
    foreign = new_item("OW-1", target=other_company)
    assert api.get(f"{BASE}/items/{foreign.pk}/").status_code == 404
    assert api.get(f"{BASE}/items/{foreign.pk}/explode/").status_code == 404
    assert api.get(f"{BASE}/revisions/{draft(foreign).pk}/").status_code == 404
    assert api.patch(f"{BASE}/items/{foreign.pk}/", {"name": "x"}, format="json").status_code == 404
    mine = new_item("BK-1")
    response = api.post(f"{BASE}/bom-lines/", {"revision": draft(mine).pk, "component": foreign.pk, "quantity": "1"},
                        format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "component"
    assert ChangeOrder.objects.count() == 0


def test_document_new_version_on_draft_and_409_once_released(api, new_item, release):
    item = new_item("BK-1")
    created = api.post(f"{BASE}/documents/", {"file": SimpleUploadedFile("a.pdf", b"rev A"), "revision": draft(item).pk,
                                              "title": "Drawing"}, format="multipart").json()
    url = f"{BASE}/documents/{created['id']}/"
    replaced = api.patch(url, {"file": SimpleUploadedFile("a2.pdf", b"rev A2"), "version": "2"}, format="multipart")
    assert replaced.status_code == 200, replaced.json()
    assert (replaced.json()["version"], replaced.json()["checksum"], replaced.json()["file_name"]) == (
        "2", hashlib.sha256(b"rev A2").hexdigest(), "a2.pdf")
    release(item)
    frozen = api.patch(url, {"file": SimpleUploadedFile("a3.pdf", b"rev A3"), "version": "3"}, format="multipart")
    assert frozen.status_code == 409
    assert frozen["Content-Type"] == "application/problem+json"
    assert frozen.json()["errors"][0]["attr"] == "revision"
    assert "is released; its documents are frozen" in frozen.json()["detail"]
    deleted = api.delete(url)
    assert deleted.status_code == 409
    kept = api.get(url).json()
    assert (kept["version"], kept["checksum"]) == ("2", hashlib.sha256(b"rev A2").hexdigest())
