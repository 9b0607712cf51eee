"""The demo's shop floor at work (#15): after `seed_demo`, an operation runs at each connected work center, the
last week's OEE of each is believable, another run changes nothing; the simulator's cycles follow the running
operation's ideal time."""

import datetime
from collections import Counter
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from apps.mes.choices import OperationStatus
from apps.mes.demo_shop_floor import HISTORY_DAYS
from apps.mes.models import (
    DowntimeEvent,
    Equipment,
    MachineCount,
    MachineSignal,
    Operation,
    OperationTimeLog,
    WorkCenter,
    WorkCenterShift,
)
from apps.mes.selectors import running_operation_minutes
from apps.mes.selectors_board import board_tiles
from apps.mes.selectors_oee import plant_oee, work_centers_oee
from apps.mes.services.signals import signals_ingest
from apps.mes.signal_contract import EquipmentKey, SignalRow
from apps.mes.simulator import MachineSimulator

CONNECTED_CENTERS = ["ASSY", "CUT", "MACH"]


def believable(figures, where) -> None:
    assert figures.oee is not None, where
    assert Decimal("0.70") <= figures.availability <= Decimal("0.95"), (where, figures)
    assert Decimal("0.75") <= figures.performance <= Decimal("0.95"), (where, figures)
    assert Decimal("0.95") <= figures.quality <= Decimal("0.99"), (where, figures)


def shop_floor() -> dict[str, int]:
    return {"operations": Operation.objects.count(), "running": Operation.objects.filter(
                status=OperationStatus.IN_PROGRESS).count(),
            "logs": OperationTimeLog.objects.count(), "signals": MachineSignal.objects.count(),
            "minutes": MachineCount.objects.count(), "downtime": DowntimeEvent.objects.count()}


@pytest.mark.usefixtures("eur")
def test_seed_demo_runs_an_operation_at_each_connected_work_center_after_a_believable_week():
    call_command("seed_demo", verbosity=0)
    running = {code: minutes for code, minutes in running_operation_minutes(company_code="DEMO").items()}
    assert running == {"ASSY": Decimal(35), "CUT": Decimal(6), "MACH": Decimal(4)}
    everything = list(WorkCenter.objects.filter(company__code="DEMO", is_active=True).order_by("code"))
    centers = [center for center in everything if center.code in CONNECTED_CENTERS]
    assert [center.status for center in centers] == ["running"] * 3
    # the week's machine stops became downtime events with reasons (and one unmapped code: unclassified)
    stops = DowntimeEvent.objects.filter(work_center__in=centers, source="machine")
    assert stops.count() >= HISTORY_DAYS
    assert {"BRK", "MAT"} <= set(stops.values_list("reason__code", flat=True))
    today = timezone.localdate()
    date_from, date_to = today - datetime.timedelta(days=HISTORY_DAYS + 4), today - datetime.timedelta(days=1)
    reports = work_centers_oee(work_centers=centers, date_from=date_from, date_to=date_to)
    for center in centers:
        days = [day for day in reports[center.pk].days if day.calendar_minutes]
        assert len(days) >= HISTORY_DAYS
        for day in days[-HISTORY_DAYS:]:
            believable(day, (center.code, day.date))
    # the plant (the MES home's OEE): the work centers without machines reported their days too
    plant = [day for day in plant_oee(work_centers=everything, date_from=date_from, date_to=date_to)
             if day.calendar_minutes]
    for day in plant[-HISTORY_DAYS:]:
        believable(day, ("plant", day.date))
    before = shop_floor()
    call_command("seed_demo", verbosity=0)
    assert shop_floor() == before
    # the board names the running work, and a machine's count today is booked on it: OEE today is not n/a
    tiles = {tile.code: tile for tile in board_tiles(company_id=centers[0].company_id)}
    running_operations = {op.work_center.code: op for op in Operation.objects.filter(
        work_center__in=centers, status=OperationStatus.IN_PROGRESS).select_related("work_order", "work_center")}
    for code, operation in running_operations.items():
        assert (tiles[code].operation_id, tiles[code].work_order) == (operation.pk, operation.work_order.number)
    cutter = Equipment.objects.get(work_center__company__code="DEMO", code="CNC-1")
    # OEE today counts the shift so far: a weekend has none in the demo's calendar, and before 06:00 none has begun
    WorkCenterShift.objects.update_or_create(work_center=cutter.work_center, weekday=timezone.localdate().weekday(),
                                             defaults={"start_time": datetime.time(0), "hours": Decimal(24)})
    signals_ingest(company=cutter.work_center.company, rows=[SignalRow(
        key=EquipmentKey(equipment_id=cutter.pk, work_center_id=cutter.work_center_id,
                         company_id=cutter.work_center.company_id),
        kind="count", ts=timezone.now(), good=1)], actor=None)
    running_operations["CUT"].refresh_from_db()
    assert running_operations["CUT"].machine_good == 1
    assert {tile.code: tile for tile in board_tiles(company_id=centers[0].company_id)}["CUT"].oee_today is not None


def test_the_simulator_cycles_follow_the_running_operations_ideal_time():
    sent = []
    running = {"CUT": Decimal(6), "MACH": Decimal(4)}
    machines = [("CUT", "CNC-1", "Cutter"), ("MACH", "LATHE-1", "Lathe"), ("MACH", "MILL-1", "Mill"),
                ("ASSY", "BENCH-1", "Bench")]
    simulator = MachineSimulator(machines, "DEMO", lambda topic, payload: sent.append((topic, payload)), seed=7,
                                 speed=1_000_000, operations=lambda: dict(running))
    hours = 8
    simulator.run(duration=hours * 3600)
    counted = Counter()
    for topic, payload in sent:
        if topic.endswith("/count"):
            counted[topic.split("/")[2]] += payload["good"] + payload["scrap"]
    # performance of each work center: ideal minutes of what it counted / minutes it ran (stops are rare and short)
    for code, ideal in running.items():
        performance = counted[code] * ideal / (hours * 60)
        assert Decimal("0.72") <= performance <= Decimal("0.95"), (code, counted[code])
    assert counted["ASSY"] > 1000  # nothing running there: the machine's own 4-15 s cycles
    # a newly started operation is picked up at the next refresh
    running["ASSY"] = Decimal(35)
    simulator.refresh()
    bench = next(machine for machine in simulator.machines if machine.work_center == "ASSY")
    assert 35 * 60 * 1.08 <= bench.cycle_seconds <= 35 * 60 * 1.3
    # and a finished one gives the machine back its own cycle
    del running["CUT"]
    simulator.refresh()
    cutter = next(machine for machine in simulator.machines if machine.work_center == "CUT")
    assert cutter.cycle_seconds == cutter.idle_cycle_seconds
