"""Demo data for SCM stock: a warehouse with zones and bins, and some stock of the PLM demo items.

Idempotent: a second run changes nothing. Other SCM demo data may be added below `seed_stock`.
"""

import datetime
from decimal import Decimal

from apps.plm.choices import Tracking
from apps.plm.models import Item
from apps.scm.choices import LocationKind
from apps.scm.models import Location, StockMove, Warehouse
from apps.scm.services.locations import location_create, virtual_location, warehouse_create
from apps.scm.services.stock import MoveSpec, lot_get_or_create, stock_moves_post

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
    items = list(Item.objects.filter(company=company).order_by("number")[:12])
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
    stock_moves_post(company=company, moves=moves, actor=actor)


def seed(*, company, other_company, users) -> None:
    """Called by `seed_demo`: the stock demo data of the demo company."""
    seed_stock(company=company, users=users)
