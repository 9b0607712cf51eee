"""Demo data for PLM: the garden tractor (a 3-level BOM, a released revision and one open ECO) and, in
`demo_catalog`, the e-bike range (idempotent)."""

from decimal import Decimal

from django.db import transaction

from apps.core.models import UnitOfMeasure
from apps.plm.models import ChangeOrder, Item, ItemCategory
from apps.plm.services.boms import bom_line_add
from apps.plm.services.changes import (
    change_order_approve,
    change_order_create,
    change_order_release,
    change_order_submit,
)
from apps.plm.services.items import item_create, revision_create

CATALOG = [
    # number, name, type, unit, category, standard cost
    ("TR-100", "Garden tractor", "make", "ea", "Assemblies", "0"),
    ("DRV-200", "Drive unit", "make", "ea", "Assemblies", "0"),
    ("MTR-300", "Electric motor 2 kW", "buy", "ea", "Purchased parts", "180.00"),
    ("GBX-310", "Gearbox", "make", "ea", "Assemblies", "0"),
    ("GR-311", "Spur gear 40T", "buy", "ea", "Purchased parts", "12.50"),
    ("SH-312", "Steel shaft 20 mm", "buy", "ea", "Purchased parts", "8.20"),
    ("CH-400", "Chassis weldment", "make", "ea", "Assemblies", "0"),
    ("ST-401", "Steel tube 40x40", "buy", "m", "Raw material", "6.40"),
    ("BLT-500", "Hex bolt M8x30", "buy", "ea", "Fasteners", "0.12"),
    ("PNT-600", "Powder coat, black", "buy", "kg", "Raw material", "9.80"),
]
STRUCTURE = {
    "TR-100": [("DRV-200", "1", "ea", "0"), ("CH-400", "1", "ea", "0"), ("BLT-500", "24", "ea", "2")],
    "DRV-200": [("MTR-300", "1", "ea", "0"), ("GBX-310", "1", "ea", "0"), ("BLT-500", "6", "ea", "0")],
    "GBX-310": [("GR-311", "2", "ea", "0"), ("SH-312", "2", "ea", "0")],
    "CH-400": [("ST-401", "6.5", "m", "5"), ("PNT-600", "400", "g", "10")],
}


def seed(*, company, other_company, users) -> None:
    """Called by `seed_demo`: the garden tractor, then the e-bike range (`demo_catalog`)."""
    seed_tractor(company=company, other_company=other_company, users=users)
    from apps.plm.demo_catalog import seed_catalog

    seed_catalog(company=company, users=users)


@transaction.atomic
def seed_tractor(*, company, other_company, users) -> None:
    """Create the demo catalog once; a second run changes nothing."""
    if Item.objects.filter(company=company, number="TR-100").exists():
        return
    engineer, quality = users["engineer"], users["quality"]
    units = {u.code: u for u in UnitOfMeasure.objects.all()}
    items = {}
    for number, name, item_type, uom, category, cost in CATALOG:
        category_obj, _ = ItemCategory.objects.get_or_create(company=company, name=category)
        items[number] = item_create(company=company, number=number, name=name, item_type=item_type, uom=units[uom],
                                    category=category_obj, standard_cost=Decimal(cost), actor=engineer)
    for parent, lines in STRUCTURE.items():
        revision = items[parent].revisions.get(code="A")
        for position, (component, quantity, uom, scrap) in enumerate(lines, start=1):
            bom_line_add(revision=revision, component=items[component], quantity=Decimal(quantity), uom=units[uom],
                         scrap_percent=Decimal(scrap), position=position * 10, actor=engineer)
    # release revision A of everything through a first ECO
    first = change_order_create(company=company, title="Initial release of the garden tractor", actor=engineer,
                                reason="New product introduction.",
                                revisions=[i.revisions.get(code="A") for i in items.values()])
    change_order_submit(change_order=first, actor=engineer)
    change_order_approve(change_order=first, actor=engineer, comment="Design reviewed.")
    change_order_approve(change_order=first, actor=quality, comment="Inspection plan ready.")
    change_order_release(change_order=first, actor=engineer)
    # an open ECO: the chassis gets a longer tube (revision B, in draft)
    revision_b = revision_create(item=items["CH-400"], actor=engineer)
    line = revision_b.bom_lines.get(component=items["ST-401"])
    from apps.plm.services.boms import bom_line_update

    bom_line_update(instance=line, quantity=Decimal("7.0"), actor=engineer)
    if not ChangeOrder.objects.filter(company=company, status="draft").exists():
        change_order_create(company=company, title="Longer chassis tubes", actor=engineer,
                            reason="Field feedback: frame flex under load.", revisions=[revision_b])
    if not Item.objects.filter(company=other_company).exists():
        item_create(company=other_company, number="OW-1", name="Other Works part", uom=units["ea"],
                    actor=users["other"])
