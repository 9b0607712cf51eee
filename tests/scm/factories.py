"""Factories of SCM's models (items are PLM's `ItemFactory`). Company-owned factories take `company=`."""

from decimal import Decimal

import factory

from apps.scm.choices import (
    LocationKind,
    MoveStatus,
    PurchaseOrderStatus,
    ReceiptStatus,
    RequisitionStatus,
    ShipmentStatus,
)
from apps.scm.models import (
    CycleCount,
    CycleCountLine,
    GoodsReceipt,
    GoodsReceiptLine,
    ItemValuation,
    Location,
    Lot,
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseRequisition,
    Reservation,
    Shipment,
    ShipmentLine,
    StockMove,
    StockQuant,
    Warehouse,
)
from tests.core.factories import CompanyFactory
from tests.plm.factories import ItemFactory


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


class PurchaseRequisitionFactory(factory.django.DjangoModelFactory):
    """An open manual requisition (use `requisition_create` for numbered, audited ones)."""

    class Meta:
        model = PurchaseRequisition

    company = factory.SubFactory(CompanyFactory)
    number = factory.Sequence(lambda n: f"PR-T-{n:05d}")
    status = RequisitionStatus.OPEN
    item = factory.SubFactory(ItemFactory, company=factory.SelfAttribute("..company"))
    quantity = Decimal("5")


class PurchaseOrderFactory(factory.django.DjangoModelFactory):
    """A bare draft order without lines (use `purchase_order_create` for priced, numbered ones)."""

    class Meta:
        model = PurchaseOrder

    company = factory.SubFactory(CompanyFactory)
    number = factory.Sequence(lambda n: f"PO-T-{n:05d}")
    supplier = factory.SubFactory("tests.core.factories.PartyFactory", company=factory.SelfAttribute("..company"),
                                  is_supplier=True, is_customer=False)
    currency = factory.LazyAttribute(lambda o: o.company.currency)
    warehouse = factory.SubFactory(WarehouseFactory, company=factory.SelfAttribute("..company"))
    status = PurchaseOrderStatus.DRAFT


class PurchaseOrderLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PurchaseOrderLine

    purchase_order = factory.SubFactory(PurchaseOrderFactory)
    line_number = factory.Sequence(lambda n: n + 1)
    item = factory.SubFactory(ItemFactory, company=factory.SelfAttribute("..purchase_order.company"))
    quantity = Decimal("10")
    unit_price = Decimal("2.5000")


class GoodsReceiptFactory(factory.django.DjangoModelFactory):
    """A draft receipt against a sent order of the same company (post it with `receipt_post`)."""

    class Meta:
        model = GoodsReceipt

    company = factory.SubFactory(CompanyFactory)
    number = factory.Sequence(lambda n: f"GR-T-{n:05d}")
    purchase_order = factory.SubFactory(PurchaseOrderFactory, company=factory.SelfAttribute("..company"),
                                        status=PurchaseOrderStatus.SENT)
    status = ReceiptStatus.DRAFT


class GoodsReceiptLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GoodsReceiptLine

    receipt = factory.SubFactory(GoodsReceiptFactory)
    purchase_order_line = factory.SubFactory(PurchaseOrderLineFactory,
                                             purchase_order=factory.SelfAttribute("..receipt.purchase_order"))
    quantity = Decimal("1")


class ShipmentFactory(factory.django.DjangoModelFactory):
    """A bare draft shipment to a customer of the same company (use `shipment_create` for numbered ones)."""

    class Meta:
        model = Shipment

    company = factory.SubFactory(CompanyFactory)
    number = factory.Sequence(lambda n: f"SH-T-{n:05d}")
    customer = factory.SubFactory("tests.core.factories.PartyFactory", company=factory.SelfAttribute("..company"),
                                  is_customer=True, is_supplier=False)
    warehouse = factory.SubFactory(WarehouseFactory, company=factory.SelfAttribute("..company"))
    status = ShipmentStatus.DRAFT


class ShipmentLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ShipmentLine

    shipment = factory.SubFactory(ShipmentFactory)
    line_number = factory.Sequence(lambda n: n + 1)
    item = factory.SubFactory(ItemFactory, company=factory.SelfAttribute("..shipment.company"))
    quantity = Decimal("1")


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
