"""SCM role patterns: storekeepers run the warehouse but neither buy nor approve; only managers approve."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group

from apps.scm.choices import PurchaseOrderStatus
from apps.scm.models import PurchaseOrder
from apps.scm.services.purchasing import purchase_order_create
from tests.scm.factories import purchasing_world

D = Decimal
BASE = "/api/v1/scm"


def role_permissions(role: str) -> set[str]:
    group = Group.objects.get(name=role)
    return {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")
            if p.content_type.app_label == "scm"}


@pytest.fixture
def above_threshold(company, user):
    world = purchasing_world(company)  # approval threshold 1000.00
    return purchase_order_create(company=company, actor=user, supplier=world.supplier, warehouse=world.warehouse,
                                 lines=[{"item": world.item, "quantity": D(600)}])  # 600 x 2.00 = 1200.00


def test_storekeeper_gets_403_approving_above_threshold_and_manager_approves(above_threshold, company, make_user,
                                                                             api_for):
    storekeeper, manager = make_user(company, "Warehouse"), make_user(company, "Manager")
    assert above_threshold.total_company_currency == D("1200.00")
    response = api_for(storekeeper).post(f"{BASE}/purchase-orders/{above_threshold.pk}/approve/")
    assert response.status_code == 403
    order = PurchaseOrder.objects.get(pk=above_threshold.pk)
    assert (order.status, order.approved_by, order.approved_at) == (PurchaseOrderStatus.DRAFT, None, None)
    response = api_for(manager).post(f"{BASE}/purchase-orders/{above_threshold.pk}/approve/")
    assert response.status_code == 200
    order.refresh_from_db()
    assert (order.status, order.approved_by) == (PurchaseOrderStatus.APPROVED, manager)


def test_storekeeper_cannot_change_or_send_purchase_orders(above_threshold, company, make_user, api_for):
    client = api_for(make_user(company, "Warehouse"))
    assert client.get(f"{BASE}/purchase-orders/{above_threshold.pk}/").status_code == 200
    assert client.patch(f"{BASE}/purchase-orders/{above_threshold.pk}/", {"notes": "x"},
                        format="json").status_code == 403
    assert client.post(f"{BASE}/purchase-orders/{above_threshold.pk}/send/").status_code == 403
    order = PurchaseOrder.objects.get(pk=above_threshold.pk)
    assert (order.status, order.notes) == (PurchaseOrderStatus.DRAFT, "")


@pytest.mark.usefixtures("company")
def test_warehouse_role_runs_stock_receipts_and_shipments_without_purchasing_writes():
    granted = role_permissions("Warehouse")
    for model in ("warehouse", "location", "lot", "stockmove", "reservation", "cyclecount", "goodsreceipt",
                  "goodsreceiptline", "shipment", "shipmentline", "shipmentallocation"):
        assert {f"scm.add_{model}", f"scm.change_{model}", f"scm.view_{model}"} <= granted, model
    for model in ("purchaseorder", "purchaseorderline", "purchaserequisition", "supplieritem", "purchasingpolicy"):
        assert f"scm.view_{model}" in granted
        assert not {f"scm.add_{model}", f"scm.change_{model}", f"scm.delete_{model}"} & granted, model
    assert "scm.approve_purchaseorder" not in granted
    assert "scm.change_stockquant" not in granted  # quants change through moves only


@pytest.mark.usefixtures("company")
def test_integrator_writes_purchasing_but_only_managers_approve():
    assert {"scm.add_purchaseorder", "scm.change_purchaseorder", "scm.add_goodsreceipt"} <= role_permissions(
        "Integrator")
    assert "scm.approve_purchaseorder" not in role_permissions("Integrator")
    assert "scm.approve_purchaseorder" in role_permissions("Manager")
    assert "scm.approve_purchaseorder" in role_permissions("Admin")
