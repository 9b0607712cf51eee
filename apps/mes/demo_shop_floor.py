"""Demo data of the shop floor at work: the connected work centers' last week and today (called by seed_demo after
`demo_signals`, so the demo's board, OEE pages and MES home charts have something to show).

* A week of history: for each of the last HISTORY_DAYS working days before today, each connected work center (CUT,
  MACH, ASSY) ran one operation of a work order of the week (the first operation of its routing): the operator's
  run time, recorded after the fact (`operation_time_record`, around the work center's planned downtime), and the
  machines' signals, ingested as the gateway would (`signals_ingest`): a count per cycle (the ideal time times a
  factor of 1.08-1.22 per machine, the machines of a work center sharing its work), a little scrap, and one to
  three stops with machine codes (FAULT, STARVED, the unmapped JAM) filling a day's budget of unplanned downtime
  (less on a day a breakdown was already recorded by hand). The operations finish at the end of the last day with
  the machines' counts. The work centers without machines (WELD, PAINT) report by hand: an order a day whose first
  operation the operator ran (run time recorded after the fact), a breakdown or a wait for material recorded
  (`downtime_record`), and the day's good and scrapped units reported at its finish. So the plant's OEE (the MES
  home's KPI and trend) counts every work center. A fixed random seed: the same demo every time.
* Today: one operation running at each connected work center (a welded frame's cutting and machining on a new work
  order, the first bike of the next batch on the bench), started through `operation_start`, so the machine counts
  of `simulate_machines` are booked on them.

Idempotent: a second run finds the week's work orders and changes nothing.
"""

import datetime
import random
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from apps.mes.choices import DowntimeKind, TimeLogKind
from apps.mes.demo_signals import CONNECTED
from apps.mes.models import DowntimeEvent, DowntimeReason, Equipment, Operation, RoutingOperation, WorkCenter, WorkOrder
from apps.mes.selectors_oee import Interval, intervals_less, work_center_calendar
from apps.mes.services.downtime import downtime_record
from apps.mes.services.operations import operation_finish, operation_start, operation_time_record
from apps.mes.services.signals import signals_ingest
from apps.mes.services.workorders import work_order_create, work_order_release
from apps.mes.signal_contract import EquipmentKey, SignalRow
from apps.plm.models import Item
from apps.scm.demo_history import STORE
from apps.scm.models import Location

SEED = 15
HISTORY_DAYS = 7
# work center → the item whose routing's first operation it ran last week
WEEK = {"CUT": "EB-F310", "MACH": "EB-D100", "ASSY": "EB-W100"}
WEEK_REFERENCE = "Demo shop floor: last week"
# work center without machines → the item whose routing's first operation it ran each day of last week
REPORTED = {"WELD": "EB-B010", "PAINT": "EB-F100"}
DAY_REFERENCE = "Demo shop floor: day's work"
TODAY_REFERENCE = "Demo shop floor: frames in progress"
FRAME, FRAMES_TODAY = "EB-F110", Decimal(12)
STOP_CODES = ["FAULT", "STARVED", "JAM"]
SLOWER = (1.08, 1.22)  # a machine's cycle / the ideal time
D = Decimal


@dataclass
class _Day:
    """What one work center did on one day: the run logs and its machines' signals."""

    logs: list[Interval] = field(default_factory=list)
    signals: list[tuple] = field(default_factory=list)  # (equipment, ts, kind, state, reason, good, scrap)


def seed_shop_floor(*, company, users) -> None:
    """The connected work centers' week of history and today's running operations (once)."""
    if WorkOrder.objects.filter(company=company, source_reference__in=[WEEK_REFERENCE, DAY_REFERENCE,
                                                                       TODAY_REFERENCE]).exists():
        return
    actor = users.get("operator") or users["admin"]
    planner = users.get("manager") or users["admin"]
    machines: dict[str, list[Equipment]] = defaultdict(list)
    for machine in (Equipment.objects.filter(work_center__company=company, code__in=CONNECTED)
                    .select_related("work_center").order_by("work_center__code", "code")):
        machines[machine.work_center.code].append(machine)
    numbers = [*WEEK.values(), *REPORTED.values(), FRAME]
    items = {item.number: item for item in Item.objects.filter(company=company, number__in=numbers)}
    reported = {wc.code: wc for wc in WorkCenter.objects.filter(company=company, code__in=REPORTED)}
    if set(WEEK) - set(machines) or set(REPORTED) - set(reported) or len(items) < len(numbers):
        return  # not the e-bike demo
    with transaction.atomic():
        _seed_week(company=company, machines=machines, items=items, actor=actor, planner=planner)
        _seed_reported(company=company, work_centers=reported, items=items, actor=actor, planner=planner)
        _seed_today(company=company, items=items, actor=actor, planner=planner)


def _working_days(work_center: WorkCenter, today: datetime.date) -> list[datetime.date]:
    calendar, days, day = work_center_calendar(work_center), [], today
    while len(days) < HISTORY_DAYS:
        day -= datetime.timedelta(days=1)
        if day.weekday() in calendar:
            days.append(day)
    return days[::-1]


def _minutes(minutes: float) -> datetime.timedelta:
    return datetime.timedelta(minutes=minutes)


def _simulate_day(rng: random.Random, *, shift: Interval, downtime: list[tuple], machines: list[Equipment],
                  ideal: Decimal, factors: dict[int, float]) -> _Day:
    """One work center's day: the operator's run logs (the shift less planned downtime, a few minutes late in and
    early out) and the machines' signals (cycles paused by the recorded downtime, stops of their own)."""
    day = _Day()
    planned = [(start, end) for start, end, kind in downtime if kind == DowntimeKind.PLANNED]
    recorded = sorted((start, end) for start, end, _kind in downtime)
    day.logs = intervals_less([(shift[0] + _minutes(rng.uniform(4, 12)), shift[1] - _minutes(rng.uniform(4, 12)))],
                              planned)
    # the day's unplanned stops: a budget of 20-55 minutes, less what was recorded by hand that day
    lost = sum(((min(end, shift[1]) - max(start, shift[0])).total_seconds() / 60
                for start, end, kind in downtime if kind == DowntimeKind.UNPLANNED), 0.0)
    budget = rng.uniform(20, 55) - lost
    stops: list[tuple[Equipment, datetime.datetime, datetime.datetime, str]] = []
    if budget > 5:
        count = rng.randint(1, 3)
        for _ in range(count):
            start, end = rng.choice(day.logs)
            length = _minutes(budget / count)
            if end - start <= length + _minutes(30):
                continue
            begin = start + (end - start - length - _minutes(20)) * rng.random() + _minutes(10)
            if any(begin < gap_end and begin + length > gap_start for gap_start, gap_end in recorded) or any(
                    begin < stop_end and begin + length > stop_start for _m, stop_start, stop_end, _r in stops):
                continue
            stops.append((rng.choice(machines), begin, begin + length, rng.choice(STOP_CODES)))
    for machine in machines:
        own = sorted((start, end, reason) for m, start, end, reason in stops if m is machine)
        cycle = float(ideal) * 60 * factors[machine.pk] * len(machines)
        for start, end in day.logs:
            day.signals.append((machine, start, "state", "running", "", 0, 0))
            pauses = sorted([(s, e, "idle", "") for s, e in recorded if start < e and s < end]
                            + [(s, e, "down", reason) for s, e, reason in own if start <= s < end])
            now = start
            while True:
                done = now + datetime.timedelta(seconds=cycle * rng.uniform(0.85, 1.15))
                # a cycle that meets a stop goes on after it
                while pauses and pauses[0][0] < done:
                    pause_start, pause_end, state, reason = pauses.pop(0)
                    day.signals.append((machine, max(pause_start, now), "state", state, reason, 0, 0))
                    if pause_end >= end:  # stopped until the end of the run log
                        done = end + datetime.timedelta(seconds=1)
                        break
                    day.signals.append((machine, pause_end, "state", "running", "", 0, 0))
                    done += pause_end - max(pause_start, now)
                if done > end:
                    break
                day.signals.append((machine, done, "count", "", "", 1, 0))
                now = done
            day.signals.append((machine, end, "state", "idle", "", 0, 0))
    # a little scrap: 1.5-3.5 % of the day's parts, at least one
    counts = [i for i, signal in enumerate(day.signals) if signal[2] == "count"]
    for i in rng.sample(counts, min(len(counts), max(1, round(len(counts) * rng.uniform(0.015, 0.035))))):
        day.signals[i] = (*day.signals[i][:5], 0, 1)
    return day


def _seed_week(*, company, machines: dict[str, list[Equipment]], items: dict, actor, planner) -> None:
    rng = random.Random(SEED)
    tz = timezone.get_current_timezone()
    today = timezone.localdate()
    store = Location.objects.get(company=company, code=STORE)
    rows, weeks = [], []
    for code, number in WEEK.items():
        work_center = machines[code][0].work_center
        ideal = (RoutingOperation.objects.filter(routing__item=items[number]).order_by("sequence")
                 .values_list("run_minutes_per_unit", flat=True).first())
        factors = {machine.pk: rng.uniform(*SLOWER) for machine in machines[code]}
        days = _working_days(work_center, today)
        calendar = work_center_calendar(work_center)
        first = datetime.datetime.combine(days[0], datetime.time(0), tzinfo=tz)
        recorded = list(DowntimeEvent.objects.filter(work_center=work_center, start__gte=first,
                                                     start__lt=datetime.datetime.combine(today, datetime.time(0),
                                                                                         tzinfo=tz))
                        .values_list("start", "end", "reason__kind"))
        simulated = []
        for day in days:
            start_time, hours = calendar[day.weekday()]
            start = datetime.datetime.combine(day, start_time, tzinfo=tz)
            shift = (start, start + _minutes(float(hours) * 60))
            downtime = [(s, e, kind) for s, e, kind in recorded if e is not None and s < shift[1] and e > shift[0]]
            simulated.append(_simulate_day(rng, shift=shift, downtime=downtime, machines=machines[code],
                                           ideal=ideal, factors=factors))
        good = sum(s[5] for day in simulated for s in day.signals)
        order = work_order_create(company=company, actor=planner, item=items[number], quantity=D(good),
                                  due_date=today + datetime.timedelta(days=7), source_reference=WEEK_REFERENCE,
                                  location=store, finished_location=store)
        order = work_order_release(work_order=order, actor=planner, allow_shortage=True)
        operation = order.operations.order_by("sequence").first()
        for day in simulated:
            for start, end in day.logs:
                operation_time_record(operation=operation, started_at=start, ended_at=end, kind=TimeLogKind.RUN,
                                      actor=actor)
            for machine, ts, kind, state, reason, good_parts, scrap in day.signals:
                rows.append(SignalRow(key=EquipmentKey(equipment_id=machine.pk, work_center_id=work_center.pk,
                                                       company_id=company.pk),
                                      kind=kind, ts=ts, state=state, reason=reason, good=good_parts, scrap=scrap))
        weeks.append((operation, simulated[-1].logs[-1][1]))
    signals_ingest(company=company, rows=rows, actor=actor)
    for operation, finished_at in weeks:
        operation.refresh_from_db()
        operation_finish(operation=operation, actor=actor, quantity_good=D(operation.machine_good),
                         quantity_scrap=D(operation.machine_scrap), finished_at=finished_at,
                         scrap_reason="Machine-counted scrap" if operation.machine_scrap else "")


def _seed_reported(*, company, work_centers: dict[str, WorkCenter], items: dict, actor, planner) -> None:
    """WELD and PAINT last week: each day an order, its first operation's run time, a stop, the units reported."""
    rng = random.Random(SEED + 1)
    tz = timezone.get_current_timezone()
    today = timezone.localdate()
    store = Location.objects.get(company=company, code=STORE)
    reasons = {reason.code: reason for reason in DowntimeReason.objects.filter(company=company,
                                                                              code__in=["BRK", "MAT"])}
    for code, number in REPORTED.items():
        work_center = work_centers[code]
        ideal = float(RoutingOperation.objects.filter(routing__item=items[number]).order_by("sequence")
                      .values_list("run_minutes_per_unit", flat=True).first())
        factor = rng.uniform(*SLOWER)
        calendar = work_center_calendar(work_center)
        for day in _working_days(work_center, today):
            start_time, hours = calendar[day.weekday()]
            start = datetime.datetime.combine(day, start_time, tzinfo=tz)
            shift_end = start + _minutes(float(hours) * 60)
            planned = list(DowntimeEvent.objects.filter(work_center=work_center, reason__kind=DowntimeKind.PLANNED,
                                                        start__lt=shift_end, end__gt=start)
                           .values_list("start", "end"))
            logs = intervals_less([(start + _minutes(rng.uniform(4, 12)), shift_end - _minutes(rng.uniform(4, 12)))],
                                  planned)
            piece_start, piece_end = max(logs, key=lambda log: log[1] - log[0])
            length = _minutes(rng.uniform(15, 45))
            stop = piece_start + (piece_end - piece_start - length) * rng.uniform(0.1, 0.9)
            run = sum((end - begin for begin, end in logs), datetime.timedelta(0)) - length
            units = int(run.total_seconds() / 60 / (ideal * factor * rng.uniform(0.95, 1.05)))
            scrap = max(1, round(units * rng.uniform(0.015, 0.035)))
            order = work_order_create(company=company, actor=planner, item=items[number], quantity=D(units),
                                      due_date=day + datetime.timedelta(days=14), source_reference=DAY_REFERENCE,
                                      location=store, finished_location=store)
            order = work_order_release(work_order=order, actor=planner, allow_shortage=True)
            operation = order.operations.order_by("sequence").first()
            for begin, end in logs:
                operation_time_record(operation=operation, started_at=begin, ended_at=end, kind=TimeLogKind.RUN,
                                      actor=actor)
            downtime_record(company=company, work_center=work_center, reason=reasons[rng.choice(["BRK", "MAT"])],
                            start=stop, end=stop + length, notes="Demo", actor=actor)
            operation_finish(operation=operation, actor=actor, quantity_good=D(units - scrap), quantity_scrap=D(scrap),
                             scrap_reason="Rework not possible", finished_at=logs[-1][1])


def _seed_today(*, company, items: dict, actor, planner) -> None:
    """A welded frame at CUT and MACH (operations 10 and 20, in sequence), the next bike on the ASSY bench."""
    store = Location.objects.get(company=company, code=STORE)
    order = work_order_create(company=company, actor=planner, item=items[FRAME], quantity=FRAMES_TODAY,
                              due_date=timezone.localdate() + datetime.timedelta(days=7),
                              source_reference=TODAY_REFERENCE, location=store, finished_location=store)
    order = work_order_release(work_order=order, actor=planner, allow_shortage=True)
    running = list(order.operations.filter(work_center__code__in=["CUT", "MACH"]).order_by("sequence"))
    bike = (Operation.objects.filter(work_order__company=company, work_order__source_reference="Demo history: "
                                     "next batch", work_order__status="released", work_center__code="ASSY")
            .order_by("work_order__number", "sequence").first())
    for operation in [*running, *([bike] if bike else [])]:
        operation_start(operation=operation, actor=actor, kind=TimeLogKind.RUN)
