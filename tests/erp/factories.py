"""Factories of ERP's sales orders (built through the ORM; the services are what the tests exercise).

Company-owned factories take `company=` and build their parents in the same company, so a row can be made from
the company alone (the isolation and trust tests discover them).
"""

from decimal import Decimal

import factory
from django.utils import timezone

from apps.erp.models import SalesOrder, SalesOrderLine, SalesOrderStatus
from tests.core.factories import CompanyFactory, PartyFactory
from tests.crm.factories import ReleasedItemFactory


class SalesOrderFactory(factory.django.DjangoModelFactory):
    """A draft without lines (use `sales_order_create` for priced, numbered ones)."""

    class Meta:
        model = SalesOrder

    company = factory.SubFactory(CompanyFactory)
    number = factory.Sequence(lambda n: f"SO-T-{n:05d}")
    customer = factory.SubFactory(PartyFactory, company=factory.SelfAttribute("..company"), is_customer=True)
    currency = factory.LazyAttribute(lambda o: o.company.currency)
    order_date = factory.LazyFunction(timezone.localdate)
    status = SalesOrderStatus.DRAFT


class SalesOrderLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SalesOrderLine

    order = factory.SubFactory(SalesOrderFactory)
    line_number = factory.Sequence(lambda n: n + 1)
    item = factory.SubFactory(ReleasedItemFactory, company=factory.SelfAttribute("..order.company"))
    quantity = Decimal("2")
    unit_price = Decimal("10.0000")
    tax_rate = Decimal("19.00")
    net = Decimal("20.00")
    tax = Decimal("3.80")
