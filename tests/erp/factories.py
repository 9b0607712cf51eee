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
    BillMatchPolicy,
    Department,
    Employee,
    FiscalYear,
    Invoice,
    InvoiceLine,
    Journal,
    JournalEntry,
    JournalLine,
    Payment,
    PaymentAllocation,
    Period,
    SalesOrder,
    SalesOrderLine,
    SalesOrderStatus,
    TimeOff,
    VendorBill,
    VendorBillLine,
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


class VendorBillFactory(factory.django.DjangoModelFactory):
    """A draft bill without lines of a supplier of the company (use `bill_create` for priced, numbered ones)."""

    class Meta:
        model = VendorBill

    company = factory.SubFactory(CompanyFactory)
    number = factory.Sequence(lambda n: f"BILL-T-{n:05d}")
    supplier = factory.SubFactory(PartyFactory, company=factory.SelfAttribute("..company"), is_supplier=True)
    currency = factory.LazyAttribute(lambda o: o.company.currency)
    bill_date = factory.LazyFunction(timezone.localdate)


class VendorBillLineFactory(factory.django.DjangoModelFactory):
    """An expense line (no purchase order line)."""

    class Meta:
        model = VendorBillLine

    bill = factory.SubFactory(VendorBillFactory)
    line_number = factory.Sequence(lambda n: n + 1)
    description = "Freight"
    quantity = Decimal("1")
    unit_price = Decimal("10.0000")
    tax_rate = Decimal("19.00")
    net = Decimal("10.00")
    tax = Decimal("1.90")


# ---- receivables and payments (drafts: the services number, post and settle them) -----------------------------
class InvoiceFactory(factory.django.DjangoModelFactory):
    """A draft invoice without lines (use `invoice_create` for priced ones)."""

    class Meta:
        model = Invoice

    company = factory.SubFactory(CompanyFactory)
    number = factory.Sequence(lambda n: f"DINV-T-{n:05d}")
    customer = factory.SubFactory(PartyFactory, company=SAME_COMPANY, is_customer=True)
    currency = factory.LazyAttribute(lambda o: o.company.currency)
    invoice_date = factory.LazyFunction(timezone.localdate)


class InvoiceLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InvoiceLine

    invoice = factory.SubFactory(InvoiceFactory)
    line_number = factory.Sequence(lambda n: n + 1)
    description = "Service"
    quantity = Decimal("1")
    unit_price = Decimal("10.0000")
    tax_rate = Decimal("19.00")
    net = Decimal("10.00")
    tax = Decimal("1.90")


class BillMatchPolicyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BillMatchPolicy

    company = factory.SubFactory(CompanyFactory)


class PaymentFactory(factory.django.DjangoModelFactory):
    """A draft received payment without allocations."""

    class Meta:
        model = Payment

    company = factory.SubFactory(CompanyFactory)
    number = factory.Sequence(lambda n: f"PAY-T-{n:05d}")
    direction = "received"
    party = factory.SubFactory(PartyFactory, company=SAME_COMPANY, is_customer=True)
    currency = factory.LazyAttribute(lambda o: o.company.currency)
    payment_date = factory.LazyFunction(timezone.localdate)
    amount = Decimal("10.00")
    amount_unallocated = Decimal("10.00")


class PaymentAllocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PaymentAllocation

    payment = factory.SubFactory(PaymentFactory)
    invoice = factory.SubFactory(InvoiceFactory, company=factory.SelfAttribute("..payment.company"),
                                 customer=factory.SelfAttribute("..payment.party"))
    amount = Decimal("5.00")


# MRP's factories live in their own module; re-exported here for the discovery tests
from tests.erp.mrp_factories import (  # noqa: E402, F401
    ItemPlanningFactory,
    MrpItemPlanFactory,
    MrpMessageFactory,
    MrpRunFactory,
    PlannedOrderFactory,
)
