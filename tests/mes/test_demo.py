"""`seed_demo` for MES: demo routings require the demo inspection plans, and another run changes nothing."""

import pytest
from django.core.management import call_command

from apps.core.models import Event
from apps.core.outbox import dispatch
from apps.mes.models import InspectionPlan, ManufacturingDefinition, Routing, RoutingOperation


def required_checks() -> dict[tuple[str, int], list[str]]:
    return {(op.routing.item.number, op.sequence): sorted(plan.name for plan in op.required_checks.all())
            for op in RoutingOperation.objects.filter(routing__company__code="DEMO")
            .select_related("routing__item").prefetch_related("required_checks")}


@pytest.mark.usefixtures("eur")
def test_seed_demo_routing_operation_requires_the_demo_inspection_plan():
    call_command("seed_demo")
    # the worker stores PLM's released revisions as manufacturing definitions; routings are seeded for those
    for event in Event.objects.filter(company__code="DEMO", name="plm.revision.released"):
        dispatch(event.pk)
    assert ManufacturingDefinition.objects.filter(company__code="DEMO").exists()
    call_command("seed_demo")
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
