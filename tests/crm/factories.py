"""Factories of CRM's models (built through the ORM; the services are what the tests exercise).

Company-owned factories take `company=` and build their parents in the same company, so a row can be made from
the company alone (the isolation and trust tests discover them).
"""

import datetime
from decimal import Decimal

import factory
from django.utils import timezone

from apps.core.models import UnitOfMeasure
from apps.crm.choices import ActivityKind, CasePriority, CaseStatus, LeadStatus, QuoteStatus, TimelineKind
from apps.crm.models import (
    Activity,
    CustomerProfile,
    Lead,
    Opportunity,
    PipelineStage,
    PriceBreak,
    PriceList,
    Quote,
    QuoteLine,
    SalesSettings,
    SalesTarget,
    Segment,
    ServiceCase,
    SlaPolicy,
    TimelineEntry,
)
from apps.plm.choices import LifecycleState, RevisionStatus
from apps.plm.models import Item, Revision
from tests.core.factories import CompanyFactory, PartyFactory, UserFactory


class ReleasedItemFactory(factory.django.DjangoModelFactory):
    """An item with a released revision A in force (what a quote may offer)."""

    class Meta:
        model = Item
        skip_postgeneration_save = True

    company = factory.SubFactory(CompanyFactory)
    number = factory.Sequence(lambda n: f"CRM-{n:05d}")
    name = factory.LazyAttribute(lambda o: f"Product {o.number}")
    uom = factory.LazyFunction(lambda: UnitOfMeasure.objects.get(code="ea"))
    item_type = "make"
    lifecycle_state = LifecycleState.RELEASED

    @factory.post_generation
    def released(self, create, extracted, **kwargs):
        if not create:
            return
        revision = Revision.objects.create(company=self.company, item=self, code="A", status=RevisionStatus.RELEASED,
                                           released_at=timezone.now())
        Item.objects.filter(pk=self.pk).update(current_revision=revision)
        self.current_revision = revision


class SegmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Segment

    company = factory.SubFactory(CompanyFactory)
    name = factory.Sequence(lambda n: f"Segment {n}")


class CustomerProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CustomerProfile

    company = factory.SubFactory(CompanyFactory)
    party = factory.SubFactory(PartyFactory, company=factory.SelfAttribute("..company"), is_customer=True)
    industry = "Machinery"


class TimelineEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TimelineEntry

    company = factory.SubFactory(CompanyFactory)
    customer = factory.SubFactory(PartyFactory, company=factory.SelfAttribute("..company"), is_customer=True)
    kind = TimelineKind.SHIPMENT
    occurred_at = factory.LazyFunction(timezone.now)
    title = factory.Sequence(lambda n: f"Shipment SH-{n:05d} shipped")
    reference = factory.Sequence(lambda n: f"SH-{n:05d}")
    source_event_id = factory.Sequence(lambda n: 900_000 + n)


class LeadFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Lead

    company = factory.SubFactory(CompanyFactory)
    name = factory.Sequence(lambda n: f"Person {n}")
    company_name = factory.Sequence(lambda n: f"Prospect {n} Ltd")
    company_key = factory.LazyAttribute(lambda o: o.company_name.lower().replace(" ltd", ""))
    email = factory.Sequence(lambda n: f"person{n}@prospect.example")
    status = LeadStatus.NEW


class PipelineStageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PipelineStage

    company = factory.SubFactory(CompanyFactory)
    name = factory.Sequence(lambda n: f"Stage {n}")
    order = factory.Sequence(lambda n: n + 1)
    probability = Decimal("20.00")


class OpportunityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Opportunity

    company = factory.SubFactory(CompanyFactory)
    number = factory.Sequence(lambda n: f"OP-T-{n:05d}")
    customer = factory.SubFactory(PartyFactory, company=factory.SelfAttribute("..company"), is_customer=True)
    title = factory.Sequence(lambda n: f"Deal {n}")
    amount = Decimal("1000.00")
    amount_company_currency = factory.SelfAttribute("amount")
    currency = factory.LazyAttribute(lambda o: o.company.currency)
    stage = factory.SubFactory(PipelineStageFactory, company=factory.SelfAttribute("..company"))
    probability = Decimal("20.00")


class SalesTargetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SalesTarget

    company = factory.SubFactory(CompanyFactory)
    owner = factory.SubFactory(UserFactory)
    month = factory.Sequence(lambda n: datetime.date(2026 + n // 12, n % 12 + 1, 1))
    amount = Decimal("10000.00")


class ActivityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Activity

    company = factory.SubFactory(CompanyFactory)
    kind = ActivityKind.CALL
    subject = factory.Sequence(lambda n: f"Call customer {n}")
    due_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=1))


class QuoteFactory(factory.django.DjangoModelFactory):
    """A draft without lines (use `quote_create` for priced, numbered ones)."""

    class Meta:
        model = Quote

    company = factory.SubFactory(CompanyFactory)
    number = factory.Sequence(lambda n: f"QT-T-{n:05d}")
    customer = factory.SubFactory(PartyFactory, company=factory.SelfAttribute("..company"), is_customer=True)
    currency = factory.LazyAttribute(lambda o: o.company.currency)
    quote_date = factory.LazyFunction(timezone.localdate)
    valid_until = factory.LazyAttribute(lambda o: o.quote_date + datetime.timedelta(days=30))
    status = QuoteStatus.DRAFT


class QuoteLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = QuoteLine

    quote = factory.SubFactory(QuoteFactory)
    line_number = factory.Sequence(lambda n: n + 1)
    item = factory.SubFactory(ReleasedItemFactory, company=factory.SelfAttribute("..quote.company"))
    quantity = Decimal("2")
    unit_price = Decimal("10.0000")
    tax_rate = Decimal("19.00")
    net = Decimal("20.00")
    tax = Decimal("3.80")


class PriceListFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PriceList

    company = factory.SubFactory(CompanyFactory)
    name = factory.Sequence(lambda n: f"Price list {n}")
    currency = factory.LazyAttribute(lambda o: o.company.currency)


class PriceBreakFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PriceBreak

    price_list = factory.SubFactory(PriceListFactory)
    item = factory.SubFactory(ReleasedItemFactory, company=factory.SelfAttribute("..price_list.company"))
    min_quantity = factory.Sequence(lambda n: Decimal(n))
    unit_price = Decimal("10.0000")


class ServiceCaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceCase

    company = factory.SubFactory(CompanyFactory)
    number = factory.Sequence(lambda n: f"CS-T-{n:05d}")
    customer = factory.SubFactory(PartyFactory, company=factory.SelfAttribute("..company"), is_customer=True)
    subject = factory.Sequence(lambda n: f"Noise in unit {n}")
    priority = CasePriority.NORMAL
    status = CaseStatus.NEW
    opened_at = factory.LazyFunction(timezone.now)
    due_at = factory.LazyAttribute(lambda o: o.opened_at + datetime.timedelta(hours=24))


class SlaPolicyFactory(factory.django.DjangoModelFactory):
    """One priority per company (unique): pass another `priority` for a second row."""

    class Meta:
        model = SlaPolicy

    company = factory.SubFactory(CompanyFactory)
    priority = CasePriority.HIGH
    resolution_hours = 6


class SalesSettingsFactory(factory.django.DjangoModelFactory):
    """One per company (unique)."""

    class Meta:
        model = SalesSettings

    company = factory.SubFactory(CompanyFactory)
    letterhead_address = "Acme Manufacturing\n1 Works Road\nSheffield"
    quote_terms = "Payment 30 days net."
