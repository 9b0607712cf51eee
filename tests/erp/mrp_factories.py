"""Factories of ERP's MRP models (re-exported by tests/erp/factories.py, where the discovery tests look)."""

import datetime
from decimal import Decimal

import factory
from django.utils import timezone

from apps.erp.models import ItemPlanning, MrpItemPlan, MrpMessage, MrpRun, MrpRunStatus, PegKind, PlannedOrder
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


def add_pegs(*, planned_order: PlannedOrder) -> PlannedOrder:
    """Peg `planned_order` to two more demands of its company (a new sales order line and a new work order's
    components, one unit each, its quantity raised to match): pegs are arrays on the order, not rows of their own."""
    from tests.erp.factories import SalesOrderFactory, SalesOrderLineFactory
    from tests.mes.factories import WorkOrderFactory

    line = SalesOrderLineFactory(order=SalesOrderFactory(company=planned_order.company))
    work_order = WorkOrderFactory(company=planned_order.company)
    due = planned_order.due_date
    planned_order.peg_kinds += [PegKind.SALES_ORDER, PegKind.WORK_ORDER]
    planned_order.peg_quantities += [Decimal(1), Decimal(1)]
    planned_order.peg_due_dates += [due, due]
    planned_order.peg_documents += [line.pk, work_order.pk]
    planned_order.quantity += 2
    planned_order.save()
    planned_order.__dict__.pop("pegs", None)
    return planned_order


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
