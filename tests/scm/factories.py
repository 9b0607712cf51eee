"""Factories of SCM's models (and the PLM items they move). Company-owned factories take `company=`."""

from decimal import Decimal

import factory

from apps.core.models import UnitOfMeasure
from apps.plm.models import Item
from apps.scm.choices import LocationKind, MoveStatus
from apps.scm.models import (
    CycleCount,
    CycleCountLine,
    ItemValuation,
    Location,
    Lot,
    Reservation,
    StockMove,
    StockQuant,
    Warehouse,
)
from tests.core.factories import CompanyFactory


class ItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Item

    company = factory.SubFactory(CompanyFactory)
    number = factory.Sequence(lambda n: f"SCM-{n:05d}")
    name = factory.LazyAttribute(lambda o: f"Part {o.number}")
    uom = factory.LazyFunction(lambda: UnitOfMeasure.objects.get(code="ea"))
    standard_cost = Decimal("1.00")


class WarehouseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Warehouse

    company = factory.SubFactory(CompanyFactory)
    code = factory.Sequence(lambda n: f"WH{n}")
    name = factory.LazyAttribute(lambda o: f"Warehouse {o.code}")


class LocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Location

    company = factory.SubFactory(CompanyFactory)
    warehouse = factory.SubFactory(WarehouseFactory, company=factory.SelfAttribute("..company"))
    code = factory.Sequence(lambda n: f"LOC-{n:04d}")
    name = factory.LazyAttribute(lambda o: f"Bin {o.code}")
    kind = LocationKind.INTERNAL


class LotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Lot

    company = factory.SubFactory(CompanyFactory)
    item = factory.SubFactory(ItemFactory, company=factory.SelfAttribute("..company"), tracking="lot")
    code = factory.Sequence(lambda n: f"L{n:05d}")


class StockMoveFactory(factory.django.DjangoModelFactory):
    """A draft move (done moves are written by the stock services only)."""

    class Meta:
        model = StockMove

    company = factory.SubFactory(CompanyFactory)
    item = factory.SubFactory(ItemFactory, company=factory.SelfAttribute("..company"))
    quantity = Decimal("1")
    from_location = factory.SubFactory(LocationFactory, company=factory.SelfAttribute("..company"))
    to_location = factory.SubFactory(LocationFactory, company=factory.SelfAttribute("..company"))
    status = MoveStatus.DRAFT


class StockQuantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StockQuant

    company = factory.SubFactory(CompanyFactory)
    item = factory.SubFactory(ItemFactory, company=factory.SelfAttribute("..company"))
    location = factory.SubFactory(LocationFactory, company=factory.SelfAttribute("..company"))
    on_hand = Decimal("0")


class ReservationFactory(factory.django.DjangoModelFactory):
    """A bare reservation row (no quant effect; use `stock_reserve` for real ones)."""

    class Meta:
        model = Reservation

    company = factory.SubFactory(CompanyFactory)
    item = factory.SubFactory(ItemFactory, company=factory.SelfAttribute("..company"))
    location = factory.SubFactory(LocationFactory, company=factory.SelfAttribute("..company"))
    quantity = Decimal("1")
    open_quantity = Decimal("1")


class ItemValuationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ItemValuation

    company = factory.SubFactory(CompanyFactory)
    item = factory.SubFactory(ItemFactory, company=factory.SelfAttribute("..company"))


class CycleCountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CycleCount

    company = factory.SubFactory(CompanyFactory)
    number = factory.Sequence(lambda n: f"CC-T-{n:05d}")
    location = factory.SubFactory(LocationFactory, company=factory.SelfAttribute("..company"))


class CycleCountLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CycleCountLine

    count = factory.SubFactory(CycleCountFactory)
    item = factory.SubFactory(ItemFactory, company=factory.SelfAttribute("..count.company"))


# ---- purchasing and shipments ------------------------------------------------------------------
class SupplierItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "scm.SupplierItem"

    company = factory.SubFactory(CompanyFactory)
    supplier = factory.SubFactory("tests.core.factories.PartyFactory", company=factory.SelfAttribute("..company"),
                                  is_supplier=True, is_customer=False)
    item = factory.SubFactory(ItemFactory, company=factory.SelfAttribute("..company"))
    currency = factory.LazyAttribute(lambda o: o.company.currency)
    supplier_part_number = factory.Sequence(lambda n: f"SUP-{n:05d}")
    lead_time_days = 7


class SupplierPriceBreakFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "scm.SupplierPriceBreak"

    supplier_item = factory.SubFactory(SupplierItemFactory)
    min_quantity = Decimal("0")
    unit_price = Decimal("10.00")


class ReorderRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "scm.ReorderRule"

    company = factory.SubFactory(CompanyFactory)
    item = factory.SubFactory(ItemFactory, company=factory.SelfAttribute("..company"))
    warehouse = factory.SubFactory(WarehouseFactory, company=factory.SelfAttribute("..company"))
    min_quantity = Decimal("10")
    max_quantity = Decimal("50")
    multiple = Decimal("1")


class PurchasingPolicyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "scm.PurchasingPolicy"

    company = factory.SubFactory(CompanyFactory)
    approval_threshold = Decimal("1000.00")
    over_receipt_tolerance_percent = Decimal("10")


def purchasing_world(company):
    """A warehouse with a stock bin and a quality-hold bin, a supplier with a priced item, a customer."""
    from types import SimpleNamespace

    from tests.core.factories import PartyFactory

    warehouse = WarehouseFactory(company=company, code=f"MAIN-{company.code}")
    stock = LocationFactory(company=company, warehouse=warehouse, code=f"{company.code}-A1",
                            barcode=f"LOC-{company.code}-A1")
    hold = LocationFactory(company=company, warehouse=warehouse, code=f"{company.code}-QH", is_quality_hold=True)
    supplier = PartyFactory(company=company, name=f"Steelworks {company.code}", is_supplier=True, is_customer=False)
    customer = PartyFactory(company=company, name=f"Tractors {company.code}", is_customer=True)
    item = ItemFactory(company=company, number=f"BOLT-{company.code}", standard_cost=Decimal("1.00"))
    supplier_item = SupplierItemFactory(company=company, supplier=supplier, item=item, lead_time_days=5,
                                        is_preferred=True)
    SupplierPriceBreakFactory(supplier_item=supplier_item, min_quantity=Decimal("0"), unit_price=Decimal("2.5000"))
    SupplierPriceBreakFactory(supplier_item=supplier_item, min_quantity=Decimal("100"), unit_price=Decimal("2.0000"))
    PurchasingPolicyFactory(company=company)
    return SimpleNamespace(company=company, warehouse=warehouse, stock=stock, hold=hold, supplier=supplier,
                           customer=customer, item=item, supplier_item=supplier_item)
