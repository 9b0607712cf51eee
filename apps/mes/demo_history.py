"""MES demo data, the e-bike range: five work centers (the tractor's cutting, machining and assembly, and welding
and the paint shop), a routing for every made e-bike item, and the work orders that built the range bottom-up
(sub-assemblies, assemblies, then the bikes in three batches each), released and completed from the material SCM's
purchase history received; plus the next batch of each bike, released.

Runs before `demo_production` (which gives made items without a routing a default one, and without a work order a
draft): the e-bike items have both by then. Idempotent: a second run finds the first bike's work orders.
"""

import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from apps.mes.demo_production import CENTERS
from apps.mes.models import Routing, WorkCenter, WorkOrder
from apps.mes.services.masterdata import routing_create, work_center_create
from apps.mes.services.workorders import work_order_complete, work_order_create, work_order_release
from apps.plm.demo_catalog import BIKE_BUILDS, BIKES, BUILD_ORDER, SUB_ASSEMBLIES, build_plan
from apps.plm.models import Item
from apps.scm.demo_history import STORE
from apps.scm.models import Location

D = Decimal
MORE_CENTERS = [
    ("WELD", "Welding", "52.00", "18.00", [("WELD-1", "TIG welding station"), ("SPOT-1", "Cell spot welder")]),
    ("PAINT", "Paint shop", "48.00", "30.00", [("PCB-1", "Powder coating booth")]),
]
# per kind of made item: [(sequence, work center, operation, setup minutes, run minutes per unit)]
ROUTES = {
    "welded": [(10, "CUT", "Cut and mitre tubes", 20, 6), (20, "MACH", "Ream and face", 15, 4),
               (30, "WELD", "Weld frame in jig", 30, 25)],
    "frame": [(10, "PAINT", "Powder coat and cure", 45, 8), (20, "ASSY", "Press headset, fit dropouts", 0, 6)],
    "laced": [(10, "ASSY", "Lace and true wheel", 0, 18)],
    "wheel": [(10, "ASSY", "Mount tyre and tube", 0, 5)],
    "cells": [(10, "WELD", "Spot-weld cell module", 20, 12), (20, "ASSY", "Insulate and wrap", 0, 5)],
    "battery": [(10, "ASSY", "Fit BMS and housing", 0, 10), (20, "ASSY", "Charge and capacity test", 0, 15)],
    "harness": [(10, "CUT", "Cut and strip cable", 10, 2), (20, "ASSY", "Crimp connectors", 0, 6)],
    "drive": [(10, "MACH", "Machine motor mount", 15, 5), (20, "ASSY", "Mount motor, crank, chain", 0, 12)],
    "bike": [(10, "ASSY", "Frame, drive and wheels", 10, 35), (20, "ASSY", "Cockpit, brakes and lights", 0, 20),
             (30, "ASSY", "Final inspection and test ride", 0, 10)],
}
KIND = {"EB-F110": "welded", "EB-F210": "welded", "EB-F310": "welded", "EB-F100": "frame", "EB-F200": "frame",
        "EB-F300": "frame", "EB-W010": "laced", "EB-W011": "laced", "EB-W030": "laced", "EB-W100": "wheel",
        "EB-W110": "wheel", "EB-W300": "wheel", "EB-B010": "cells", "EB-B100": "battery", "EB-D010": "harness",
        "EB-D100": "drive", **{number: "bike" for number, *_rest in BIKES}}
BATCHES = 3  # each bike was built in three batches; the assemblies in one
# days ago completed: the sub-assemblies and assemblies after the first material arrived, the bikes' batches
SUB_ASSEMBLY_DAYS, ASSEMBLY_DAYS, BIKE_BATCH_DAYS = 81, 79, (77, 52, 27)


def _centers(company, actor) -> dict[str, WorkCenter]:
    centers = {}
    for code, name, rate, machine_rate, equipment in [*CENTERS, *MORE_CENTERS]:
        centers[code] = WorkCenter.objects.filter(company=company, code=code).first() or work_center_create(
            company=company, actor=actor, code=code, name=name, hourly_rate=D(rate),
            machine_hourly_rate=D(machine_rate), capacity_hours_per_day=D(8),
            shifts=[{"weekday": d, "start_time": datetime.time(6), "hours": D(8)} for d in range(5)],
            equipment=[{"code": c, "name": n} for c, n in equipment])
    return centers


def _batches(number: str, quantity: Decimal) -> list[Decimal]:
    if number not in BIKE_BUILDS:
        return [quantity]
    share = (quantity / BATCHES).quantize(D(1))
    return [share] * (BATCHES - 1) + [quantity - share * (BATCHES - 1)]


@transaction.atomic
def seed_history(*, company, users) -> None:
    """Work centers, the e-bike routings and the work orders of the range's history (once)."""
    actor = users.get("operator") or users["admin"]
    planner = users.get("manager") or users["admin"]
    centers = _centers(company, actor)
    items = {item.number: item for item in Item.objects.filter(company=company, number__in=BUILD_ORDER)
             .select_related("current_revision")}
    if len(items) < len(BUILD_ORDER) or WorkOrder.objects.filter(company=company, item=items[BIKES[0][0]]).exists():
        return
    for number in BUILD_ORDER:
        if not Routing.objects.filter(item=items[number]).exists():
            routing_create(company=company, actor=planner, item=items[number], name="Standard", operations=[
                {"sequence": sequence, "work_center": centers[center], "name": name, "setup_minutes": D(setup),
                 "run_minutes_per_unit": D(run)} for sequence, center, name, setup, run in ROUTES[KIND[number]]])
    today = timezone.localdate()
    plan = build_plan()
    sub_assemblies = {number for number, *_rest in SUB_ASSEMBLIES}
    store, finished = (Location.objects.get(company=company, code=code) for code in (STORE, "MAIN/FG"))
    for number in BUILD_ORDER:
        for batch, quantity in enumerate(_batches(number, plan[number])):
            day = today - datetime.timedelta(days=BIKE_BATCH_DAYS[batch] if number in BIKE_BUILDS else
                                             SUB_ASSEMBLY_DAYS if number in sub_assemblies else ASSEMBLY_DAYS)
            order = work_order_create(company=company, actor=planner, item=items[number], quantity=quantity,
                                      due_date=day,
                                      source_reference="Demo history: e-bike series", location=store,
                                      finished_location=finished if number in BIKE_BUILDS else store)
            order = work_order_release(work_order=order, actor=planner)
            work_order_complete(work_order=order, quantity_good=quantity, actor=actor, completed_on=day)
    # the next batch of each bike: planned and released, its material reserved as far as the stock goes
    for number, *_rest in BIKES:
        order = work_order_create(company=company, actor=planner, item=items[number], quantity=D(4),
                                  due_date=today + datetime.timedelta(days=10),
                                  source_reference="Demo history: next batch", location=store,
                                  finished_location=finished)
        work_order_release(work_order=order, actor=planner, allow_shortage=True)
