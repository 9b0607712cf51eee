"""The admin goes through the rules: documents past draft are read-only and cannot be deleted (inlines too),
saves of drafts and of master data go through the services, and admin actions call services."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import User

from apps.core.models import AuditRecord
from apps.mes.models import WorkOrder
from apps.plm.models import Item
from apps.scm.choices import LocationKind
from apps.scm.models import PurchaseOrder, PurchaseOrderLine, ShipmentAllocation, StockMove
from apps.scm.selectors import stock_on_hand
from apps.scm.services.locations import virtual_location
from apps.scm.services.purchasing import purchase_order_create, purchase_order_send
from apps.scm.services.receipts import goods_receipt_create, goods_receipt_post
from apps.scm.services.shipments import shipment_create, shipment_reserve
from apps.scm.services.stock import stock_move_post
from tests.mes.factories import WorkOrderFactory
from tests.plm.factories import ItemFactory
from tests.scm.factories import purchasing_world

D = Decimal
pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(db):
    return User.objects.create_superuser("root", "root@example.com", "pw-secret-123")


@pytest.fixture
def admin_web(client, superuser):
    client.force_login(superuser)
    return client


@pytest.fixture
def world(company):
    return purchasing_world(company)


def form_data(response) -> dict:
    """The POST data of an admin change form as shown: every field at its current value, inlines included."""
    data = {}

    def add(form):
        for name in form.fields:
            value = form[name].value()
            key = form.add_prefix(name)
            if isinstance(value, bool):
                if value:
                    data[key] = "on"
            elif isinstance(value, list | tuple):
                data[key] = [str(v) for v in value]
            elif value is not None:
                data[key] = value.isoformat() if isinstance(value, datetime.date) else str(value)

    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        add(formset.management_form)
        for form in formset.forms:
            add(form)
    return data


def received_order(world, user, *, ordered="30", received="30"):
    order = purchase_order_create(company=world.company, actor=user, supplier=world.supplier,
                                  warehouse=world.warehouse, lines=[{"item": world.item, "quantity": D(ordered)}])
    purchase_order_send(purchase_order=order, actor=user)
    line = order.lines.get()
    receipt = goods_receipt_create(company=world.company, actor=user, purchase_order=order,
                                   lines=[{"purchase_order_line": line, "quantity": D(received)}])
    goods_receipt_post(receipt=receipt, actor=user)
    return PurchaseOrder.objects.get(pk=order.pk)


# ---- documents past draft --------------------------------------------------------------------------------------
def test_a_received_order_and_its_lines_are_read_only(admin_web, world, user):
    order = received_order(world, user)
    url = f"/admin/scm/purchaseorder/{order.pk}/change/"
    page = admin_web.get(url)
    assert page.status_code == 200
    assert page.context["has_change_permission"] is False
    [lines] = page.context["inline_admin_formsets"]
    assert (lines.has_add_permission, lines.has_change_permission, lines.has_delete_permission) == (
        False, False, False)
    response = admin_web.post(url, {"notes": "cut", "lines-TOTAL_FORMS": "1", "lines-INITIAL_FORMS": "1",
                                    "lines-0-id": str(order.lines.get().pk), "lines-0-quantity": "20"})
    assert response.status_code == 403
    line = PurchaseOrderLine.objects.get(purchase_order=order)
    assert (line.quantity, line.quantity_received) == (D(30), D(30))
    order.refresh_from_db()
    assert (order.notes, order.status) == ("", "received")


def test_a_closed_work_order_cannot_change_in_the_admin(admin_web, company, other_company):
    work_order = WorkOrderFactory(company=company, status="closed", quantity_good=D(10))
    url = f"/admin/mes/workorder/{work_order.pk}/change/"
    page = admin_web.get(url)
    assert page.context["has_change_permission"] is False
    assert {"status", "quantity", "item", "company"} <= set(page.context["adminform"].readonly_fields)
    response = admin_web.post(url, {**form_data(page), "status": "draft", "quantity": "99",
                                    "company": str(other_company.pk)})
    assert response.status_code == 403
    work_order.refresh_from_db()
    assert (work_order.status, work_order.quantity, work_order.company) == ("closed", D(10), company)


def test_documents_past_draft_cannot_be_deleted_one_by_one_or_in_bulk(admin_web, world, user):
    order = received_order(world, user)
    assert admin_web.post(f"/admin/scm/purchaseorder/{order.pk}/delete/", {"post": "yes"}).status_code == 403
    response = admin_web.post("/admin/scm/purchaseorder/", {"action": "delete_selected", "_selected_action": [order.pk],
                                                            "post": "yes"})
    assert response.status_code in (200, 403)
    assert PurchaseOrder.objects.filter(pk=order.pk).exists()


def test_rows_only_services_write_are_read_only(admin_web, world, user):
    stock_move_post(company=world.company, item=world.item, quantity=D(5), unit_cost=D(1), to_location=world.stock,
                    from_location=virtual_location(company=world.company, kind=LocationKind.SUPPLIER), actor=user)
    shipment = shipment_create(company=world.company, actor=user, customer=world.customer, warehouse=world.warehouse,
                               lines=[{"item": world.item, "quantity": D(2)}])
    shipment_reserve(shipment=shipment, actor=user)
    allocation = ShipmentAllocation.objects.get()
    assert admin_web.post(f"/admin/scm/shipmentallocation/{allocation.pk}/change/",
                          {"quantity_picked": "2"}).status_code == 403
    assert admin_web.post(f"/admin/scm/shipment/{shipment.pk}/change/", {"carrier": "x"}).status_code == 403
    allocation.refresh_from_db()
    assert allocation.quantity_picked == D(0)


# ---- drafts and master data go through the services ------------------------------------------------------------
def test_a_draft_order_is_saved_through_its_service(admin_web, world, user):
    order = purchase_order_create(company=world.company, actor=user, supplier=world.supplier,
                                  warehouse=world.warehouse, lines=[{"item": world.item, "quantity": D(10)}])
    url = f"/admin/scm/purchaseorder/{order.pk}/change/"
    data = form_data(admin_web.get(url))
    data.update({"notes": "Call before delivery", "lines-0-quantity": "4", "lines-0-unit_price": "3"})
    response = admin_web.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else response
    order.refresh_from_db()
    assert (order.notes, order.total) == ("Call before delivery", D("12.00"))  # re-totalled by the service
    assert AuditRecord.objects.filter(content_type__model="purchaseorder", object_id=str(order.pk),
                                      action="update").count() == 1


def test_a_refusal_of_the_service_is_a_message_and_writes_nothing(admin_web, world, user):
    order = received_order(world, user, ordered="30", received="5")
    receipt = goods_receipt_create(company=world.company, actor=user, purchase_order=order,
                                   lines=[{"purchase_order_line": order.lines.get(), "quantity": D(5)}])
    url = f"/admin/scm/goodsreceipt/{receipt.pk}/change/"
    data = form_data(admin_web.get(url))
    data["lines-0-quantity"] = "50"  # over-receipt: 25 open, no tolerance
    response = admin_web.post(url, data, follow=True)
    assert response.status_code == 200
    assert any("Over-receipt" in str(m) for m in response.context["messages"])
    assert list(receipt.lines.values_list("quantity", flat=True)) == [D(5)]


def test_an_items_nature_is_read_only_once_used_and_saves_go_through_the_service(admin_web, world, user):
    item = world.item
    stock_move_post(company=world.company, item=item, quantity=D(111), unit_cost=D(1), to_location=world.stock,
                    from_location=virtual_location(company=world.company, kind=LocationKind.SUPPLIER), actor=user)
    url = f"/admin/plm/item/{item.pk}/change/"
    page = admin_web.get(url)
    assert {"tracking", "item_type", "uom"} <= set(page.context["adminform"].readonly_fields)
    response = admin_web.post(url, {**form_data(page), "name": "Bolt M8 zinc", "tracking": "serial"})
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.name, item.tracking) == ("Bolt M8 zinc", "none")
    assert AuditRecord.objects.filter(content_type__model="item", object_id=str(item.pk), action="update").count() == 1

    fresh = Item.objects.create(company=world.company, number="NEW-1", name="New", uom=item.uom)
    page = admin_web.get(f"/admin/plm/item/{fresh.pk}/change/")
    assert "tracking" not in page.context["adminform"].readonly_fields
    assert admin_web.post(f"/admin/plm/item/{fresh.pk}/change/",
                          {**form_data(page), "tracking": "lot"}).status_code == 302
    assert Item.objects.get(pk=fresh.pk).tracking == "lot"


def test_the_reverse_action_calls_the_service_once_per_move(admin_web, world, user):
    move = stock_move_post(company=world.company, item=world.item, quantity=D(5), unit_cost=D(1),
                           from_location=virtual_location(company=world.company, kind=LocationKind.SUPPLIER),
                           to_location=world.stock, actor=user)
    for _attempt in range(2):
        admin_web.post("/admin/scm/stockmove/", {"action": "reverse_moves", "_selected_action": [move.pk]})
    move.refresh_from_db()
    assert move.reversed_by is not None
    assert StockMove.objects.count() == 2
    assert stock_on_hand(item=world.item) == D(0)


def test_a_draft_work_order_keeps_its_status_out_of_the_form(admin_web, company):
    work_order = WorkOrderFactory(company=company)
    page = admin_web.get(f"/admin/mes/workorder/{work_order.pk}/change/")
    assert "status" in page.context["adminform"].readonly_fields
    response = admin_web.post(f"/admin/mes/workorder/{work_order.pk}/change/",
                              {**form_data(page), "status": "closed", "priority": "1"})
    assert response.status_code == 302
    assert WorkOrder.objects.values_list("status", "priority").get(pk=work_order.pk) == ("draft", 1)


def test_a_lots_identity_is_fixed_and_only_its_expiry_is_corrected(admin_web, company):
    from apps.scm.models import Lot
    from tests.scm.factories import LotFactory

    lot = LotFactory(company=company, code="L-1")
    other_item = ItemFactory(company=company, tracking="lot")
    url = f"/admin/scm/lot/{lot.pk}/change/"
    page = admin_web.get(url)
    assert {"code", "item", "is_serial", "company"} <= set(page.context["adminform"].readonly_fields)
    response = admin_web.post(url, {**form_data(page), "code": "L-2", "item": str(other_item.pk), "is_serial": "on",
                                    "expires_on": "2027-01-31"})
    assert response.status_code == 302
    lot = Lot.objects.get(pk=lot.pk)
    assert (lot.code, lot.item_id, lot.is_serial, lot.expires_on) == ("L-1", lot.item_id, False,
                                                                      datetime.date(2027, 1, 31))
    assert lot.item_id != other_item.pk
