"""API of the stock half of SCM: generic CRUD/isolation for master data, then the ledger's own rules."""

from decimal import Decimal

import pytest

from apps.core.models import AuditRecord
from apps.scm.models import Reservation, StockMove, StockQuant
from apps.scm.services.locations import virtual_location
from apps.scm.services.stock import lot_get_or_create, stock_move_post, stock_reserve
from tests.mixins import CompanyOwnedAPIResourceTests, DeletableAPIResourceTests, FilterableAPIResourceTests
from tests.plm.factories import ItemFactory
from tests.scm.factories import LocationFactory, LotFactory, WarehouseFactory

D = Decimal
BASE = "/api/v1/scm/"


class TestWarehouseAPI(DeletableAPIResourceTests, CompanyOwnedAPIResourceTests, FilterableAPIResourceTests):
    list_url = f"{BASE}warehouses/"
    factory = WarehouseFactory
    create_payload = {"code": "MAIN", "name": "Main warehouse"}
    update_payload = {"name": "Main site"}
    allowed_role, denied_role = "Warehouse", "Sales"
    filter_cases = [({"code": "X1"}, {"code": "X1"}, {"code": "X2"})]


class TestLocationAPI(DeletableAPIResourceTests, CompanyOwnedAPIResourceTests, FilterableAPIResourceTests):
    list_url = f"{BASE}locations/"
    factory = LocationFactory
    update_payload = {"name": "Renamed bin", "barcode": "9900123"}
    allowed_role, denied_role = "Warehouse", "Sales"
    filter_cases = [({"is_quality_hold": "true"}, {"is_quality_hold": True}, {"is_quality_hold": False})]

    def create_payload(self, company):
        return {"code": "WH/A/01", "name": "Bin A1", "warehouse": WarehouseFactory(company=company).pk,
                "kind": "internal", "barcode": "4711"}


class TestLotAPI(DeletableAPIResourceTests, CompanyOwnedAPIResourceTests):
    list_url = f"{BASE}lots/"
    factory = LotFactory
    update_payload = {"expires_on": "2030-01-31"}
    allowed_role, denied_role = "Warehouse", "Sales"

    def create_payload(self, company):
        return {"item": ItemFactory(company=company, tracking="lot").pk, "code": "LOT-2026-1",
                "expires_on": "2027-06-30"}


@pytest.fixture
def stocked(company, user):
    item = ItemFactory(company=company, number="API-ITEM")
    bin_a = LocationFactory(company=company, code="API-A")
    stock_move_post(company=company, item=item, quantity=D(10), unit_cost=D("2.00"), to_location=bin_a,
                    from_location=virtual_location(company=company, kind="supplier"), actor=user)
    return item, bin_a


def test_stock_lists_on_hand_reserved_available(api, company, user, stocked):
    item, bin_a = stocked
    stock_reserve(company=company, item=item, location=bin_a, quantity=D(3), actor=user)
    response = api.get(f"{BASE}stock/", {"item": item.pk})
    assert response.status_code == 200
    [row] = response.json()["results"]
    assert (row["item"], row["location"], row["lot"]) == (item.pk, bin_a.pk, None)
    assert (row["on_hand"], row["reserved"], row["available"]) == ("10.0000", "3.0000", "7.0000")
    assert api.post(f"{BASE}stock/", {}, format="json").status_code == 405


def test_stock_of_another_company_is_invisible(api, other_company, other_user):
    item = ItemFactory(company=other_company)
    location = LocationFactory(company=other_company)
    stock_move_post(company=other_company, item=item, quantity=D(1), to_location=location,
                    from_location=virtual_location(company=other_company, kind="supplier"), actor=other_user)
    assert api.get(f"{BASE}stock/").json()["count"] == 0
    quant = StockQuant.objects.get(item=item)
    assert api.get(f"{BASE}stock/{quant.pk}/").status_code == 404


def test_move_create_posts_a_transfer(api, company, stocked):
    item, bin_a = stocked
    bin_b = LocationFactory(company=company, code="API-B", warehouse=bin_a.warehouse)
    response = api.post(f"{BASE}moves/", {"item": item.pk, "quantity": "4", "from_location": bin_a.pk,
                                          "to_location": bin_b.pk, "reference": "T-1"}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["status"], body["quantity"], body["value"], body["reference"]) == ("done", "4.0000", "8.00", "T-1")
    assert body["allowed_transitions"] == ["reverse"]  # a done move is corrected by reversing it, once
    assert StockQuant.objects.get(item=item, location=bin_b).on_hand == D(4)


def test_move_create_adjustment_shortage_answers_409_with_available(api, company, stocked):
    item, bin_a = stocked
    loss = virtual_location(company=company, kind="inventory_loss")
    count = StockMove.objects.count()
    response = api.post(f"{BASE}moves/", {"item": item.pk, "quantity": "11", "from_location": bin_a.pk,
                                          "to_location": loss.pk, "reason": "damaged"}, format="json")
    assert response.status_code == 409
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["available"] == "10.0000"
    assert body["errors"][0]["attr"] == "quantity"
    assert StockMove.objects.count() == count


def test_done_moves_cannot_be_changed_or_posted_again(api, company, stocked):
    item, _bin = stocked
    move = StockMove.objects.get(item=item)
    assert api.patch(f"{BASE}moves/{move.pk}/", {"quantity": "1"}, format="json").status_code == 405
    assert api.delete(f"{BASE}moves/{move.pk}/").status_code == 405
    assert api.post(f"{BASE}moves/{move.pk}/", {}, format="json").status_code == 405
    response = api.post(f"{BASE}moves/{move.pk}/post/", {}, format="json")
    assert response.status_code == 409
    move.refresh_from_db()
    assert move.quantity == D(10)


def test_draft_move_then_post_action(api, company, stocked):
    item, bin_a = stocked
    supplier = virtual_location(company=company, kind="supplier")
    response = api.post(f"{BASE}moves/", {"item": item.pk, "quantity": "2", "from_location": supplier.pk,
                                          "to_location": bin_a.pk, "unit_cost": "5", "status": "draft"},
                        format="json")
    assert response.status_code == 201
    assert response.json()["status"] == "draft"
    assert response.json()["allowed_transitions"] == ["post", "cancel"]
    assert StockQuant.objects.get(item=item, location=bin_a).on_hand == D(10)
    posted = api.post(f"{BASE}moves/{response.json()['id']}/post/", {}, format="json")
    assert posted.status_code == 200
    assert posted.json()["status"] == "done"
    assert StockQuant.objects.get(item=item, location=bin_a).on_hand == D(12)


def test_reservation_409_names_available_then_release(api, company, stocked):
    item, bin_a = stocked
    ok = api.post(f"{BASE}reservations/", {"item": item.pk, "location": bin_a.pk, "quantity": "7",
                                           "reference": "SO-7"}, format="json")
    assert ok.status_code == 201, ok.content
    assert ok.json()["status"] == "active"
    refused = api.post(f"{BASE}reservations/", {"item": item.pk, "location": bin_a.pk, "quantity": "4"},
                       format="json")
    assert refused.status_code == 409
    assert refused.json()["available"] == "3.0000"
    assert Reservation.objects.count() == 1
    released = api.post(f"{BASE}reservations/{ok.json()['id']}/release/", {"quantity": "2"}, format="json")
    assert released.status_code == 200
    assert (released.json()["open_quantity"], released.json()["status"]) == ("5.0000", "active")
    released = api.post(f"{BASE}reservations/{ok.json()['id']}/release/", {}, format="json")
    assert released.json()["status"] == "released"
    assert StockQuant.objects.get(item=item, location=bin_a).reserved == 0
    again = api.post(f"{BASE}reservations/{ok.json()['id']}/release/", {}, format="json")
    assert again.status_code == 409


def test_reservation_of_lot_item_and_foreign_location(api, company, other_company, user, stocked):
    item, _bin = stocked
    foreign = LocationFactory(company=other_company)
    response = api.post(f"{BASE}reservations/", {"item": item.pk, "location": foreign.pk, "quantity": "1"},
                        format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "location"


def test_cycle_count_create_record_post(api, company, stocked):
    item, bin_a = stocked
    created = api.post(f"{BASE}cycle-counts/", {"location": bin_a.pk, "reason": "Annual"}, format="json")
    assert created.status_code == 201, created.content
    count = created.json()
    assert [(line["item"], line["expected_quantity"]) for line in count["lines"]] == [(item.pk, "10.0000")]
    recorded = api.post(f"{BASE}cycle-counts/{count['id']}/record/",
                        {"lines": [{"item": item.pk, "counted_quantity": "9"}]}, format="json")
    assert recorded.status_code == 200, recorded.content
    posted = api.post(f"{BASE}cycle-counts/{count['id']}/post/", {}, format="json")
    assert posted.status_code == 200, posted.content
    assert posted.json()["status"] == "posted"
    assert posted.json()["lines"][0]["difference"] == "-1.0000"
    assert StockQuant.objects.get(item=item, location=bin_a).on_hand == D(9)
    assert AuditRecord.objects.filter(action="post", object_id=str(count["id"])).exists()


def test_lot_create_requires_tracked_item(api, company):
    plain = ItemFactory(company=company)
    response = api.post(f"{BASE}lots/", {"item": plain.pk, "code": "L1"}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "lot"
    serial_item = ItemFactory(company=company, tracking="serial")
    response = api.post(f"{BASE}lots/", {"item": serial_item.pk, "code": "SN1"}, format="json")
    assert response.json()["is_serial"] is True
    assert lot_get_or_create(company=company, item=serial_item, code="SN1").pk == response.json()["id"]
