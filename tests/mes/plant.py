"""A small plant for MES production tests: stock, components, a product with its definition and routing."""

from dataclasses import dataclass, field
from decimal import Decimal

from apps.mes.models import ManufacturingDefinition, WorkCenter
from apps.plm.choices import Tracking
from apps.scm.choices import LocationKind
from apps.scm.services.locations import virtual_location
from apps.scm.services.stock import lot_get_or_create, stock_move_post
from tests.mes.factories import (
    ManufacturingDefinitionFactory,
    ManufacturingDefinitionLineFactory,
    RoutingFactory,
    RoutingOperationFactory,
    WorkCenterFactory,
)
from tests.plm.factories import ItemFactory, RevisionFactory
from tests.scm.factories import LocationFactory


@dataclass
class Plant:
    company: object
    user: object
    stock: object
    product: object
    revision: object
    definition: ManufacturingDefinition
    bolt: object  # untracked, 2 per unit
    steel: object  # lot-tracked, 1.5 per unit with 10 % scrap
    cutting: WorkCenter
    assembly: WorkCenter
    lots: dict = field(default_factory=dict)


def receive(plant_or_company, item, quantity, *, location, unit_cost="1.00", lot_code=None, user=None):
    """Put stock in from the supplier location (a receipt without purchasing)."""
    company = getattr(plant_or_company, "company", plant_or_company)
    lot = lot_get_or_create(company=company, item=item, code=lot_code, actor=user) if lot_code else None
    stock_move_post(company=company, item=item, quantity=Decimal(quantity),
                    from_location=virtual_location(company=company, kind=LocationKind.SUPPLIER),
                    to_location=location, lot=lot, unit_cost=Decimal(unit_cost), reference="TEST-RECEIPT", actor=user)
    return lot


def build_plant(company, user, *, stock_bolts="100", steel_lots=(("S-1", "10"), ("S-2", "20"))) -> Plant:
    stock = LocationFactory(company=company, code="MAIN/STOCK")
    product = ItemFactory(made=True, company=company, number="GEARBOX", tracking=Tracking.LOT)
    revision = RevisionFactory(released=True, company=company, item=product, code="A")
    bolt = ItemFactory(company=company, number="BOLT-M8", standard_cost=Decimal("0.50"))
    steel = ItemFactory(company=company, number="STEEL-BAR", tracking=Tracking.LOT)
    definition = ManufacturingDefinitionFactory(company=company, revision=revision, item=product)
    ManufacturingDefinitionLineFactory(definition=definition, component=bolt, quantity=Decimal("2"), position=10)
    ManufacturingDefinitionLineFactory(definition=definition, component=steel, quantity=Decimal("1.5"),
                                       scrap_percent=Decimal("10"), position=20)
    cutting = WorkCenterFactory(company=company, code="CUT", hourly_rate=Decimal("60"),
                                machine_hourly_rate=Decimal("30"))
    assembly = WorkCenterFactory(company=company, code="ASM", hourly_rate=Decimal("40"),
                                 machine_hourly_rate=Decimal("0"))
    routing = RoutingFactory(company=company, item=product)
    RoutingOperationFactory(routing=routing, sequence=10, work_center=cutting, name="Cut", setup_minutes=30,
                            run_minutes_per_unit=6)
    RoutingOperationFactory(routing=routing, sequence=20, work_center=assembly, name="Assemble", setup_minutes=0,
                            run_minutes_per_unit=12)
    plant = Plant(company=company, user=user, stock=stock, product=product, revision=revision,
                  definition=definition, bolt=bolt, steel=steel, cutting=cutting, assembly=assembly)
    if stock_bolts:
        receive(plant, bolt, stock_bolts, location=stock, unit_cost="0.50", user=user)
    for code, quantity in steel_lots:
        plant.lots[code] = receive(plant, steel, quantity, location=stock, unit_cost="4.00", lot_code=code, user=user)
    return plant
