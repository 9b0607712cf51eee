"""Factories of ERP's MRP models (re-exported by tests/erp/factories.py, where the discovery tests look)."""

import datetime
from decimal import Decimal

import factory
from django.utils import timezone

from apps.erp.models import ItemPlanning, MrpItemPlan, MrpMessage, MrpRun, MrpRunStatus, Peg, PlannedOrder
from tests.core.factories import CompanyFactory
from tests.crm.factories import ReleasedItemFactory
from tests.plm.factories import ItemFactory

SAME_COMPANY = factory.SelfAttribute("..company")


class ItemPlanningFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ItemPlanning

    company = factory.SubFactory(CompanyFactory)
    item = factory.SubFactory(ItemFactory, company=SAME_COMPANY)


class MrpRunFactory(factory.django.DjangoModelFactory):
    """A finished run (use `mrp_run_start` for queued ones)."""

    class Meta:
        model = MrpRun

    company = factory.SubFactory(CompanyFactory)
    number = factory.Sequence(lambda n: f"MRP-T-{n:05d}")
    status = MrpRunStatus.DONE
    start_date = factory.LazyFunction(timezone.localdate)


class PlannedOrderFactory(factory.django.DjangoModelFactory):
    """A planned production order of a made item with a released revision, due in two weeks."""

    class Meta:
        model = PlannedOrder

    company = factory.SubFactory(CompanyFactory)
    run = factory.SubFactory(MrpRunFactory, company=SAME_COMPANY)
    number = factory.Sequence(lambda n: f"MRP-T/{n:05d}")
    item = factory.SubFactory(ReleasedItemFactory, company=SAME_COMPANY)
    kind = "production"
    quantity = Decimal("5")
    due_date = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=14))
    start_date = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=10))


class PegFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Peg

    planned_order = factory.SubFactory(PlannedOrderFactory)
    kind = "safety_stock"
    quantity = Decimal("5")
    due_date = factory.LazyFunction(timezone.localdate)


class MrpMessageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MrpMessage

    run = factory.SubFactory(MrpRunFactory)
    item = factory.SubFactory(ItemFactory, company=factory.SelfAttribute("..run.company"))
    kind = "cancel"
    document = factory.Sequence(lambda n: f"PO-T-{n:05d}/1")
    text = factory.LazyAttribute(lambda o: f"{o.item.number}: {o.document} is not needed in the horizon.")


class MrpItemPlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MrpItemPlan

    run = factory.SubFactory(MrpRunFactory)
    item = factory.SubFactory(ItemFactory, company=factory.SelfAttribute("..run.company"))
    buckets = factory.LazyFunction(lambda: [[timezone.localdate().isoformat(), "3", "0", "3", "0"]])
