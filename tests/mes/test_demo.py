"""`seed_demo` for MES: the first run is complete (it delivers its own events, so PLM's releases are MES's
routings before MES seeds its work orders), demo routings require the demo inspection plans, and another run changes
nothing."""

import pytest
from django.core.management import call_command

from apps.core.choices import DeliveryStatus
from apps.core.models import EventDelivery
from apps.mes.models import InspectionPlan, ManufacturingDefinition, Routing, RoutingOperation, WorkOrder


def required_checks() -> dict[tuple[str, int], list[str]]:
    return {(op.routing.item.number, op.sequence): sorted(plan.name for plan in op.required_checks.all())
            for op in RoutingOperation.objects.filter(routing__company__code="DEMO")
            .select_related("routing__item").prefetch_related("required_checks")}


@pytest.mark.usefixtures("eur")
def test_seed_demo_routing_operation_requires_the_demo_inspection_plan():
    call_command("seed_demo")
    # one run, no worker: seed_demo delivered PLM's releases (manufacturing definitions), then seeded routings and
    # work orders on them, and left no delivery pending
    assert ManufacturingDefinition.objects.filter(company__code="DEMO").exists()
    assert WorkOrder.objects.filter(company__code="DEMO").count() >= 3
    assert not EventDelivery.objects.filter(status=DeliveryStatus.PENDING).exists()
    assert not EventDelivery.objects.filter(status=DeliveryStatus.DEAD).exists()
    plan = InspectionPlan.objects.get(company__code="DEMO")
    routing = Routing.objects.get(company__code="DEMO", item=plan.item)
    operation = routing.operations.get(sequence=plan.operation_sequence)
    assert list(operation.required_checks.all()) == [plan]
    first = required_checks()
    assert [key for key, plans in first.items() if plans] == [(plan.item.number, plan.operation_sequence)]
    operation_ids = set(RoutingOperation.objects.filter(routing__company__code="DEMO").values_list("pk", flat=True))
    call_command("seed_demo")
    assert required_checks() == first
    # idempotent: the operations are not rewritten by another run
    assert set(RoutingOperation.objects.filter(routing__company__code="DEMO").values_list("pk", flat=True)) == \
        operation_ids
