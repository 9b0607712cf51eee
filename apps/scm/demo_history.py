"""Demo data for SCM, the e-bike range: ten suppliers (the three of the tractor and seven more) with their items
(part numbers, price breaks, lead times, minimum orders), and three months of purchasing: every supplier's
orders of about 90, 60 and 30 days ago, approved, sent and received on their dates (what the demo's work orders
consume, and some), one order sent and not yet received, and one draft.

Idempotent: it runs once per company (a second run finds the history's first order and changes nothing).
"""

import datetime
from decimal import ROUND_UP, Decimal

from django.db import transaction
from django.utils import timezone

from apps.core.models import Party
from apps.core.services.parties import party_create
from apps.plm.demo_catalog import PARTS, build_plan, requirements
from apps.plm.models import Item
from apps.scm.models import Location, PurchaseOrder, SupplierItem, Warehouse
from apps.scm.selectors_purchasing import needs_manager_approval
from apps.scm.services.purchasing import purchase_order_approve, purchase_order_create, purchase_order_send
from apps.scm.services.receipts import goods_receipt_create, goods_receipt_post
from apps.scm.services.suppliers import supplier_item_create

D = Decimal
HISTORY_NOTE = "Demo history"
NEW_SUPPLIERS = [
    ("AluTube Extrusions BV", "sales@alutube.example"), ("Voltcell Energy Co", "orders@voltcell.example"),
    ("DriveTec Motors GmbH", "vertrieb@drivetec.example"), ("Velo Components Srl", "ordini@velocomp.example"),
    ("Rimline Wheels Ltd", "sales@rimline.example"), ("Lumen & Wire AG", "info@lumenwire.example"),
    ("Nordpack Verpackung GmbH", "service@nordpack.example"),
]
# supplier: [(part, lead time in days, minimum order)]; the list price is the part's standard cost, 5 % less
# from the break quantity (ten times the minimum order, at least 10)
SOURCES = {
    "Steelworks Supply GmbH": [("EB-P004", 10, "20"), ("EB-P005", 14, "20"), ("EB-P006", 14, "20"),
                               ("EB-P007", 7, "5")],
    "Precision Bearings SA": [("EB-P009", 14, "20"), ("EB-P024", 21, "20"), ("EB-P025", 28, "10")],
    "Fastener Depot": [("EB-P023", 5, "500")],
    "AluTube Extrusions BV": [("EB-P001", 12, "20"), ("EB-P002", 12, "20"), ("EB-P003", 12, "20")],
    "Voltcell Energy Co": [("EB-P017", 35, "500"), ("EB-P018", 20, "20"), ("EB-P019", 28, "10"),
                           ("EB-P020", 21, "10")],
    "DriveTec Motors GmbH": [("EB-P010", 42, "10"), ("EB-P011", 28, "10"), ("EB-P014", 28, "10")],
    "Velo Components Srl": [("EB-P008", 21, "5"), ("EB-P012", 14, "10"), ("EB-P013", 10, "10"),
                            ("EB-P029", 14, "10"), ("EB-P030", 10, "10"), ("EB-P031", 10, "10")],
    "Rimline Wheels Ltd": [("EB-P021", 18, "20"), ("EB-P022", 18, "10"), ("EB-P026", 10, "20"),
                           ("EB-P027", 10, "10"), ("EB-P028", 7, "50")],
    "Lumen & Wire AG": [("EB-P015", 7, "50"), ("EB-P016", 7, "20"), ("EB-P032", 14, "10")],
    "Nordpack Verpackung GmbH": [("EB-P033", 21, "5"), ("EB-P034", 5, "25")],
}
# the history's purchase rounds: days ago ordered, share of the need (with a 12 % margin) ordered; the first
# round's material is all there when the work orders start (`apps.mes.demo_history`)
ROUNDS = [(90, D("0.45")), (62, D("0.35")), (34, D("0.32"))]
RECEIVED_AFTER = 7  # days: the suppliers keep the series material in stock for us
MARGIN = D("1.12")
STORE = "MAIN/RAW/A-02"  # where the parts are put away, and the work orders take them (and their assemblies) from


def _whole(quantity: Decimal) -> Decimal:
    return quantity.quantize(D(1), rounding=ROUND_UP)


def _suppliers(company, buyer) -> dict[str, Party]:
    existing = {p.name: p for p in Party.objects.filter(company=company, is_supplier=True)}
    for name, email in NEW_SUPPLIERS:
        if name not in existing:
            existing[name] = party_create(company=company, actor=buyer, name=name, is_supplier=True, email=email)
    return existing


def _supplier_items(company, buyer, suppliers, items) -> None:
    for supplier_name, parts in SOURCES.items():
        supplier = suppliers[supplier_name]
        for number, lead, moq in parts:
            item = items[number]
            if SupplierItem.objects.filter(supplier=supplier, item=item).exists():
                continue
            price = item.standard_cost
            breaks = [{"min_quantity": D(0), "unit_price": price},
                      {"min_quantity": max(D(moq) * 10, D(10)), "unit_price": (price * D("0.95")).quantize(D("0.01"))}]
            supplier_item_create(company=company, actor=buyer, supplier=supplier, item=item, is_preferred=True,
                                 supplier_part_number=f"{supplier_name[:3].upper()}-{number[3:]}",
                                 lead_time_days=lead, minimum_order_quantity=D(moq), price_breaks=breaks)


def _order(company, users, supplier, warehouse, lines, *, day, note, receive_on=None):
    buyer, manager = users.get("buyer") or users["admin"], users.get("manager") or users["admin"]
    order = purchase_order_create(company=company, actor=buyer, supplier=supplier, warehouse=warehouse,
                                  order_date=day, notes=note, lines=lines)
    if needs_manager_approval(order):
        order = purchase_order_approve(purchase_order=order, actor=manager, comment="Within the series budget.")
    order = purchase_order_send(purchase_order=order, actor=buyer)
    if receive_on is not None:
        storekeeper = users.get("storekeeper") or users["admin"]
        location = Location.objects.get(company=company, code=STORE)
        receipt = goods_receipt_create(company=company, actor=storekeeper, purchase_order=order, received_on=receive_on,
                                       delivery_note=f"DN-{order.number}",
                                       lines=[{"purchase_order_line": line, "quantity": line.quantity,
                                               "location": location}
                                              for line in order.lines.order_by("line_number")])
        goods_receipt_post(receipt=receipt, actor=storekeeper)
    return order


@transaction.atomic
def seed_history(*, company, users) -> None:
    """The e-bike suppliers, their items, and three months of purchase orders and receipts (once)."""
    part_numbers = [number for number, *_rest in PARTS]
    items = {item.number: item for item in Item.objects.filter(company=company, number__in=part_numbers)}
    warehouse = Warehouse.objects.filter(company=company, code="MAIN").first()
    if len(items) < len(part_numbers) or warehouse is None or \
            PurchaseOrder.objects.filter(company=company, notes__startswith=HISTORY_NOTE).exists():
        return
    buyer = users.get("buyer") or users["admin"]
    suppliers = _suppliers(company, buyer)
    _supplier_items(company, buyer, suppliers, items)
    today = timezone.localdate()
    need = requirements(build_plan())
    for supplier_name, parts in SOURCES.items():
        for days_ago, share in ROUNDS:
            day = today - datetime.timedelta(days=days_ago)
            lines = [{"item": items[number], "quantity": max(_whole(need[number] * MARGIN * share), D(moq)),
                      "due_date": day + datetime.timedelta(days=lead)} for number, lead, moq in parts]
            _order(company, users, suppliers[supplier_name], warehouse, lines, day=day,
                   note=f"{HISTORY_NOTE}: series material.",
                   receive_on=day + datetime.timedelta(days=RECEIVED_AFTER))
    # the next series: cells and motors ordered, on their way; a draft for frames' tubes
    _order(company, users, suppliers["Voltcell Energy Co"], warehouse, day=today - datetime.timedelta(days=6),
           note=f"{HISTORY_NOTE}: cells for the next series (on their way).",
           lines=[{"item": items["EB-P017"], "quantity": D(2000)}, {"item": items["EB-P019"], "quantity": D(40)}])
    _order(company, users, suppliers["DriveTec Motors GmbH"], warehouse, day=today - datetime.timedelta(days=4),
           note=f"{HISTORY_NOTE}: motors for the next series (on their way).",
           lines=[{"item": items["EB-P010"], "quantity": D(40)}, {"item": items["EB-P011"], "quantity": D(40)}])
    purchase_order_create(company=company, actor=buyer, supplier=suppliers["AluTube Extrusions BV"],
                          warehouse=warehouse, order_date=today, notes=f"{HISTORY_NOTE}: tubes, to be sent.",
                          lines=[{"item": items["EB-P001"], "quantity": D(60)},
                                 {"item": items["EB-P002"], "quantity": D(40)}])
