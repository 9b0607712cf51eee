"""`seed_demo` for SCM: the demo data exists once, and a second run changes nothing."""

from decimal import Decimal

import pytest
from django.apps import apps
from django.core.management import call_command

from apps.scm.choices import PurchaseOrderStatus, ReceiptStatus, ShipmentStatus
from apps.scm.demo_history import HISTORY_NOTE
from apps.scm.models import (
    GoodsReceipt,
    PurchaseOrder,
    PurchasingPolicy,
    ReorderRule,
    Shipment,
    SupplierItem,
    SupplierPriceBreak,
)
from apps.scm.selectors import stock_ledger_differences

D = Decimal


def scm_counts() -> dict[str, int]:
    return {model._meta.label: model.objects.count() for model in apps.get_app_config("scm").get_models()}


@pytest.mark.usefixtures("eur")
def test_seed_demo_twice_is_idempotent_for_scm():
    call_command("seed_demo")
    first = scm_counts()
    call_command("seed_demo")
    assert scm_counts() == first
    assert first["scm.StockMove"] > 0
    tractor = {"item__number__startswith": "EB-"}  # the e-bike range's: tests/core/test_demo_company.py
    assert SupplierItem.objects.filter(company__code="DEMO").exclude(**tractor).count() == 6
    assert SupplierPriceBreak.objects.filter(supplier_item__company__code="DEMO").exclude(
        **{f"supplier_item__{key}": value for key, value in tractor.items()}).count() == 12
    policy = PurchasingPolicy.objects.get(company__code="DEMO")
    assert (policy.approval_threshold, policy.over_receipt_tolerance_percent) == (D("5000.00"), D("5.00"))
    orders = {order.notes.split(":")[1].strip(): order for order in PurchaseOrder.objects.filter(company__code="DEMO")
              .exclude(notes__startswith=HISTORY_NOTE)}
    approved = orders["motors for the spring series (approved by the manager, sent)."]
    assert (approved.status, approved.approved_by.username, approved.total) == (
        PurchaseOrderStatus.SENT, "manager", D("7608.00"))
    received = orders["chassis material (partly received)."]
    assert received.status == PurchaseOrderStatus.PARTIALLY_RECEIVED
    assert [(line.item.number, line.quantity_received) for line in received.lines.order_by("line_number")] == [
        ("ST-401", D(180)), ("SH-312", D(0))]
    assert GoodsReceipt.objects.get(purchase_order=received).status == ReceiptStatus.POSTED
    rule = ReorderRule.objects.get(company__code="DEMO")
    assert (rule.item.number, rule.min_quantity, rule.max_quantity) == ("BLT-500", D(1000), D(5000))
    shipment = Shipment.objects.get(company__code="DEMO", sales_order_number="SO-DEMO-0001")
    assert (shipment.status, shipment.customer.name) == (ShipmentStatus.RESERVED, "Acme Tractors Ltd")
    assert [(line.item.number, sum(a.quantity for a in line.allocations.all()))
            for line in shipment.lines.order_by("line_number")] == [("GR-311", D(8)), ("BLT-500", D(48))]
    assert stock_ledger_differences() == []
