"""Production demo data: work centers with shift calendars and equipment, routings for the made items,
and a draft work order per made item with a manufacturing definition (idempotent)."""

import datetime
from decimal import Decimal

from django.utils import timezone

from apps.mes.models import ManufacturingDefinition, Routing, WorkCenter, WorkOrder
from apps.mes.services.masterdata import routing_create, work_center_create
from apps.mes.services.workorders import work_order_create
from apps.plm.choices import ItemType

CENTERS = [
    ("CUT", "Cutting", "55.00", "25.00", [("CNC-1", "CNC plasma cutter")]),
    ("MACH", "Machining", "65.00", "40.00", [("LATHE-1", "CNC lathe"), ("MILL-1", "5-axis mill")]),
    ("ASSY", "Assembly", "45.00", "0.00", [("BENCH-1", "Assembly bench")]),
]


def seed_production(*, company, other_company, users) -> None:
    actor = users.get("operator") or users.get("admin") if isinstance(users, dict) else None
    centers = {}
    for code, name, rate, machine_rate, equipment in CENTERS:
        center = WorkCenter.objects.filter(company=company, code=code).first() or work_center_create(
            company=company, actor=actor, code=code, name=name, hourly_rate=Decimal(rate),
            machine_hourly_rate=Decimal(machine_rate), capacity_hours_per_day=Decimal(8),
            shifts=[{"weekday": d, "start_time": datetime.time(6), "hours": Decimal(8)} for d in range(5)],
            equipment=[{"code": c, "name": n} for c, n in equipment])
        centers[code] = center
    for definition in ManufacturingDefinition.objects.filter(company=company).select_related("item", "revision"):
        item = definition.item
        if item.item_type != ItemType.MAKE:
            continue
        if not Routing.objects.filter(item=item).exists():
            routing_create(company=company, actor=actor, item=item, name="Standard", operations=[
                {"sequence": 10, "work_center": centers["CUT"], "name": "Cut", "setup_minutes": Decimal(20),
                 "run_minutes_per_unit": Decimal(4)},
                {"sequence": 20, "work_center": centers["MACH"], "name": "Machine", "setup_minutes": Decimal(30),
                 "run_minutes_per_unit": Decimal(8)},
                {"sequence": 30, "work_center": centers["ASSY"], "name": "Assemble", "setup_minutes": Decimal(0),
                 "run_minutes_per_unit": Decimal(12)}])
        if not WorkOrder.objects.filter(company=company, item=item).exists() \
                and definition.revision.status == "released":
            work_order_create(company=company, actor=actor, item=item, revision=definition.revision,
                              quantity=Decimal(10), due_date=timezone.localdate() + datetime.timedelta(days=14),
                              source_reference="Demo")
