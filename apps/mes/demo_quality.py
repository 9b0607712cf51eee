"""MES quality demo data: downtime reasons and a week of downtime, an inspection plan, a non-conformance."""

import datetime
from decimal import Decimal

from django.utils import timezone

from apps.mes.models import DowntimeEvent, DowntimeReason, InspectionPlan, NonConformance, WorkCenter
from apps.mes.services.downtime import downtime_reason_create, downtime_record
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
