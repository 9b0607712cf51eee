"""Demo data for SCM: a warehouse with zones and bins, stock of the PLM demo items, suppliers' prices, a
purchasing policy, purchase orders (one approved and sent, one partly received), a reorder rule and a
shipment reserved for a customer; then the e-bike range's suppliers and purchase history (`demo_history`).

Idempotent: every part checks whether it exists first, so a second run changes nothing.
"""

import datetime
from decimal import Decimal

from apps.core.models import Party
from apps.plm.choices import Tracking
from apps.plm.models import Item
from apps.scm.choices import LocationKind
from apps.scm.models import (
    Location,
    PurchaseOrder,
    PurchasingPolicy,
    ReorderRule,
    Shipment,
    StockMove,
    SupplierItem,
    Warehouse,
)
from apps.scm.services.locations import location_create, virtual_location, warehouse_create
from apps.scm.services.purchasing import (
    purchase_order_approve,
    purchase_order_create,
    purchase_order_send,
    purchasing_policy_set,
)
from apps.scm.services.receipts import goods_receipt_create, goods_receipt_post
from apps.scm.services.replenishment import reorder_rule_create
from apps.scm.services.shipments import shipment_create, shipment_reserve
from apps.scm.services.stock import MoveSpec, lot_get_or_create, stock_moves_post
from apps.scm.services.suppliers import supplier_item_create

BINS = [("MAIN/RAW", "Raw material zone", None), ("MAIN/RAW/A-01", "Bin A-01", "MAIN/RAW"),
        ("MAIN/RAW/A-02", "Bin A-02", "MAIN/RAW"), ("MAIN/FG", "Finished goods zone", None),
        ("MAIN/QC", "Quality hold", None)]


def seed_stock(*, company, users) -> None:
    """A warehouse MAIN with bins and a receipt of every buy item of the demo catalog (once)."""
    actor = users.get("storekeeper") or users.get("admin")
    if Warehouse.objects.filter(company=company, code="MAIN").exists():
        return
    warehouse = warehouse_create(company=company, code="MAIN", name="Main warehouse", actor=actor)
    root = Location.objects.get(company=company, code="MAIN/STOCK")
    created = {"MAIN/STOCK": root}
    for number, (code, name, parent) in enumerate(BINS):
        created[code] = location_create(company=company, code=code, name=name, warehouse=warehouse,
                                        parent=created[parent or "MAIN/STOCK"], barcode=f"20000{number:03d}",
                                        is_quality_hold=code == "MAIN/QC", actor=actor)
    for kind in (LocationKind.SUPPLIER, LocationKind.CUSTOMER, LocationKind.PRODUCTION, LocationKind.SCRAP,
                 LocationKind.INVENTORY_LOSS, LocationKind.TRANSIT):
        virtual_location(company=company, kind=kind)
    # the tractor's items (the e-bike range's stock comes from its purchase history: `demo_history`)
    items = list(Item.objects.filter(company=company).exclude(number__startswith="EB-").order_by("number")[:12])
    if not items or StockMove.objects.filter(company=company).exists():
        return
    supplier = virtual_location(company=company, kind=LocationKind.SUPPLIER)
    bins = [created["MAIN/RAW/A-01"], created["MAIN/RAW/A-02"], created["MAIN/FG"]]
    moves = []
    for index, item in enumerate(items):
        cost = item.standard_cost or Decimal("1.00")
        location = bins[index % len(bins)]
        if item.tracking == Tracking.SERIAL:
            for n in range(3):
                serial = lot_get_or_create(company=company, item=item, code=f"SN-{item.number}-{n + 1:03d}",
                                           actor=actor)
                moves.append(MoveSpec(item=item, quantity=Decimal(1), from_location=supplier, to_location=location,
                                      lot=serial, unit_cost=cost, reference="DEMO-OPENING"))
            continue
        lot = None
        if item.tracking == Tracking.LOT:
            lot = lot_get_or_create(company=company, item=item, code=f"{item.number}-L001", actor=actor,
                                    expires_on=datetime.date(2027, 12, 31))
        moves.append(MoveSpec(item=item, quantity=Decimal(50 + 10 * index), from_location=supplier,
                              to_location=location, lot=lot, unit_cost=cost, reference="DEMO-OPENING"))
    # opening stock has no document of its own: it is announced like a manual receipt, for the books
    stock_moves_post(company=company, moves=moves, actor=actor, announce=True)


# supplier, item, supplier's part number, lead time (days), minimum order, preferred, [(from quantity, unit price)]
SUPPLIER_ITEMS = [
    ("Steelworks Supply GmbH", "ST-401", "SW-T4040", 10, "50", True, [("0", "6.40"), ("200", "6.10"), ("500", "5.80")]),
    ("Steelworks Supply GmbH", "SH-312", "SW-SH20", 14, "0", True, [("0", "8.20"), ("100", "7.90")]),
    ("Precision Bearings SA", "MTR-300", "PB-M2000", 21, "5", True, [("0", "180.00"), ("20", "172.50")]),
    ("Precision Bearings SA", "GR-311", "PB-G40", 14, "0", True, [("0", "12.50"), ("50", "11.80")]),
    ("Fastener Depot", "BLT-500", "FD-M830", 3, "500", True, [("0", "0.12"), ("5000", "0.09")]),
    ("Steelworks Supply GmbH", "BLT-500", "SW-B830", 7, "1000", False, [("0", "0.11")]),
]
APPROVED_PO_NOTE = "Demo: motors for the spring series (approved by the manager, sent)."
RECEIVED_PO_NOTE = "Demo: chassis material (partly received)."
DEMO_SALES_ORDER = "SO-DEMO-0001"


def seed_purchasing(*, company, users) -> None:
    """Suppliers' items with price breaks, the purchasing policy, two purchase orders and a reorder rule (once)."""
    buyer, manager = users.get("buyer") or users["admin"], users.get("manager") or users["admin"]
    storekeeper = users.get("storekeeper") or users["admin"]
    warehouse = Warehouse.objects.filter(company=company, code="MAIN").first()
    items = {item.number: item for item in Item.objects.filter(company=company)}
    suppliers = {party.name: party for party in Party.objects.filter(company=company, is_supplier=True)}
    if warehouse is None or not items:
        return
    for supplier_name, number, part, lead, moq, preferred, breaks in SUPPLIER_ITEMS:
        supplier, item = suppliers.get(supplier_name), items.get(number)
        if supplier is None or item is None or SupplierItem.objects.filter(supplier=supplier, item=item).exists():
            continue
        supplier_item_create(company=company, actor=buyer, supplier=supplier, item=item, supplier_part_number=part,
                             lead_time_days=lead, minimum_order_quantity=Decimal(moq), is_preferred=preferred,
                             price_breaks=[{"min_quantity": Decimal(q), "unit_price": Decimal(p)} for q, p in breaks])
    if not PurchasingPolicy.objects.filter(company=company).exists():
        purchasing_policy_set(company=company, actor=manager, approval_threshold=Decimal("5000.00"),
                              over_receipt_tolerance_percent=Decimal("5"))
    bearings, steelworks = suppliers.get("Precision Bearings SA"), suppliers.get("Steelworks Supply GmbH")
    if bearings and not PurchaseOrder.objects.filter(company=company, notes=APPROVED_PO_NOTE).exists():
        # 40 motors at 172.50 = 6900.00, above the 5000.00 threshold: the manager approves, the buyer sends
        lines = [{"item": items["MTR-300"], "quantity": Decimal(40)},
                 {"item": items["GR-311"], "quantity": Decimal(60)}]
        order = purchase_order_create(company=company, actor=buyer, supplier=bearings, warehouse=warehouse,
                                      notes=APPROVED_PO_NOTE, lines=lines)
        order = purchase_order_approve(purchase_order=order, actor=manager, comment="Spring series confirmed.")
        purchase_order_send(purchase_order=order, actor=buyer)
    if steelworks and not PurchaseOrder.objects.filter(company=company, notes=RECEIVED_PO_NOTE).exists():
        lines = [{"item": items["ST-401"], "quantity": Decimal(300)},
                 {"item": items["SH-312"], "quantity": Decimal(100)}]
        order = purchase_order_create(company=company, actor=buyer, supplier=steelworks, warehouse=warehouse,
                                      notes=RECEIVED_PO_NOTE, lines=lines)
        order = purchase_order_send(purchase_order=order, actor=buyer)
        tube_line = order.lines.get(item=items["ST-401"])
        receipt = goods_receipt_create(company=company, actor=storekeeper, purchase_order=order,
                                       delivery_note="SW-DN-4711",
                                       lines=[{"purchase_order_line": tube_line, "quantity": Decimal(180)}])
        goods_receipt_post(receipt=receipt, actor=storekeeper)
    bolts = items.get("BLT-500")
    if bolts and not ReorderRule.objects.filter(item=bolts, warehouse=warehouse).exists():
        reorder_rule_create(company=company, actor=buyer, item=bolts, warehouse=warehouse,
                            min_quantity=Decimal(1000), max_quantity=Decimal(5000), multiple=Decimal(500))


def seed_shipments(*, company, users) -> None:
    """A shipment of gears and bolts to a customer, with its stock reserved (once)."""
    actor = users.get("storekeeper") or users["admin"]
    warehouse = Warehouse.objects.filter(company=company, code="MAIN").first()
    customer = Party.objects.filter(company=company, is_customer=True, name="Acme Tractors Ltd").first()
    items = {item.number: item for item in Item.objects.filter(company=company, number__in=["GR-311", "BLT-500"])}
    if warehouse is None or customer is None or len(items) < 2 or \
            Shipment.objects.filter(company=company, sales_order_number=DEMO_SALES_ORDER).exists():
        return
    shipment = shipment_create(company=company, actor=actor, customer=customer, warehouse=warehouse,
                               sales_order_number=DEMO_SALES_ORDER, carrier="DHL Freight",
                               lines=[{"item": items["GR-311"], "quantity": Decimal(8)},
                                      {"item": items["BLT-500"], "quantity": Decimal(48)}])
    shipment_reserve(shipment=shipment, actor=actor)


def seed(*, company, other_company, users) -> None:
    """Called by `seed_demo`: the SCM demo data of the demo company."""
    seed_stock(company=company, users=users)
    seed_purchasing(company=company, users=users)
    seed_shipments(company=company, users=users)
    from apps.scm.demo_history import seed_history

    seed_history(company=company, users=users)
