"""Factories of ERP's models, the books, HR and sales orders (built through the ORM; the services are what the
tests exercise).

Company-owned factories take `company=` and build their parents in the same company, so a row can be made from
the company alone (the isolation and trust tests discover them). A journal entry is a draft without lines.
"""

import datetime
from decimal import Decimal

import factory
from django.utils import timezone

from apps.core.models import Currency
from apps.erp.choices import AccountKind, JournalKind
from apps.erp.models import (
    Account,
    AccountMapping,
    Department,
    Employee,
    FiscalYear,
    Journal,
    JournalEntry,
    JournalLine,
    Period,
    SalesOrder,
    SalesOrderLine,
    SalesOrderStatus,
    TimeOff,
)
from tests.core.factories import CompanyFactory, PartyFactory
from tests.crm.factories import ReleasedItemFactory

SAME_COMPANY = factory.SelfAttribute("..company")


class AccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Account

    company = factory.SubFactory(CompanyFactory)
    code = factory.Sequence(lambda n: f"9{n:04d}")
    name = factory.LazyAttribute(lambda o: f"Account {o.code}")
    kind = AccountKind.ASSET


class AccountMappingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AccountMapping

    company = factory.SubFactory(CompanyFactory)
    rule = factory.Iterator(["cash", "bank", "receivables", "inventory", "wip", "finished_goods", "grir"])
    account = factory.SubFactory(AccountFactory, company=SAME_COMPANY)


class JournalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Journal

    company = factory.SubFactory(CompanyFactory)
    code = factory.Sequence(lambda n: f"J{n:03d}")
    name = factory.LazyAttribute(lambda o: f"Journal {o.code}")
    kind = JournalKind.GENERAL


class FiscalYearFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FiscalYear

    company = factory.SubFactory(CompanyFactory)
    year = factory.Sequence(lambda n: 2100 + n)
    start = factory.LazyAttribute(lambda o: datetime.date(o.year, 1, 1))
    end = factory.LazyAttribute(lambda o: datetime.date(o.year, 12, 31))


class PeriodFactory(factory.django.DjangoModelFactory):
    """January of a fiscal year of its own."""

    class Meta:
        model = Period

    company = factory.SubFactory(CompanyFactory)
    fiscal_year = factory.SubFactory(FiscalYearFactory, company=SAME_COMPANY)
    number = 1
    start = factory.LazyAttribute(lambda o: datetime.date(o.fiscal_year.year, 1, 1))
    end = factory.LazyAttribute(lambda o: datetime.date(o.fiscal_year.year, 1, 31))


class JournalEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = JournalEntry

    company = factory.SubFactory(CompanyFactory)
    journal = factory.SubFactory(JournalFactory, company=SAME_COMPANY)
    date = factory.LazyFunction(timezone.localdate)
    memo = factory.Sequence(lambda n: f"Entry {n}")


class JournalLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = JournalLine

    entry = factory.SubFactory(JournalEntryFactory)
    line_number = factory.Sequence(lambda n: n + 1)
    account = factory.SubFactory(AccountFactory, company=factory.SelfAttribute("..entry.company"))
    currency = factory.LazyAttribute(lambda o: o.entry.company.currency)
    debit = Decimal("10.00")
    amount = Decimal("10.00")


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department

    company = factory.SubFactory(CompanyFactory)
    code = factory.Sequence(lambda n: f"D{n:03d}")
    name = factory.LazyAttribute(lambda o: f"Department {o.code}")


class EmployeeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Employee

    company = factory.SubFactory(CompanyFactory)
    number = factory.Sequence(lambda n: f"E-{n:04d}")
    name = factory.Sequence(lambda n: f"Employee {n}")
    department = factory.SubFactory(DepartmentFactory, company=SAME_COMPANY)
    hourly_cost = Decimal("40.00")


class TimeOffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TimeOff

    company = factory.SubFactory(CompanyFactory)
    employee = factory.SubFactory(EmployeeFactory, company=SAME_COMPANY)
    kind = "vacation"
    start = factory.LazyFunction(timezone.localdate)
    end = factory.LazyAttribute(lambda o: o.start + datetime.timedelta(days=4))


def currency(code: str) -> Currency:
    return Currency.objects.get(code=code)


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


# MRP's factories live in their own module; re-exported here for the discovery tests
from tests.erp.mrp_factories import (  # noqa: E402, F401
    ItemPlanningFactory,
    MrpItemPlanFactory,
    MrpMessageFactory,
    MrpRunFactory,
    PegFactory,
    PlannedOrderFactory,
)
