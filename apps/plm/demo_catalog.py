"""Demo data for PLM, the e-bike range: three electric bicycles on four-level BOMs (bike → frame, drive, wheel and
battery assemblies → welded frames, laced wheels, cell modules, harnesses → purchased parts), released through one
change order. The other modules' demo builds on these constants (suppliers' items, routings, sales history).

Idempotent: it runs once per company (a second run finds the first bike and changes nothing).
"""

from decimal import Decimal

from django.db import transaction

from apps.core.models import UnitOfMeasure
from apps.plm.models import Item, ItemCategory
from apps.plm.services.boms import bom_line_add
from apps.plm.services.changes import (
    change_order_approve,
    change_order_create,
    change_order_release,
    change_order_submit,
)
from apps.plm.services.items import item_create

RELEASE_TITLE = "Introduction of the e-bike range"
# number, name, unit, category, standard cost (made items are costed by their work orders)
BIKES = [
    ("EB-1000", "E-bike Urban 500 (city)", "ea", "E-bikes", "0"),
    ("EB-2000", "E-bike Tour 700 (trekking)", "ea", "E-bikes", "0"),
    ("EB-3000", "E-bike Haul 900 (cargo)", "ea", "E-bikes", "0"),
]
ASSEMBLIES = [
    ("EB-F100", "Frame assembly Urban, painted", "ea", "Assemblies", "0"),
    ("EB-F200", "Frame assembly Tour, painted", "ea", "Assemblies", "0"),
    ("EB-F300", "Frame assembly Haul, painted", "ea", "Assemblies", "0"),
    ("EB-D100", "Drive assembly, mid motor 85 Nm", "ea", "Assemblies", "0"),
    ("EB-W100", "Front wheel 28 in, complete", "ea", "Assemblies", "0"),
    ("EB-W110", "Rear wheel 28 in, complete", "ea", "Assemblies", "0"),
    ("EB-W300", "Front wheel 20 in cargo, complete", "ea", "Assemblies", "0"),
    ("EB-B100", "Battery pack 625 Wh", "ea", "Assemblies", "0"),
]
SUB_ASSEMBLIES = [
    ("EB-F110", "Welded frame Urban, raw", "ea", "Sub-assemblies", "0"),
    ("EB-F210", "Welded frame Tour, raw", "ea", "Sub-assemblies", "0"),
    ("EB-F310", "Welded frame Haul, raw", "ea", "Sub-assemblies", "0"),
    ("EB-W010", "Laced wheel 28 in, front", "ea", "Sub-assemblies", "0"),
    ("EB-W011", "Laced wheel 28 in, rear", "ea", "Sub-assemblies", "0"),
    ("EB-W030", "Laced wheel 20 in, front", "ea", "Sub-assemblies", "0"),
    ("EB-B010", "Cell module 13S4P", "ea", "Sub-assemblies", "0"),
    ("EB-D010", "Wiring harness", "ea", "Sub-assemblies", "0"),
]
PARTS = [
    ("EB-P001", "Aluminium tube 6061, 35 mm", "m", "Raw material", "9.40"),
    ("EB-P002", "Aluminium tube 6061, 28 mm", "m", "Raw material", "7.80"),
    ("EB-P003", "Aluminium stay tube, 18 mm", "m", "Raw material", "5.20"),
    ("EB-P004", "Steel tube 40 mm (cargo)", "m", "Raw material", "6.90"),
    ("EB-P005", "Dropout set, forged", "ea", "Purchased parts", "11.50"),
    ("EB-P006", "Head tube 44 mm", "ea", "Purchased parts", "8.60"),
    ("EB-P007", "Powder coat, satin grey", "kg", "Raw material", "14.00"),
    ("EB-P008", "Suspension fork 63 mm", "ea", "Purchased parts", "96.00"),
    ("EB-P009", "Headset, tapered", "ea", "Purchased parts", "12.40"),
    ("EB-P010", "Mid-drive motor 250 W, 85 Nm", "ea", "Electronics", "310.00"),
    ("EB-P011", "Motor controller 36 V", "ea", "Electronics", "48.00"),
    ("EB-P012", "Crankset 170 mm", "ea", "Purchased parts", "27.50"),
    ("EB-P013", "Chain, 1/2 x 3/32 in", "ea", "Purchased parts", "9.90"),
    ("EB-P014", "Display and handlebar remote", "ea", "Electronics", "39.00"),
    ("EB-P015", "Cable 18 AWG, twin", "m", "Electronics", "0.85"),
    ("EB-P016", "Connector set, waterproof", "ea", "Electronics", "6.20"),
    ("EB-P017", "Li-ion cell 21700, 4.8 Ah", "ea", "Electronics", "3.10"),
    ("EB-P018", "Nickel strip 0.15 mm", "m", "Raw material", "1.40"),
    ("EB-P019", "Battery management system 13S", "ea", "Electronics", "22.00"),
    ("EB-P020", "Battery housing, aluminium", "ea", "Purchased parts", "18.50"),
    ("EB-P021", "Rim 28 in, double wall", "ea", "Purchased parts", "16.80"),
    ("EB-P022", "Rim 20 in, double wall", "ea", "Purchased parts", "14.20"),
    ("EB-P023", "Spoke 2 mm, stainless", "ea", "Fasteners", "0.32"),
    ("EB-P024", "Front hub 100 mm", "ea", "Purchased parts", "13.00"),
    ("EB-P025", "Rear hub, 8-speed internal", "ea", "Purchased parts", "118.00"),
    ("EB-P026", "Tyre 28 x 1.75 in", "ea", "Purchased parts", "17.50"),
    ("EB-P027", "Tyre 20 x 2.4 in", "ea", "Purchased parts", "19.00"),
    ("EB-P028", "Inner tube", "ea", "Purchased parts", "3.20"),
    ("EB-P029", "Hydraulic disc brake set", "ea", "Purchased parts", "64.00"),
    ("EB-P030", "Handlebar and stem", "ea", "Purchased parts", "24.00"),
    ("EB-P031", "Saddle, ergonomic", "ea", "Purchased parts", "15.50"),
    ("EB-P032", "Light set, 70 lux", "ea", "Electronics", "21.00"),
    ("EB-P033", "Cargo box, birch plywood", "ea", "Purchased parts", "88.00"),
    ("EB-P034", "Shipping carton", "ea", "Purchased parts", "6.50"),
]
MADE = [*BIKES, *ASSEMBLIES, *SUB_ASSEMBLIES]
# parent: [(component, quantity, unit)]; no scrap allowance, so the demo's purchases match its consumption
_FINISHING = [("EB-P029", "1", "ea"), ("EB-P030", "1", "ea"), ("EB-P031", "1", "ea"), ("EB-P032", "1", "ea"),
              ("EB-P014", "1", "ea"), ("EB-P034", "1", "ea")]
STRUCTURE = {
    "EB-1000": [("EB-F100", "1", "ea"), ("EB-D100", "1", "ea"), ("EB-W100", "1", "ea"), ("EB-W110", "1", "ea"),
                ("EB-B100", "1", "ea"), *_FINISHING],
    "EB-2000": [("EB-F200", "1", "ea"), ("EB-D100", "1", "ea"), ("EB-W100", "1", "ea"), ("EB-W110", "1", "ea"),
                ("EB-B100", "1", "ea"), ("EB-P008", "1", "ea"), *_FINISHING],
    "EB-3000": [("EB-F300", "1", "ea"), ("EB-D100", "1", "ea"), ("EB-W300", "1", "ea"), ("EB-W110", "1", "ea"),
                ("EB-B100", "2", "ea"), ("EB-P033", "1", "ea"), *_FINISHING],
    "EB-F100": [("EB-F110", "1", "ea"), ("EB-P007", "300", "g"), ("EB-P009", "1", "ea")],
    "EB-F200": [("EB-F210", "1", "ea"), ("EB-P007", "320", "g"), ("EB-P009", "1", "ea")],
    "EB-F300": [("EB-F310", "1", "ea"), ("EB-P007", "450", "g"), ("EB-P009", "1", "ea")],
    "EB-D100": [("EB-P010", "1", "ea"), ("EB-P011", "1", "ea"), ("EB-P012", "1", "ea"), ("EB-P013", "1", "ea"),
                ("EB-D010", "1", "ea")],
    "EB-W100": [("EB-W010", "1", "ea"), ("EB-P026", "1", "ea"), ("EB-P028", "1", "ea")],
    "EB-W110": [("EB-W011", "1", "ea"), ("EB-P026", "1", "ea"), ("EB-P028", "1", "ea")],
    "EB-W300": [("EB-W030", "1", "ea"), ("EB-P027", "1", "ea"), ("EB-P028", "1", "ea")],
    "EB-B100": [("EB-B010", "1", "ea"), ("EB-P019", "1", "ea"), ("EB-P020", "1", "ea")],
    "EB-F110": [("EB-P001", "0.7", "m"), ("EB-P002", "0.6", "m"), ("EB-P003", "1.6", "m"), ("EB-P005", "1", "ea"),
                ("EB-P006", "1", "ea")],
    "EB-F210": [("EB-P001", "0.75", "m"), ("EB-P002", "0.65", "m"), ("EB-P003", "1.7", "m"), ("EB-P005", "1", "ea"),
                ("EB-P006", "1", "ea")],
    "EB-F310": [("EB-P004", "3.2", "m"), ("EB-P001", "0.8", "m"), ("EB-P003", "1.8", "m"), ("EB-P005", "1", "ea"),
                ("EB-P006", "1", "ea")],
    "EB-W010": [("EB-P021", "1", "ea"), ("EB-P023", "36", "ea"), ("EB-P024", "1", "ea")],
    "EB-W011": [("EB-P021", "1", "ea"), ("EB-P023", "36", "ea"), ("EB-P025", "1", "ea")],
    "EB-W030": [("EB-P022", "1", "ea"), ("EB-P023", "32", "ea"), ("EB-P024", "1", "ea")],
    "EB-B010": [("EB-P017", "52", "ea"), ("EB-P018", "1.2", "m")],
    "EB-D010": [("EB-P015", "2.5", "m"), ("EB-P016", "1", "ea")],
}
# the bottom-up build order of the made items (sub-assemblies, assemblies, bikes)
BUILD_ORDER = [number for number, *_rest in (*SUB_ASSEMBLIES, *ASSEMBLIES, *BIKES)]


def requirements(plan: dict[str, Decimal]) -> dict[str, Decimal]:
    """The purchased parts (in the parts' own units) that building `plan` ({made item: quantity}, each level built
    from the level below) consumes."""
    units = {number: uom for number, _name, uom, *_rest in PARTS}
    needed: dict[str, Decimal] = {}
    for parent, quantity in plan.items():
        for component, per, uom in STRUCTURE[parent]:
            if component in units:
                amount = Decimal(per) * quantity / (1000 if (uom, units[component]) == ("g", "kg") else 1)
                needed[component] = needed.get(component, Decimal(0)) + amount
    return needed


@transaction.atomic
def seed_catalog(*, company, users) -> None:
    """The e-bike items, their BOMs and the change order that released them (once)."""
    if Item.objects.filter(company=company, number=BIKES[0][0]).exists():
        return
    engineer, quality = users["engineer"], users["quality"]
    units = {u.code: u for u in UnitOfMeasure.objects.all()}
    categories = {c.name: c for c in ItemCategory.objects.filter(company=company)}
    items = {}
    for number, name, uom, category, cost in [*MADE, *PARTS]:
        if category not in categories:
            categories[category] = ItemCategory.objects.get_or_create(company=company, name=category)[0]
        items[number] = item_create(company=company, number=number, name=name, uom=units[uom],
                                    item_type="make" if cost == "0" else "buy", category=categories[category],
                                    standard_cost=Decimal(cost), actor=engineer)
    for parent, lines in STRUCTURE.items():
        revision = items[parent].revisions.get(code="A")
        for position, (component, quantity, uom) in enumerate(lines, start=1):
            bom_line_add(revision=revision, component=items[component], quantity=Decimal(quantity), uom=units[uom],
                         position=position * 10, actor=engineer)
    order = change_order_create(company=company, title=RELEASE_TITLE, actor=engineer,
                                reason="New product range: three e-bikes on shared drive, wheel and battery "
                                       "assemblies.", revisions=[i.revisions.get(code="A") for i in items.values()])
    change_order_submit(change_order=order, actor=engineer)
    change_order_approve(change_order=order, actor=engineer, comment="Design and BOMs reviewed.")
    change_order_approve(change_order=order, actor=quality, comment="Test plan for frames and batteries ready.")
    change_order_release(change_order=order, actor=engineer)


# what the demo's three months of history built: the bikes, and of each assembly and sub-assembly what the level
# above took plus a few spares (service parts, the next batch)
BIKE_BUILDS = {"EB-1000": Decimal(30), "EB-2000": Decimal(22), "EB-3000": Decimal(10)}
SPARES = Decimal(4)


def build_plan() -> dict[str, Decimal]:
    """{made item: quantity built}, top-down: the bikes, then each level what the level above consumes + SPARES."""
    plan = dict(BIKE_BUILDS)
    for level in (ASSEMBLIES, SUB_ASSEMBLIES):
        numbers = {number for number, *_rest in level}
        needed = {number: SPARES for number in numbers}
        for parent, quantity in list(plan.items()):
            for component, per, _uom in STRUCTURE[parent]:
                if component in numbers:
                    needed[component] += Decimal(per) * quantity
        plan.update(needed)
    return plan
