"""API of purchasing and shipments: CRUD, actions, 409s, problem+json naming the field, company isolation."""

from decimal import Decimal

import pytest

from apps.scm.choices import LocationKind
from apps.scm.models import PurchaseOrder, StockMove
from apps.scm.services.locations import virtual_location
from apps.scm.services.stock import stock_move_post
from tests.plm.factories import ItemFactory
from tests.scm.factories import purchasing_world

D = Decimal
BASE = "/api/v1/scm"


@pytest.fixture
def world(company):
    return purchasing_world(company)


def create_po(api, world, quantity="40", **extra):
    body = {"supplier": world.supplier.pk, "warehouse": world.warehouse.pk,
            "lines": [{"item": world.item.pk, "quantity": quantity, **extra}]}
    response = api.post(f"{BASE}/purchase-orders/", body, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def test_create_purchase_order_defaults_price_and_lists_transitions(api, world):
    data = create_po(api, world, "150")
    assert data["number"].startswith("PO-")
    assert data["status"] == "draft"
    assert data["currency"] == "EUR"
    assert data["lines"][0]["unit_price"] == "2.0000"
    assert data["total"] == "300.00"
    assert data["allowed_transitions"] == ["approve", "send", "cancel"]
    listed = api.get(f"{BASE}/purchase-orders/?status=draft").json()
    assert [row["number"] for row in listed["results"]] == [data["number"]]


def test_invalid_line_quantity_names_the_field(api, world):
    response = api.post(f"{BASE}/purchase-orders/", {"supplier": world.supplier.pk,
                                                     "lines": [{"item": world.item.pk, "quantity": "0"}]},
                        format="json")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["errors"][0]["attr"] == "lines.0.quantity"


def test_update_replaces_lines_of_a_draft(api, world):
    data = create_po(api, world)
    response = api.patch(f"{BASE}/purchase-orders/{data['id']}/", {
        "lines": [{"item": world.item.pk, "quantity": "100"}]}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["total"] == "200.00"


def test_send_then_illegal_approve_answers_409(api, world):
    data = create_po(api, world)
    sent = api.post(f"{BASE}/purchase-orders/{data['id']}/send/")
    assert sent.status_code == 200
    assert sent.json()["status"] == "sent"
    assert sent.json()["allowed_transitions"] == ["cancel"]
    response = api.post(f"{BASE}/purchase-orders/{data['id']}/approve/", {"comment": "ok"}, format="json")
    assert response.status_code == 409
    body = response.json()
    assert body["errors"][0]["attr"] == "status"
    assert body["current"] == "sent"
    edit = api.patch(f"{BASE}/purchase-orders/{data['id']}/", {"notes": "x"}, format="json")
    assert edit.status_code == 409


def test_buyer_gets_403_above_threshold_and_manager_approves(api_for, make_user, company, world):
    buyer, manager = make_user(company, "Purchasing"), make_user(company, "Manager")
    data = create_po(api_for(buyer), world, "600")
    response = api_for(buyer).post(f"{BASE}/purchase-orders/{data['id']}/approve/")
    assert response.status_code == 403
    assert api_for(buyer).post(f"{BASE}/purchase-orders/{data['id']}/send/").status_code == 409
    approved = api_for(manager).post(f"{BASE}/purchase-orders/{data['id']}/approve/")
    assert approved.status_code == 200
    assert approved.json()["status"] == "approved"


def test_cancel_action(api, world):
    data = create_po(api, world)
    assert api.post(f"{BASE}/purchase-orders/{data['id']}/cancel/").json()["status"] == "cancelled"
    assert api.post(f"{BASE}/purchase-orders/{data['id']}/send/").status_code == 409


def test_purchase_order_pdf(api, world):
    data = create_po(api, world)
    response = api.get(f"{BASE}/purchase-orders/{data['id']}/pdf/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_receipt_create_post_and_second_post_409(api, world):
    data = create_po(api, world)
    api.post(f"{BASE}/purchase-orders/{data['id']}/send/")
    line_id = data["lines"][0]["id"]
    response = api.post(f"{BASE}/receipts/", {"purchase_order": data["id"], "lines": [
        {"purchase_order_line": line_id, "quantity": "40", "lot_code": "", "location": world.stock.pk}]},
        format="json")
    assert response.status_code == 201, response.json()
    receipt = response.json()
    assert receipt["allowed_transitions"] == ["post", "cancel"]
    posted = api.post(f"{BASE}/receipts/{receipt['id']}/post/")
    assert posted.status_code == 200
    assert posted.json()["status"] == "posted"
    assert posted.json()["lines"][0]["stock_move"] is not None
    again = api.post(f"{BASE}/receipts/{receipt['id']}/post/")
    assert again.status_code == 409
    assert StockMove.objects.filter(source_type="scm.goodsreceiptline").count() == 1
    assert api.get(f"{BASE}/purchase-orders/{data['id']}/").json()["status"] == "received"


def test_over_receipt_answers_400_naming_the_line(api, world):
    data = create_po(api, world)
    api.post(f"{BASE}/purchase-orders/{data['id']}/send/")
    response = api.post(f"{BASE}/receipts/", {"purchase_order": data["id"], "lines": [
        {"purchase_order_line": data["lines"][0]["id"], "quantity": "45", "location": world.stock.pk}]},
        format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0] == {
        "attr": "lines.0.quantity", "code": "over_receipt",
        "detail": "Over-receipt: 40 of BOLT-ACME ordered, 0 received, tolerance 10%: at most 44 more can be "
                  "received."}


def test_other_company_records_answer_404(api, world, other_company, other_user, api_for):
    other = purchasing_world(other_company)
    foreign = create_po(api_for(other_user), other)
    assert api.get(f"{BASE}/purchase-orders/{foreign['id']}/").status_code == 404
    assert api.post(f"{BASE}/purchase-orders/{foreign['id']}/send/").status_code == 404
    assert api.get(f"{BASE}/purchase-orders/{foreign['id']}/pdf/").status_code == 404
    response = api.post(f"{BASE}/purchase-orders/", {"supplier": other.supplier.pk,
                                                     "lines": [{"item": world.item.pk, "quantity": "1"}]},
                        format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "supplier"
    assert PurchaseOrder.objects.filter(company=world.company).count() == 0


def test_supplier_items_with_price_breaks_and_performance(api, world):
    item = ItemFactory(company=world.company, number="WASHER-1")
    response = api.post(f"{BASE}/supplier-items/", {
        "supplier": world.supplier.pk, "item": item.pk, "supplier_part_number": "W-1", "lead_time_days": 3,
        "price_breaks": [{"min_quantity": "0", "unit_price": "0.50"}, {"min_quantity": "1000", "unit_price": "0.40"}]},
        format="json")
    assert response.status_code == 201, response.json()
    assert [b["unit_price"] for b in response.json()["price_breaks"]] == ["0.5000", "0.4000"]
    performance = api.get(f"{BASE}/supplier-items/performance/?supplier={world.supplier.pk}")
    assert performance.status_code == 200
    assert performance.json()["receipts"] == 0


def test_reorder_rules_crud_and_run(api, world):
    response = api.post(f"{BASE}/reorder-rules/", {"item": world.item.pk, "warehouse": world.warehouse.pk,
                                                  "min_quantity": "10", "max_quantity": "50", "multiple": "5"},
                        format="json")
    assert response.status_code == 201, response.json()
    rule = response.json()
    bad = api.patch(f"{BASE}/reorder-rules/{rule['id']}/", {"max_quantity": "1"}, format="json")
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["attr"] == "max_quantity"
    run = api.post(f"{BASE}/reorder-rules/run/")
    assert run.status_code == 200
    assert [p["quantity"] for p in run.json()["proposed"]] == ["50.0000"]
    assert api.post(f"{BASE}/reorder-rules/run/").json()["proposed"] == []
    assert api.get(f"{BASE}/requisitions/?source=replenishment").json()["count"] == 1
    assert api.delete(f"{BASE}/reorder-rules/{rule['id']}/").status_code in (204, 409)


def test_requisition_order_action(api, world):
    response = api.post(f"{BASE}/requisitions/", {"item": world.item.pk, "quantity": "12",
                                                 "warehouse": world.warehouse.pk}, format="json")
    assert response.status_code == 201, response.json()
    ordered = api.post(f"{BASE}/requisitions/{response.json()['id']}/order/")
    assert ordered.status_code == 200
    assert ordered.json()["status"] == "ordered"
    assert ordered.json()["purchase_order"] is not None


def test_shipment_create_reserve_pick_ship(api, world, user):
    stock_move_post(company=world.company, item=world.item, quantity=D(10),
                    from_location=virtual_location(company=world.company, kind=LocationKind.SUPPLIER),
                    to_location=world.stock, unit_cost=D(2), actor=user)
    response = api.post(f"{BASE}/shipments/", {"customer": world.customer.pk, "sales_order_number": "SO-9",
                                              "lines": [{"item": world.item.pk, "quantity": "8"}]}, format="json")
    assert response.status_code == 201, response.json()
    shipment = response.json()
    assert shipment["warehouse"] == world.warehouse.pk
    assert shipment["allowed_transitions"] == ["reserve", "cancel"]
    assert api.post(f"{BASE}/shipments/{shipment['id']}/ship/").status_code == 409
    reserved = api.post(f"{BASE}/shipments/{shipment['id']}/reserve/").json()
    assert reserved["lines"][0]["allocations"][0]["quantity"] == "8.0000"
    bad_pick = api.post(f"{BASE}/shipments/{shipment['id']}/pick/", {"item": world.item.pk, "quantity": "9"},
                        format="json")
    assert bad_pick.status_code == 400
    assert bad_pick.json()["errors"][0]["attr"] == "quantity"
    picked = api.post(f"{BASE}/shipments/{shipment['id']}/pick/", {"item": world.item.pk, "quantity": "6",
                                                                  "location": world.stock.pk}, format="json")
    assert picked.status_code == 200, picked.json()
    assert picked.json()["status"] == "picking"
    shipped = api.post(f"{BASE}/shipments/{shipment['id']}/ship/", {"carrier": "UPS"}, format="json")
    assert shipped.status_code == 200
    assert shipped.json()["status"] == "shipped"
    assert shipped.json()["lines"][0]["quantity_shipped"] == "6.0000"
    backorders = api.get(f"{BASE}/shipments/?backorder_of={shipment['id']}").json()["results"]
    assert [b["lines"][0]["quantity"] for b in backorders] == ["2.0000"]
    note = api.get(f"{BASE}/shipments/{shipment['id']}/delivery-note/")
    assert note.status_code == 200
    assert note.content.startswith(b"%PDF")
