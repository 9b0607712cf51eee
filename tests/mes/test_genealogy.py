"""Genealogy: a 4-level chain (ore → ingot → gear → gearbox serial), traced both ways in one query each,
down to the supplier receipt and up to the customer shipment."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.mes.selectors import lot_genealogy, lot_trace
from apps.mes.services.workorders import work_order_complete, work_order_create, work_order_release
from apps.plm.choices import Tracking
from apps.scm.models import Lot
from apps.scm.services.purchasing import purchase_order_create, purchase_order_send
from apps.scm.services.receipts import goods_receipt_create, goods_receipt_post
from apps.scm.services.shipments import shipment_create, shipment_reserve, shipment_ship
from tests.core.factories import PartyFactory
from tests.mes.factories import (
    GenealogyLinkFactory,
    ManufacturingDefinitionFactory,
    ManufacturingDefinitionLineFactory,
)
from tests.plm.factories import ItemFactory, RevisionFactory
from tests.scm.factories import LocationFactory

DUE = datetime.date(2030, 3, 15)


def make(company, user, number, component, per, location, quantity, lot_code, tracking=Tracking.LOT):
    item = ItemFactory(made=True, company=company, number=number, tracking=tracking)
    revision = RevisionFactory(released=True, company=company, item=item)
    definition = ManufacturingDefinitionFactory(company=company, revision=revision, item=item)
    ManufacturingDefinitionLineFactory(definition=definition, component=component, quantity=Decimal(per))
    work_order = work_order_create(company=company, actor=user, item=item, revision=revision,
                                   quantity=Decimal(quantity), due_date=DUE, location=location)
    work_order_release(work_order=work_order, actor=user)
    work_order_complete(work_order=work_order, quantity_good=Decimal(quantity), lot_code=lot_code, actor=user,
                        serials=[lot_code] if tracking == Tracking.SERIAL else None)
    return item, work_order


@pytest.fixture
def chain(company, user):
    stock = LocationFactory(company=company, code="WH/STOCK")
    supplier = PartyFactory(company=company, name="Ore Mining Ltd", is_supplier=True, is_customer=False)
    customer = PartyFactory(company=company, name="Windmill Corp", is_customer=True)
    ore = ItemFactory(company=company, number="ORE", tracking=Tracking.LOT)
    order = purchase_order_create(company=company, actor=user, supplier=supplier, warehouse=stock.warehouse, lines=[
        {"item": ore, "quantity": Decimal(100), "unit_price": Decimal("2.00"), "due_date": DUE}])
    purchase_order_send(purchase_order=order, actor=user)
    receipt = goods_receipt_create(company=company, actor=user, purchase_order=order, lines=[
        {"purchase_order_line": order.lines.get(), "quantity": Decimal(100), "lot_code": "ORE-7", "location": stock}])
    goods_receipt_post(receipt=receipt, actor=user)
    ingot, _ = make(company, user, "INGOT", ore, "5", stock, "10", "ING-1")
    gear, _ = make(company, user, "GEAR", ingot, "2", stock, "5", "GEAR-1")
    gearbox, last = make(company, user, "GEARBOX", gear, "1", stock, "1", "GBX-0001", tracking=Tracking.SERIAL)
    shipment = shipment_create(company=company, actor=user, customer=customer, warehouse=stock.warehouse,
                               sales_order_number="SO-2030-00042", lines=[
                                   {"item": gearbox, "quantity": Decimal(1),
                                    "lot": Lot.objects.get(item=gearbox, code="GBX-0001")}])
    shipment_reserve(shipment=shipment, actor=user)
    shipment_ship(shipment=shipment, actor=user)
    return {"receipt": receipt, "order": order, "shipment": shipment, "supplier": supplier, "customer": customer,
            "lots": {lot.code: lot for lot in Lot.objects.filter(company=company)}, "last": last}


def test_backward_from_the_serial_reaches_the_supplier_receipt_in_one_query(chain):
    serial = chain["lots"]["GBX-0001"]
    with CaptureQueriesContext(connection) as queries:
        rows = lot_trace(lot_id=serial.pk, company_id=serial.company_id, direction="backward")
    assert len(queries) == 1
    assert [(r["depth"], r["lot"], r["item"], r["quantity"], r["is_leaf"]) for r in rows] == [
        (1, "GEAR-1", "GEAR", "1.0000", False),
        (2, "ING-1", "INGOT", "10.0000", False),
        (3, "ORE-7", "ORE", "50.0000", True),
    ]
    [receipt] = rows[2]["receipts"]
    assert (receipt["receipt"], receipt["purchase_order"], receipt["supplier"], receipt["quantity"]) == (
        chain["receipt"].number, chain["order"].number, "Ore Mining Ltd", "100.0000")
    assert rows[0]["work_order"] == chain["last"].number


def test_forward_from_the_ore_lot_reaches_the_customer_shipment_in_one_query(chain):
    ore = chain["lots"]["ORE-7"]
    with CaptureQueriesContext(connection) as queries:
        rows = lot_trace(lot_id=ore.pk, company_id=ore.company_id, direction="forward")
    assert len(queries) == 1
    assert [(r["depth"], r["lot"], r["is_leaf"]) for r in rows] == [
        (1, "ING-1", False), (2, "GEAR-1", False), (3, "GBX-0001", True)]
    [shipment] = rows[2]["shipments"]
    assert (shipment["shipment"], shipment["sales_order"], shipment["customer"]) == (
        chain["shipment"].number, "SO-2030-00042", "Windmill Corp")
    assert rows[0]["shipments"] == []


def test_lot_genealogy_gives_both_directions_from_the_middle(chain):
    result = lot_genealogy(lot=chain["lots"]["GEAR-1"])
    assert result["lot"]["code"] == "GEAR-1"
    assert [r["lot"] for r in result["backward"]] == ["ING-1", "ORE-7"]
    assert [r["lot"] for r in result["forward"]] == ["GBX-0001"]


def test_diamond_graph_lists_each_edge_once_and_other_companies_are_not_walked(company, other_company):
    top = GenealogyLinkFactory(company=company)
    a = GenealogyLinkFactory(company=company, parent_lot=top.parent_lot)  # top has two children
    shared = GenealogyLinkFactory(company=company, parent_lot=top.child_lot)
    GenealogyLinkFactory(company=company, parent_lot=a.child_lot, child_lot=shared.child_lot)  # both use it
    rows = lot_trace(lot_id=top.parent_lot_id, company_id=company.pk, direction="backward")
    assert len(rows) == 4
    assert sorted(r["depth"] for r in rows) == [1, 1, 2, 2]
    assert lot_trace(lot_id=top.parent_lot_id, company_id=other_company.pk, direction="backward") == []
