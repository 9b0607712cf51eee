"""Hostile input answers 400/413 problem+json naming the field or parameter, never 5xx (issue #9).

One test per cause of a 500 the fuzzer found: UTC offsets of 16 hours and more, huge and non-finite numbers in
query parameters, a negative price reaching a CHECK, an amount overflowing its column, deeply nested JSON, NUL
characters (API and UI), notes on records without a company or with a malformed id, the string `null` as an id,
plus the limits around them (body size, page size, ordering, unknown paths) and the database last line.
"""

import json
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DataError, IntegrityError, transaction
from django.test import override_settings
from django.urls import reverse

from apps.core.api.errors import problem_exception_handler
from apps.core.models import Note, Party
from apps.mes.models import DowntimeEvent
from apps.plm.models import BomLine, Item
from apps.scm.models import PurchaseOrder
from tests.core.factories import PartyFactory
from tests.mes.factories import DowntimeReasonFactory, WorkCenterFactory
from tests.plm.factories import BomLineFactory, ItemFactory, RevisionFactory
from tests.scm.factories import purchasing_world

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"


def assert_rejected(response, attr: str | None, status: int = 400, code: str | None = None) -> dict:
    """The response is problem+json with `status` and an error naming `attr` (and `code`, if given)."""
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["status"] == status
    named = [error for error in body["errors"] if error["attr"] == attr]
    assert named, body
    if code is not None:
        assert named[0]["code"] == code, body
    return body


@pytest.fixture
def world(company):
    return purchasing_world(company)


# ---- 1. datetimes with a UTC offset of 16 hours or more (PostgreSQL refuses them) -------------------------------

@pytest.mark.parametrize(("url", "parameter"), [
    ("/api/v1/scm/warehouses/", "updated_after"),
    ("/api/v1/core/events/", "created_at__gte"),
    ("/api/v1/scm/moves/", "done_at__lte"),
])
@pytest.mark.parametrize("offset", ["+16:00", "-16:00", "+14:30"])
def test_datetime_filter_with_an_offset_beyond_14_hours_names_the_parameter(api, url, parameter, offset):
    response = api.get(url, {parameter: f"2026-03-01T08:00:00{offset}"})
    body = assert_rejected(response, parameter)
    assert body["errors"][0]["detail"] == "The UTC offset must be between -14:00 and +14:00."


def test_datetime_filter_at_the_widest_real_offset_is_accepted(api):
    assert api.get("/api/v1/core/events/", {"created_at__gte": "2026-03-01T08:00:00+14:00"}).status_code == 200


@pytest.mark.parametrize("moment", ["0001-01-01T00:00:00Z", "1899-12-31T23:59:59Z", "9999-12-31T23:00:00-05:00"])
def test_datetime_filter_outside_the_years_1900_to_9999_names_the_parameter(api, moment):
    body = assert_rejected(api.get("/api/v1/scm/warehouses/", {"updated_after": moment}), "updated_after")
    assert body["errors"][0]["detail"] == "The year must be between 1900 and 9999."


def test_datetime_field_with_an_offset_beyond_14_hours_names_the_field(api, company):
    center, reason = WorkCenterFactory(company=company), DowntimeReasonFactory(company=company)
    response = api.post("/api/v1/mes/downtime/", {
        "work_center": center.pk, "reason": reason.pk, "start": "2026-03-01T08:00:00+16:00",
        "end": "2026-03-01T09:00:00Z"}, format="json")
    assert_rejected(response, "start", code="out_of_range")
    assert not DowntimeEvent.objects.exists()


def test_document_date_out_of_range_names_the_field(api, world):
    response = api.post("/api/v1/scm/purchase-orders/", {
        "supplier": world.supplier.pk, "order_date": "0001-01-01",
        "lines": [{"item": world.item.pk, "quantity": "1", "due_date": "9999-12-31"}]}, format="json")
    body = assert_rejected(response, "order_date", code="out_of_range")
    assert {"lines.0.due_date"} <= {error["attr"] for error in body["errors"]}
    assert not PurchaseOrder.objects.exists()


# ---- 2. huge and non-finite numbers in query parameters ---------------------------------------------------------

@pytest.mark.parametrize("action", ["explode", "bom-summary", "cost-rollup"])
@pytest.mark.parametrize(("quantity", "code"), [
    ("1e308", "max_digits"), ("NaN", "invalid"), ("Infinity", "invalid"), ("-1", "min_value"), ("0", "min_value"),
    ("abc", "invalid"),
])
def test_structure_query_quantity_must_be_a_finite_bounded_positive_number(api, company, action, quantity, code):
    item = ItemFactory(company=company)
    response = api.get(f"/api/v1/plm/items/{item.pk}/{action}/", {"quantity": quantity})
    assert_rejected(response, "quantity", code=code)


def test_a_result_too_large_to_compute_names_the_quantity(api, company):
    parent = ItemFactory(company=company, item_type="make")
    component = ItemFactory(company=company, standard_cost=Decimal("99999999999999.9999"))
    BomLineFactory(revision=RevisionFactory(item=parent), component=component, quantity=Decimal("99999999999999"))
    response = api.get(f"/api/v1/plm/items/{parent.pk}/cost-rollup/", {"quantity": "999999999999.9999"})
    assert_rejected(response, "quantity", code="out_of_range")


def test_number_filter_refuses_huge_and_non_finite_values(api):
    for value in ("1e308", "NaN", "Infinity"):
        assert_rejected(api.get("/api/v1/scm/purchase-orders/", {"item": value}), "item")


# ---- 3. a negative price reaching the database's CHECK ------------------------------------------------------------

def test_negative_line_price_is_refused_before_the_check_constraint(api, world):
    response = api.post("/api/v1/scm/purchase-orders/", {
        "supplier": world.supplier.pk, "lines": [{"item": world.item.pk, "quantity": "5", "unit_price": "-1"}]},
        format="json")
    assert_rejected(response, "lines.0.unit_price", code="min_value")
    assert not PurchaseOrder.objects.exists()


def test_negative_standard_cost_names_the_field(api, company):
    item = ItemFactory(company=company, standard_cost=Decimal("2.0000"))
    assert_rejected(api.patch(f"/api/v1/plm/items/{item.pk}/", {"standard_cost": "-0.0001"}, format="json"),
                    "standard_cost", code="min_value")
    item.refresh_from_db()
    assert item.standard_cost == Decimal("2.0000")


def test_strict_check_bound_is_the_next_representable_value(api, company):
    """`quantity > 0` on a 4-decimal column: 0 is refused, 0.0001 accepted (the database's rule, before it)."""
    revision = RevisionFactory(item=ItemFactory(company=company, item_type="make"))
    component = ItemFactory(company=company)
    refused = api.post("/api/v1/plm/bom-lines/", {"revision": revision.pk, "component": component.pk,
                                                   "quantity": "0"}, format="json")
    assert_rejected(refused, "quantity", code="min_value")
    accepted = api.post("/api/v1/plm/bom-lines/", {"revision": revision.pk, "component": component.pk,
                                                    "quantity": "0.0001"}, format="json")
    assert accepted.status_code == 201, accepted.json()
    assert BomLine.objects.get().quantity == Decimal("0.0001")


# ---- 4. amounts that overflow their column ------------------------------------------------------------------------

def test_order_total_beyond_its_column_names_the_line(api, world):
    response = api.post("/api/v1/scm/purchase-orders/", {
        "supplier": world.supplier.pk,
        "lines": [{"item": world.item.pk, "quantity": "99999999999999", "unit_price": "99999999999999"}]},
        format="json")
    assert_rejected(response, "lines.0.unit_price", code="out_of_range")
    assert not PurchaseOrder.objects.exists()


def test_amount_with_more_digits_than_its_column_names_the_field(api, company):
    item = ItemFactory(company=company)
    assert_rejected(api.patch(f"/api/v1/plm/items/{item.pk}/", {"standard_cost": "123456789012345.0"},
                              format="json"), "standard_cost", code="max_whole_digits")


# ---- 5. deeply nested JSON ------------------------------------------------------------------------------------------

def test_json_nested_beyond_the_stack_answers_400(api):
    body = "[" * 100_000 + "]" * 100_000
    response = api.generic("POST", "/api/v1/core/parties/", body, content_type="application/json")
    assert_rejected(response, "body")
    assert not Party.objects.exists()


def test_json_nested_deeper_than_32_levels_names_where(api):
    nested: list = [1]
    for _ in range(33):
        nested = [nested]
    response = api.post("/api/v1/core/parties/", {"name": "Deep", "addresses": [{"street": nested}]}, format="json")
    body = assert_rejected(response, "addresses.0.street" + ".0" * 30)  # the 33rd level: root, list, dict, 30 lists
    assert body["errors"][0]["detail"] == "Nested deeper than 32 levels."


# ---- 6. NUL characters, API and UI ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("url", "parameter"), [
    ("/api/v1/plm/items/", "search"),
    ("/api/v1/mes/genealogy/", "lot"),
    ("/api/v1/scm/lots/", "code"),
    ("/api/v1/core/notes/", "content_type"),
])
def test_nul_in_a_query_parameter_names_it(api, url, parameter):
    assert_rejected(api.get(url, {parameter: "A\x00B"}), parameter)


def test_nul_in_a_json_string_names_the_field(api):
    assert_rejected(api.post("/api/v1/core/parties/", {"name": "Acme", "contacts": [{"name": "Al\x00"}]},
                             format="json"), "contacts.0.name")
    assert not Party.objects.exists()


def test_nul_in_a_json_key_or_header_or_path_is_refused(api):
    assert_rejected(api.post("/api/v1/core/parties/", {"na\x00me": "x"}, format="json"), "na\\x00me")
    assert_rejected(api.post("/api/v1/core/parties/", {"name": "x"}, format="json", HTTP_IDEMPOTENCY_KEY="k\x00"),
                    "Idempotency-Key")
    assert_rejected(api.get("/api/v1/plm/items/%00/"), "path")


def test_nul_in_a_multipart_field_names_it(api, company):
    party = PartyFactory(company=company)
    response = api.post("/api/v1/core/attachments/", {
        "target_type": "core.party", "target_id": str(party.pk), "name": "spec\x00.txt",
        "file": SimpleUploadedFile("spec.txt", b"spec")}, format="multipart")
    assert_rejected(response, "name")


def test_nul_in_the_scan_field_and_a_list_search_of_the_ui_answers_400(web):
    assert_rejected(web.get(reverse("scm:scan"), {"code": "\x00"}), "code")
    assert_rejected(web.get(reverse("plm:item_list"), {"q": "bolt\x00"}), "q")


def test_nul_in_a_ui_form_field_answers_400_and_creates_nothing(web, company):
    response = web.post(reverse("plm:item_create"), {"number": "NUL-1", "name": "Bad\x00name"})
    assert_rejected(response, "name")
    assert not Item.objects.filter(number="NUL-1").exists()


# ---- 7. notes and attachments on records without a company, or with a malformed id -------------------------------

@pytest.mark.parametrize(("target_type", "target_id", "attr"), [
    ("core.currency", "1", "target_type"),
    ("auth.user", "1", "target_type"),
    ("core.note", "1", "target_type"),
    ("nodot", "1", "target_type"),
    ("core.party", "abc", "target_id"),
    ("core.party", "99999999999999999999999", "target_id"),
    ("core.party", "null", "target_id"),
])
def test_note_on_a_record_without_a_company_or_a_malformed_id_names_the_field(api, company, target_type,
                                                                               target_id, attr):
    PartyFactory(company=company)
    response = api.post("/api/v1/core/notes/", {"target_type": target_type, "target_id": target_id, "body": "x"},
                        format="json")
    assert_rejected(response, attr)
    assert not Note.objects.exists()


# ---- 8. the string `null` (or any non-number) where an id is expected -----------------------------------------------

@pytest.mark.parametrize(("url", "parameter"), [
    ("/api/v1/scm/supplier-items/performance/", "supplier"),
    ("/api/v1/scm/purchase-orders/", "item"),
    ("/api/v1/scm/purchase-orders/", "supplier"),
    ("/api/v1/mes/genealogy/", "item"),
])
@pytest.mark.parametrize("value", ["null", "false", "1.5x"])
def test_null_where_an_id_is_expected_names_the_parameter(api, url, parameter, value):
    query = {parameter: value, "lot": "L1"} if "genealogy" in url else {parameter: value}
    assert_rejected(api.get(url, query), parameter)


def test_null_as_the_revision_to_compare_with_names_it(api, company):
    revision = RevisionFactory(item=ItemFactory(company=company, item_type="make"))
    assert_rejected(api.get(f"/api/v1/plm/revisions/{revision.pk}/compare/", {"to": "null"}), "to")


# ---- 9. duplicate child rows reaching a unique constraint ---------------------------------------------------------

def test_duplicate_equipment_codes_name_the_second_row(api, company):
    center = WorkCenterFactory(company=company)
    response = api.patch(f"/api/v1/mes/work-centers/{center.pk}/", {
        "equipment": [{"code": "CNC", "name": "Lathe"}, {"code": "CNC", "name": "Mill"}]}, format="json")
    assert_rejected(response, "equipment.1.code", code="duplicate")
    assert not center.equipment.exists()


def test_a_cycle_count_line_given_twice_is_one_line(api, world):
    response = api.post("/api/v1/scm/cycle-counts/", {"location": world.stock.pk, "lines": [
        {"item": world.item.pk}, {"item": world.item.pk, "counted_quantity": "3"}]}, format="json")
    assert response.status_code == 201, response.json()
    assert [(line["item"], line["counted_quantity"]) for line in response.json()["lines"]] == [
        (world.item.pk, "3.0000")]


# ---- the request's size, pages, ordering, unknown paths -------------------------------------------------------------

@override_settings(MAX_REQUEST_BODY_MB=0.01)
def test_body_over_the_limit_answers_413(api):
    response = api.post("/api/v1/core/parties/", {"name": "x", "notes": "y" * 20_000}, format="json")
    body = assert_rejected(response, "body", status=413, code="too_large")
    assert body["max_bytes"] == 10485
    assert not Party.objects.exists()


@pytest.mark.parametrize(("parameter", "value"), [
    ("page_size", "abc"), ("page_size", "0"), ("page_size", "-5"), ("page_size", "null"), ("page", "abc"),
    ("page", "0"), ("page", "²"),
])
def test_page_and_page_size_must_be_positive_integers(api, parameter, value):
    assert_rejected(api.get("/api/v1/core/parties/", {parameter: value}), parameter)


def test_page_size_above_500_is_capped(api, company):
    PartyFactory(company=company)
    assert api.get("/api/v1/core/parties/", {"page_size": "100000"}).status_code == 200


def test_ordering_on_an_unknown_field_names_it_and_lists_the_accepted_ones(api, company):
    body = assert_rejected(api.get("/api/v1/core/parties/", {"ordering": "name,-password"}), "ordering")
    assert "'-password'" in body["errors"][0]["detail"]
    assert "number, name, created_at, updated_at" in body["errors"][0]["detail"]
    PartyFactory(company=company, name="B")
    PartyFactory(company=company, name="A")
    ordered = api.get("/api/v1/core/parties/", {"ordering": "-name"}).json()["results"]
    assert [row["name"] for row in ordered] == ["B", "A"]


def test_ordering_without_ordering_fields_accepts_model_fields_of_the_serializer_only(api):
    assert api.get("/api/v1/core/notes/", {"ordering": "-created_at"}).status_code == 200
    # `content_type` is the serializer's `content_type.natural_key`, not something the database can order by
    assert_rejected(api.get("/api/v1/core/notes/", {"ordering": "content_type__natural_key"}), "ordering")


@pytest.mark.parametrize("path", ["/api/v1/nope/", "/api/v1/plm/items/abc/", "/api/unknown"])
def test_unknown_api_path_answers_problem_404(api, path):
    response = api.get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == PROBLEM
    assert response.json()["status"] == 404


def test_membership_patch_without_a_role_keeps_the_role(api, company, make_user):
    member = make_user(company, "Sales")
    membership = member.memberships.get()
    response = api.patch(f"/api/v1/core/memberships/{membership.pk}/", {}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["role_name"] == "Sales"


# ---- the last line of defence: database errors that still reach a view --------------------------------------------

def raised(write) -> Exception:
    try:
        with transaction.atomic():
            write()
    except (IntegrityError, DataError) as exc:
        return exc
    raise AssertionError("the write did not fail")


def test_check_violation_maps_to_400_naming_the_constraint_fields(company):
    revision = RevisionFactory(item=ItemFactory(company=company, item_type="make"))
    component = ItemFactory(company=company)
    exc = raised(lambda: BomLine.objects.create(revision=revision, component=component, uom=component.uom,
                                                quantity=Decimal(0), position=1))
    response = problem_exception_handler(exc, {})
    assert response.status_code == 400
    assert response.data["errors"] == [{"attr": "quantity", "code": "constraint",
                                        "detail": "The value breaks a rule of the record "
                                                  "(plm_bomline_quantity_positive)."}]


def test_not_null_violation_names_the_field_not_the_column(company):
    revision = RevisionFactory(item=ItemFactory(company=company, item_type="make"))
    exc = raised(lambda: BomLine.objects.create(revision=revision, component=ItemFactory(company=company),
                                                quantity=Decimal(1), position=1))
    response = problem_exception_handler(exc, {})
    assert response.status_code == 400
    assert response.data["errors"] == [{"attr": "uom", "code": "required", "detail": "This field is required."}]


def test_unique_violation_maps_to_409_and_numeric_overflow_to_400(company):
    Group.objects.create(name="Twice")
    response = problem_exception_handler(raised(lambda: Group.objects.create(name="Twice")), {})
    assert response.status_code == 409
    assert response.data["errors"][0]["code"] == "unique"
    item = ItemFactory(company=company)
    overflow = raised(lambda: Item.objects.filter(pk=item.pk).update(standard_cost=Decimal(10) ** 20))
    response = problem_exception_handler(overflow, {})
    assert response.status_code == 400
    assert response.data["errors"][0]["code"] == "out_of_range"
    assert response.content_type == PROBLEM


def test_problem_bodies_are_json(api):
    body = api.get("/api/v1/plm/items/", {"ordering": "x"}).content
    assert json.loads(body)["type"] == "urn:millwright:problem:validation_error"
