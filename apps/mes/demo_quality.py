"""MES quality demo data: downtime reasons and a week of downtime, an inspection plan (required by the matching
routing operations), a non-conformance."""

import datetime
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone

from apps.mes.models import DowntimeEvent, DowntimeReason, InspectionPlan, NonConformance, Routing, WorkCenter
from apps.mes.services.downtime import downtime_reason_create, downtime_record
from apps.mes.services.masterdata import routing_update
from apps.mes.services.quality import inspection_plan_create, nonconformance_raise
from apps.plm.choices import ItemType
from apps.plm.models import Item

REASONS = [("PM", "Preventive maintenance", "planned"), ("SETUP", "Changeover", "planned"),
           ("BRK", "Breakdown", "unplanned"), ("MAT", "Waiting for material", "unplanned")]


def seed_quality(*, company, other_company, users) -> None:
    """Idempotent: a second run changes nothing."""
    actor = users.get("quality") or users.get("admin")
    for code, name, kind in REASONS:
        if not DowntimeReason.objects.filter(company=company, code=code).exists():
            downtime_reason_create(company=company, code=code, name=name, kind=kind, actor=actor)
    work_center = WorkCenter.objects.filter(company=company, is_active=True).order_by("code").first()
    if work_center is not None and not DowntimeEvent.objects.filter(work_center=work_center).exists():
        reasons = {r.code: r for r in DowntimeReason.objects.filter(company=company)}
        today = timezone.localdate()
        tz = timezone.get_current_timezone()
        for days_ago, code, hour, minutes in [(6, "PM", 6, 60), (5, "BRK", 9, 45), (3, "MAT", 11, 30),
                                              (2, "SETUP", 6, 40), (1, "BRK", 12, 90)]:
            start = datetime.datetime.combine(today - datetime.timedelta(days=days_ago), datetime.time(hour), tzinfo=tz)
            downtime_record(company=company, work_center=work_center, reason=reasons[code], start=start,
                            end=start + datetime.timedelta(minutes=minutes), notes="Demo", actor=actor)
    item = Item.objects.filter(company=company, item_type=ItemType.MAKE).order_by("number").first()
    if item is not None and not InspectionPlan.objects.filter(company=company).exists():
        inspection_plan_create(company=company, item=item, name=f"{item.number} final inspection",
                               operation_sequence=20, actor=actor, checks=[
                                   {"sequence": 10, "name": "Overall length", "kind": "measurement",
                                    "nominal": Decimal("120"), "lower_tolerance": Decimal("0.2"),
                                    "upper_tolerance": Decimal("0.2"), "unit": "mm"},
                                   {"sequence": 20, "name": "No burrs or scratches", "kind": "pass_fail"}])
    if item is not None and not NonConformance.objects.filter(company=company).exists():
        nonconformance_raise(company=company, item=item, description="Paint runs on two housings (line audit).",
                             quantity=Decimal(2), reference="Line audit", owner=actor, actor=actor)
    attach_required_checks(company=company, actor=actor)


def attach_required_checks(*, company, actor) -> None:
    """Make each routing operation require the item's active plans for its sequence or work center.

    The routings are seeded before the plans, so the plans are attached afterwards, through `routing_update`.
    Plans already attached stay; a routing that already requires all its plans is left alone (idempotent).
    """
    plans = list(InspectionPlan.objects.filter(company=company, is_active=True)
                 .filter(Q(operation_sequence__isnull=False) | Q(work_center__isnull=False)))
    if not plans:
        return
    routings = (Routing.objects.filter(company=company, item_id__in={plan.item_id for plan in plans})
                .prefetch_related("operations__required_checks").order_by("pk"))
    for routing in routings:
        operations = list(routing.operations.all())
        wanted = {}
        for operation in operations:
            matching = {plan for plan in plans if plan.item_id == routing.item_id and (
                plan.operation_sequence == operation.sequence or plan.work_center_id == operation.work_center_id)}
            wanted[operation.sequence] = set(operation.required_checks.all()) | matching
        if all(wanted[op.sequence] == set(op.required_checks.all()) for op in operations):
            continue
        routing_update(instance=routing, actor=actor, operations=[
            {"sequence": op.sequence, "work_center": op.work_center, "name": op.name,
             "setup_minutes": op.setup_minutes, "run_minutes_per_unit": op.run_minutes_per_unit,
             "instructions": op.instructions,
             "required_checks": sorted(wanted[op.sequence], key=lambda plan: plan.pk)}
            for op in operations])
