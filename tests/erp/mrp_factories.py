"""Factories of ERP's MRP models (re-exported by tests/erp/factories.py, where the discovery tests look)."""

import datetime
from decimal import Decimal

import factory
from django.utils import timezone

from apps.erp.models import ItemPlanning, MrpRun, MrpRunStatus, PlannedOrder
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
