"""Factories of MES's models. Company-owned factories take `company=`; child rows follow their parent."""

import datetime
from decimal import Decimal

import factory
from django.utils import timezone

from apps.core.models import UnitOfMeasure
from apps.mes.choices import TimeLogKind, WorkOrderStatus
from apps.mes.models import (
    Equipment,
    GenealogyLink,
    ManufacturingDefinition,
    ManufacturingDefinitionLine,
    Operation,
    OperationTimeLog,
    Routing,
    RoutingOperation,
    WorkCenter,
    WorkCenterShift,
    WorkOrder,
    WorkOrderCompletion,
    WorkOrderMaterial,
)
from tests.core.factories import CompanyFactory, UserFactory
from tests.plm.factories import ItemFactory, RevisionFactory
from tests.scm.factories import LocationFactory, LotFactory


# ---- production -----------------------------------------------------------------------------------
class WorkCenterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WorkCenter

    company = factory.SubFactory(CompanyFactory)
    code = factory.Sequence(lambda n: f"WC{n:03d}")
    name = factory.LazyAttribute(lambda o: f"Work center {o.code}")
    hourly_rate = Decimal("60.00")
    machine_hourly_rate = Decimal("30.00")
    capacity_hours_per_day = Decimal("8.00")


class WorkCenterShiftFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WorkCenterShift

    work_center = factory.SubFactory(WorkCenterFactory)
    weekday = 0
    start_time = datetime.time(6, 0)
    hours = Decimal("8.00")


class EquipmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Equipment

    work_center = factory.SubFactory(WorkCenterFactory)
    code = factory.Sequence(lambda n: f"EQ{n:03d}")
    name = "CNC lathe"


class RoutingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Routing

    company = factory.SubFactory(CompanyFactory)
    item = factory.SubFactory(ItemFactory, company=factory.SelfAttribute("..company"), made=True)
    name = "Standard"


class RoutingOperationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RoutingOperation

    routing = factory.SubFactory(RoutingFactory)
    sequence = factory.Sequence(lambda n: 10 * (n + 1))
    work_center = factory.SubFactory(WorkCenterFactory, company=factory.SelfAttribute("..routing.company"))
    name = "Machine"
    setup_minutes = Decimal("30")
    run_minutes_per_unit = Decimal("6")


class ManufacturingDefinitionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ManufacturingDefinition

    company = factory.SubFactory(CompanyFactory)
    revision = factory.SubFactory(RevisionFactory, company=factory.SelfAttribute("..company"), released=True)
    item = factory.SelfAttribute("revision.item")
    eco_number = "ECO-2026-00001"


class ManufacturingDefinitionLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ManufacturingDefinitionLine

    definition = factory.SubFactory(ManufacturingDefinitionFactory)
    component = factory.SubFactory(ItemFactory, company=factory.SelfAttribute("..definition.company"))
    quantity = Decimal("2")
    uom = factory.LazyFunction(lambda: UnitOfMeasure.objects.get(code="ea"))
    scrap_percent = Decimal(0)
    position = factory.Sequence(lambda n: 10 * (n + 1))


class WorkOrderFactory(factory.django.DjangoModelFactory):
    """A draft work order on a released revision with a (possibly empty) manufacturing definition."""

    class Meta:
        model = WorkOrder

    company = factory.SubFactory(CompanyFactory)
    number = factory.Sequence(lambda n: f"WO-F-{n:05d}")
    definition = factory.SubFactory(ManufacturingDefinitionFactory, company=factory.SelfAttribute("..company"))
    revision = factory.SelfAttribute("definition.revision")
    item = factory.SelfAttribute("definition.item")
    quantity = Decimal("10")
    due_date = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=14))
    status = WorkOrderStatus.DRAFT


class OperationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Operation

    work_order = factory.SubFactory(WorkOrderFactory, status=WorkOrderStatus.RELEASED)
    sequence = factory.Sequence(lambda n: 10 * (n + 1))
    work_center = factory.SubFactory(WorkCenterFactory, company=factory.SelfAttribute("..work_order.company"))
    name = "Machine"
    setup_minutes = Decimal("30")
    run_minutes_per_unit = Decimal("6")


class OperationTimeLogFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OperationTimeLog

    operation = factory.SubFactory(OperationFactory)
    operator = factory.SubFactory(UserFactory)
    kind = TimeLogKind.RUN
    started_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(hours=1))
    ended_at = factory.LazyFunction(timezone.now)


class WorkOrderMaterialFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WorkOrderMaterial

    work_order = factory.SubFactory(WorkOrderFactory)
    component = factory.SubFactory(ItemFactory, company=factory.SelfAttribute("..work_order.company"))
    quantity_per = Decimal("2")
    quantity_required = Decimal("20")
    location = factory.SubFactory(LocationFactory, company=factory.SelfAttribute("..work_order.company"))


class WorkOrderCompletionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WorkOrderCompletion

    work_order = factory.SubFactory(WorkOrderFactory, status=WorkOrderStatus.COMPLETED)
    quantity_good = Decimal("10")


class GenealogyLinkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GenealogyLink

    company = factory.SubFactory(CompanyFactory)
    parent_lot = factory.SubFactory(LotFactory, company=factory.SelfAttribute("..company"))
    child_lot = factory.SubFactory(LotFactory, company=factory.SelfAttribute("..company"))
    quantity = Decimal("1")


# ---- quality --------------------------------------------------------------------------------------
class InspectionPlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "mes.InspectionPlan"

    company = factory.SubFactory(CompanyFactory)
    item = factory.SubFactory(ItemFactory, company=factory.SelfAttribute("..company"), made=True)
    name = factory.Sequence(lambda n: f"Plan {n}")
    operation_sequence = 10


class CheckDefinitionFactory(factory.django.DjangoModelFactory):
    """A measurement: 10.000 mm -0.050/+0.100."""

    class Meta:
        model = "mes.CheckDefinition"

    plan = factory.SubFactory(InspectionPlanFactory)
    sequence = 10
    name = "Bore diameter"
    kind = "measurement"
    nominal = Decimal("10.000")
    lower_tolerance = Decimal("0.050")
    upper_tolerance = Decimal("0.100")
    unit = "mm"


class QualityCheckFactory(factory.django.DjangoModelFactory):
    """A passed pass/fail check on an operation of the same company."""

    class Meta:
        model = "mes.QualityCheck"

    company = factory.SubFactory(CompanyFactory)
    operation = factory.SubFactory(OperationFactory, work_order__company=factory.SelfAttribute("...company"))
    item = factory.SelfAttribute("operation.work_order.item")
    name = "Visual"
    kind = "pass_fail"
    result = "pass"
    quantity = Decimal("1")
    checked_at = factory.LazyFunction(timezone.now)


class NonConformanceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "mes.NonConformance"

    company = factory.SubFactory(CompanyFactory)
    number = factory.Sequence(lambda n: f"NC-F-{n:05d}")
    item = factory.SubFactory(ItemFactory, company=factory.SelfAttribute("..company"), made=True)
    description = "Scratched surface"
    quantity = Decimal("2")
    status = "open"


class DowntimeReasonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "mes.DowntimeReason"

    company = factory.SubFactory(CompanyFactory)
    code = factory.Sequence(lambda n: f"DT{n:03d}")
    name = factory.LazyAttribute(lambda o: f"Reason {o.code}")
    kind = "unplanned"


class DowntimeEventFactory(factory.django.DjangoModelFactory):
    """One hour of unplanned downtime, a day after the previous one (no overlaps)."""

    class Meta:
        model = "mes.DowntimeEvent"

    company = factory.SubFactory(CompanyFactory)
    work_center = factory.SubFactory(WorkCenterFactory, company=factory.SelfAttribute("..company"))
    reason = factory.SubFactory(DowntimeReasonFactory, company=factory.SelfAttribute("..company"))
    start = factory.Sequence(lambda n: datetime.datetime(2026, 3, 2, 8, tzinfo=datetime.UTC)
                             + datetime.timedelta(days=n))
    end = factory.LazyAttribute(lambda o: o.start + datetime.timedelta(hours=1))


# ---- shop-floor connectivity ---------------------------------------------------------------------------
class MachineSignalFactory(factory.django.DjangoModelFactory):
    """A `running` state of a machine, a minute after the previous signal."""

    class Meta:
        model = "mes.MachineSignal"

    company = factory.SubFactory(CompanyFactory)
    equipment = factory.SubFactory(EquipmentFactory, work_center__company=factory.SelfAttribute("...company"))
    work_center = factory.SelfAttribute("equipment.work_center")
    kind = "state"
    ts = factory.Sequence(lambda n: timezone.now() - datetime.timedelta(hours=1) + datetime.timedelta(minutes=n))
    state = "running"
