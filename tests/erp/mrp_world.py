"""Building blocks of the MRP tests: items with released BOMs, confirmed sales order lines, stock, open orders."""

import datetime
from decimal import Decimal

from django.utils import timezone

from apps.erp.models import SalesOrderStatus
from apps.plm.models import Item
from tests.erp.factories import SalesOrderFactory, SalesOrderLineFactory
from tests.plm.factories import BomLineFactory, ItemFactory, RevisionFactory
from tests.scm.factories import LocationFactory, StockQuantFactory, WarehouseFactory


def today() -> datetime.date:
    return timezone.localdate()


def in_days(n: int) -> datetime.date:
    return today() + datetime.timedelta(days=n)


def part(company, number: str, item_type: str = "buy", bom=()) -> Item:
    """An item; a made or phantom one gets a released revision A in force with `bom` [(component, qty, scrap %)]."""
    item = ItemFactory(company=company, number=number, item_type=item_type)
    if item_type != "buy":
        revision = RevisionFactory(item=item, released=True)
        Item.objects.filter(pk=item.pk).update(current_revision=revision)
        item.current_revision = revision
        for component, quantity, scrap in bom:
            BomLineFactory(revision=revision, component=component, quantity=Decimal(quantity),
                           scrap_percent=Decimal(scrap))
    return item


def sell(company, item, quantity, due: datetime.date, status=SalesOrderStatus.CONFIRMED, delivered="0"):
    order = SalesOrderFactory(company=company, status=status)
    return SalesOrderLineFactory(order=order, item=item, quantity=Decimal(quantity), due_date=due,
                                 quantity_delivered=Decimal(delivered))


def stock(company, item, quantity):
    location = LocationFactory(company=company, warehouse=WarehouseFactory(company=company))
    return StockQuantFactory(company=company, item=item, location=location, on_hand=Decimal(quantity))


def odoo_shape(company, quantity="200", due_in=30):
    """A uses B and C; C uses B (odoo/odoo#74314); `quantity` A sold."""
    b = part(company, "B")
    c = part(company, "C", "make", [(b, "1", "0")])
    a = part(company, "A", "make", [(b, "1", "0"), (c, "1", "0")])
    line = sell(company, a, quantity, in_days(due_in))
    return a, b, c, line
