"""Browser screens of purchasing and shipments: lists, forms with inline lines, buttons, picking, replenishment."""

from decimal import Decimal

import pytest

from apps.scm.choices import LocationKind, PurchaseOrderStatus, ShipmentStatus
from apps.scm.models import PurchaseOrder, PurchaseRequisition
from apps.scm.services.locations import virtual_location
from apps.scm.services.purchasing import purchase_order_create
from apps.scm.services.shipments import shipment_create, shipment_reserve
from apps.scm.services.stock import stock_move_post
from tests.plm.factories import ItemFactory
from tests.scm.factories import ReorderRuleFactory, purchasing_world

D = Decimal


@pytest.fixture
def world(company):
    return purchasing_world(company)


def po(world, user, quantity="40"):
    return purchase_order_create(company=world.company, actor=user, supplier=world.supplier,
                                 warehouse=world.warehouse, lines=[{"item": world.item, "quantity": D(quantity)}])


def test_purchase_order_form_with_inline_lines_defaults_price(web, world):
    response = web.post("/scm/purchase-orders/new/", {
        "supplier": world.supplier.pk, "currency": world.company.currency_id, "order_date": "2026-03-01",
        "warehouse": world.warehouse.pk, "notes": "",
        "lines-TOTAL_FORMS": "1", "lines-INITIAL_FORMS": "0", "lines-MIN_NUM_FORMS": "0", "lines-MAX_NUM_FORMS": "1000",
        "lines-0-item": world.item.pk, "lines-0-quantity": "100", "lines-0-unit_price": "", "lines-0-due_date": "",
    })
    order = PurchaseOrder.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/scm/purchase-orders/{order.pk}/"
    assert (order.number, order.total) == ("PO-2026-00001", D("200.00"))


def test_purchase_order_form_shows_service_errors_on_the_line(web, world):
    world.supplier_item.minimum_order_quantity = D(50)
    world.supplier_item.save()
    response = web.post("/scm/purchase-orders/new/", {
        "supplier": world.supplier.pk, "currency": world.company.currency_id, "order_date": "2026-03-01",
        "lines-TOTAL_FORMS": "1", "lines-INITIAL_FORMS": "0", "lines-MIN_NUM_FORMS": "0", "lines-MAX_NUM_FORMS": "1000",
        "lines-0-item": world.item.pk, "lines-0-quantity": "5",
    })
    assert response.status_code == 400
    assert "minimum order quantity" in response.content.decode()
    assert not PurchaseOrder.objects.exists()


def test_detail_shows_buttons_and_send_works(web, world, user):
    order = po(world, user)
    page = web.get(f"/scm/purchase-orders/{order.pk}/").content.decode()
    for verb in ("approve", "send", "cancel"):
        assert f'value="{verb}"' in page
    assert f"/scm/purchase-orders/{order.pk}/pdf/" in page
    web.post(f"/scm/purchase-orders/{order.pk}/do/send/")
    order.refresh_from_db()
    assert order.status == PurchaseOrderStatus.SENT
    assert web.get(f"/scm/purchase-orders/{order.pk}/pdf/")["Content-Type"] == "application/pdf"


def test_lists_render(web, world, user):
    po(world, user)
    for url in ("/scm/purchase-orders/", "/scm/receipts/", "/scm/requisitions/", "/scm/supplier-items/",
                "/scm/reorder-rules/", "/scm/shipments/", "/scm/supplier-performance/", "/scm/replenishment/",
                "/scm/receipts/new/", "/scm/shipments/new/", "/scm/supplier-items/new/"):
        assert web.get(url).status_code == 200, url


def test_other_company_purchase_order_answers_404(web, other_company, other_user):
    other = purchasing_world(other_company)
    foreign = po(other, other_user)
    assert web.get(f"/scm/purchase-orders/{foreign.pk}/").status_code == 404
    assert web.get(f"/scm/purchase-orders/{foreign.pk}/pdf/").status_code == 404
    assert web.post(f"/scm/purchase-orders/{foreign.pk}/do/send/").status_code == 404


def test_replenishment_page_runs_and_lists_proposals(web, world):
    ReorderRuleFactory(company=world.company, item=world.item, warehouse=world.warehouse, min_quantity=D(5),
                       max_quantity=D(20), multiple=D(1))
    response = web.post("/scm/replenishment/")
    assert response.status_code == 302
    proposal = PurchaseRequisition.objects.get()
    assert proposal.quantity == D(20)
    assert proposal.number in web.get("/scm/replenishment/").content.decode()


def test_picking_screen_scans_location_then_item(web, world, user):
    stock_move_post(company=world.company, item=world.item, quantity=D(10),
                    from_location=virtual_location(company=world.company, kind=LocationKind.SUPPLIER),
                    to_location=world.stock, unit_cost=D(2), actor=user)
    shipment = shipment_reserve(shipment=shipment_create(
        company=world.company, actor=user, customer=world.customer, warehouse=world.warehouse,
        lines=[{"item": world.item, "quantity": D(4)}]), actor=user)
    url = f"/scm/shipments/{shipment.pk}/pick/"
    page = web.get(url).content.decode()
    assert 'name="scan"' in page
    assert "autofocus" in page
    response = web.post(url, {"scan": world.stock.barcode, "quantity": "1"})
    assert response["Location"] == f"{url}?location={world.stock.pk}"
    web.post(url, {"scan": world.item.number, "quantity": "3", "location": world.stock.pk})
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.PICKING
    allocation = shipment.lines.get().allocations.get()
    assert allocation.quantity_picked == D(3)
    web.post(url, {"scan": "NO-SUCH-CODE", "quantity": "1", "location": world.stock.pk})
    assert shipment.lines.get().allocations.get().quantity_picked == D(3)


# ---- receiving from the order ------------------------------------------------------------------
def test_receive_button_opens_the_receipt_prefilled_with_the_open_lines(web, world, user):
    from apps.plm.choices import Tracking
    from apps.scm.services.purchasing import purchase_order_send
    from apps.scm.services.receipts import goods_receipt_create, goods_receipt_post

    lot_item = ItemFactory(company=world.company, number="RESIN-LOT", tracking=Tracking.LOT)
    order = purchase_order_create(company=world.company, actor=user, supplier=world.supplier,
                                  warehouse=world.warehouse, lines=[
                                      {"item": world.item, "quantity": D(40)},
                                      {"item": lot_item, "quantity": D(10), "unit_price": D(3)}])
    order = purchase_order_send(purchase_order=order, actor=user)
    bolts, resin = order.lines.order_by("line_number")
    goods_receipt_post(receipt=goods_receipt_create(company=world.company, actor=user, purchase_order=order,
                                                    lines=[{"purchase_order_line": bolts, "quantity": D(15)}]),
                       actor=user)
    other = purchase_order_send(purchase_order=po(world, user, "5"), actor=user)
    detail = web.get(f"/scm/purchase-orders/{order.pk}/").content.decode()
    assert f'href="/scm/receipts/new/?purchase_order={order.pk}"' in detail
    response = web.get("/scm/receipts/new/", {"purchase_order": order.pk})
    assert response.status_code == 200
    assert response.context["form"].initial["purchase_order"] == order.pk
    [(_inline, formset)] = response.context["formsets"]
    assert [f.initial for f in formset.forms] == [
        {"purchase_order_line": bolts.pk, "quantity": D(25), "location": world.stock.pk},
        {"purchase_order_line": resin.pk, "quantity": D(10), "location": world.stock.pk}]
    for f in [*formset.forms, formset.empty_form]:
        assert list(f.fields["purchase_order_line"].queryset) == [bolts, resin]  # not the other order's line
    bolt_form, resin_form = formset.forms
    assert bolt_form.fields["lot_code"].widget.attrs.get("disabled") is True
    assert resin_form.fields["lot_code"].widget.attrs.get("required") is True
    assert "disabled" not in resin_form.fields["lot_code"].widget.attrs
    # the same page posted as it came (plus the lot) makes the receipt
    response = web.post("/scm/receipts/new/", {
        "purchase_order": order.pk, "received_on": "2026-03-02", "delivery_note": "DN-1", "notes": "",
        "lines-TOTAL_FORMS": "2", "lines-INITIAL_FORMS": "0", "lines-MIN_NUM_FORMS": "0", "lines-MAX_NUM_FORMS": "1000",
        "lines-0-purchase_order_line": bolts.pk, "lines-0-quantity": "25", "lines-0-location": world.stock.pk,
        "lines-1-purchase_order_line": resin.pk, "lines-1-quantity": "10", "lines-1-location": world.stock.pk,
        "lines-1-lot_code": "R-001"})
    assert response.status_code == 302
    receipt = order.receipts.get(delivery_note="DN-1")
    assert [(line.purchase_order_line_id, line.quantity, line.lot_code) for line in receipt.lines.order_by("id")] == [
        (bolts.pk, D(25), ""), (resin.pk, D(10), "R-001")]
    # a line of another order is not a choice of this receipt's form
    response = web.post("/scm/receipts/new/", {
        "purchase_order": order.pk, "received_on": "2026-03-02", "delivery_note": "DN-2", "notes": "",
        "lines-TOTAL_FORMS": "1", "lines-INITIAL_FORMS": "0", "lines-MIN_NUM_FORMS": "0", "lines-MAX_NUM_FORMS": "1000",
        "lines-0-purchase_order_line": other.lines.get().pk, "lines-0-quantity": "1"})
    assert response.status_code == 400
    assert "purchase_order_line" in response.context["formsets"][0][1].forms[0].errors
    assert not order.receipts.filter(delivery_note="DN-2").exists()


def test_edit_receipt_offers_only_its_order_lines(web, world, user):
    from apps.scm.services.purchasing import purchase_order_send
    from apps.scm.services.receipts import goods_receipt_create

    order = purchase_order_send(purchase_order=po(world, user, "40"), actor=user)
    purchase_order_send(purchase_order=po(world, user, "5"), actor=user)
    receipt = goods_receipt_create(company=world.company, actor=user, purchase_order=order,
                                   lines=[{"purchase_order_line": order.lines.get(), "quantity": D(1)}])
    response = web.get(f"/scm/receipts/{receipt.pk}/edit/")
    assert response.status_code == 200
    [(_inline, formset)] = response.context["formsets"]
    assert list(formset.forms[0].fields["purchase_order_line"].queryset) == [order.lines.get()]


def test_new_receipt_offers_only_the_active_companys_receivable_orders(web, user, company, other_company):
    from django.contrib.auth.models import Group
    from django.urls import reverse

    from apps.core.services.companies import membership_set
    from tests.scm.factories import PurchaseOrderFactory

    # the user belongs to both companies; the active one is `company`
    membership_set(company=other_company, user=user, role=Group.objects.get(name="Admin"), actor=None)
    assert web.post(reverse("core:switch_company"), {"company": company.pk}).status_code == 302
    orders = {status: PurchaseOrderFactory(company=company, status=status) for status in PurchaseOrderStatus.values}
    foreign = PurchaseOrderFactory(company=other_company, status=PurchaseOrderStatus.SENT)
    receivable = [orders[PurchaseOrderStatus.SENT], orders[PurchaseOrderStatus.PARTIALLY_RECEIVED]]

    response = web.get("/scm/receipts/new/")
    assert response.status_code == 200
    assert set(response.context["form"].fields["purchase_order"].queryset) == set(receivable)
    # the order is a searchable picker: its endpoint offers the receivable orders of the active company only
    widget = response.context["form"].fields["purchase_order"].widget
    offered = web.get(widget.url()).json()["results"]
    assert {row["id"] for row in offered} == {order.pk for order in receivable}
    page = response.content.decode()
    for order in [foreign, *(o for o in orders.values() if o not in receivable)]:
        assert f">{order.number}<" not in page
    # an order that is not receivable is neither preselected nor accepted
    draft = orders[PurchaseOrderStatus.DRAFT]
    response = web.get("/scm/receipts/new/", {"purchase_order": draft.pk})
    assert "purchase_order" not in response.context["form"].initial
    response = web.post("/scm/receipts/new/", {
        "purchase_order": draft.pk, "received_on": "2026-03-02", "delivery_note": "DN-X", "notes": "",
        "lines-TOTAL_FORMS": "0", "lines-INITIAL_FORMS": "0", "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "1000"})
    assert response.status_code == 400
    assert "purchase_order" in response.context["form"].errors
    assert not draft.receipts.exists()
