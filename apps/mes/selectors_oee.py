"""OEE (overall equipment effectiveness) of a work center, per day and for a date range.

For each calendar day `d` (in the server's time zone, settings.TIME_ZONE) of a work center:

* calendar minutes        = hours of the work center's shift on d's weekday * 60 (`WorkCenterShift`);
                            without shift rows: Monday-Friday, `capacity_hours_per_day` from 06:00. A shift
                            still running counts up to now, one not begun yet 0: OEE today is so far today.
* planned downtime        = minutes of downtime with a *planned* reason inside d's shift window
                            [d + shift start, + shift hours).
* planned production time = max(calendar minutes - planned downtime, 0)                         (PPT)
* unplanned downtime      = minutes of downtime with an *unplanned* reason inside the shift window
                            (shown for information).
* run time                = minutes covered by *run* time logs of the work center's operations
                            within d (00:00-24:00), less the minutes of the work center's *unplanned*
                            downtime that fall inside them: the difference of the intervals, so
                            overlapping logs of several operators count once, overlapping downtime
                            events count once, and downtime while nobody logged run time takes nothing
                            off. A log still open counts until now. Setup logs are not run time; planned
                            downtime is not taken off run time (it lowers PPT instead).
* units                   = good and scrap quantities of the work center's operations finished on d;
                            on a day its machines counted parts (machine signals), their counts instead.
* ideal run time          = Σ operation.run_minutes_per_unit (copied from the routing) * (good + scrap);
                            machine counts use the operation they were booked on (none: no ideal time).
* a machine's downtime still open counts until now.

    availability = run time / PPT
    performance  = ideal run time / run time
    quality      = good / (good + scrap)
    OEE          = availability * performance * quality   (= ideal run time of good units / PPT)

A range sums the components of its days first and then divides (the ratios of sums, not the average
of daily ratios). A ratio whose denominator is zero is `None` (not applicable), and then so is OEE.
Ratios are rounded half-up to 4 decimal places; OEE is computed from the unrounded ratios. Values
above 1 are not capped: availability > 1 means work outside the calendar, performance > 1 an ideal
time in the routing that is too slow.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import F, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from apps.core.errors import DomainError
from apps.mes.choices import DowntimeKind, OperationStatus, TimeLogKind
from apps.mes.models import DowntimeEvent, MachineCount, Operation, OperationTimeLog, WorkCenter, WorkCenterShift

ZERO = Decimal(0)
RATIO_PLACES = Decimal("0.0001")
MINUTE_PLACES = Decimal("0.01")
MAX_DAYS = 366
DEFAULT_START = datetime.time(6, 0)

Interval = tuple[datetime.datetime, datetime.datetime]


@dataclass
class OeeFigures:
    """The components and ratios of OEE for one day (`date`) or a whole range (`date` is None)."""

    date: datetime.date | None = None
    calendar_minutes: Decimal = ZERO
    planned_downtime_minutes: Decimal = ZERO
    planned_production_minutes: Decimal = ZERO
    unplanned_downtime_minutes: Decimal = ZERO
    run_minutes: Decimal = ZERO
    ideal_minutes: Decimal = ZERO
    quantity_good: Decimal = ZERO
    quantity_scrap: Decimal = ZERO
    availability: Decimal | None = None
    performance: Decimal | None = None
    quality: Decimal | None = None
    oee: Decimal | None = None

    def compute(self) -> "OeeFigures":
        """Fill the ratios from the components (see the module docstring)."""
        total = self.quantity_good + self.quantity_scrap
        a = self.run_minutes / self.planned_production_minutes if self.planned_production_minutes else None
        p = self.ideal_minutes / self.run_minutes if self.run_minutes else None
        q = self.quantity_good / total if total else None
        self.availability, self.performance, self.quality = (_ratio(a), _ratio(p), _ratio(q))
        self.oee = _ratio(a * p * q) if None not in (a, p, q) else None
        for name in ("calendar_minutes", "planned_downtime_minutes", "planned_production_minutes",
                     "unplanned_downtime_minutes", "run_minutes", "ideal_minutes"):
            setattr(self, name, getattr(self, name).quantize(MINUTE_PLACES, ROUND_HALF_UP))
        return self


@dataclass
class OeeReport:
    """OEE of a work center: one row per day of the range and the range's total."""

    work_center: WorkCenter
    date_from: datetime.date
    date_to: datetime.date
    days: list[OeeFigures] = field(default_factory=list)
    total: OeeFigures = field(default_factory=OeeFigures)


def _ratio(value: Decimal | None) -> Decimal | None:
    return None if value is None else value.quantize(RATIO_PLACES, ROUND_HALF_UP)


def _minutes(delta: datetime.timedelta) -> Decimal:
    return Decimal(int(delta.total_seconds() * 1_000_000)) / Decimal(60_000_000)


def _union(intervals: list[Interval], window: Interval) -> list[Interval]:
    """The union of `intervals` clipped to `window`, as disjoint intervals in time order."""
    clipped = sorted((max(s, window[0]), min(e, window[1])) for s, e in intervals if s < window[1] and e > window[0])
    merged: list[Interval] = []
    for start, end in clipped:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _overlap(intervals: list[Interval], window: Interval) -> Decimal:
    """Minutes of the union of `intervals` that fall inside `window`."""
    return _minutes(sum((end - start for start, end in _union(intervals, window)), datetime.timedelta(0)))


def intervals_less(intervals: list[Interval], less: list[Interval], window: Interval | None = None) -> list[Interval]:
    """The parts of the union of `intervals` (inside `window`; by default their own span) that the union of `less`
    does not cover, as disjoint intervals in time order."""
    if window is None:
        if not intervals:
            return []
        window = (min(start for start, _ in intervals), max(end for _, end in intervals))
    parts: list[Interval] = []
    for start, end in _union(intervals, window):
        for gap_start, gap_end in _union(less, (start, end)):
            if gap_start > start:
                parts.append((start, gap_start))
            start = gap_end
        if start < end:
            parts.append((start, end))
    return parts


def _overlap_less(intervals: list[Interval], less: list[Interval], window: Interval) -> Decimal:
    """Minutes of the union of `intervals` inside `window` that the union of `less` does not cover."""
    return _minutes(sum((end - start for start, end in intervals_less(intervals, less, window)),
                        datetime.timedelta(0)))


def work_center_calendar(work_center: WorkCenter) -> dict[int, tuple[datetime.time, Decimal]]:
    """Weekday (0 = Monday) → (shift start, hours) of a work center's calendar."""
    shifts = {s.weekday: (s.start_time, s.hours) for s in WorkCenterShift.objects.filter(work_center=work_center)}
    if shifts:
        return shifts
    return {weekday: (DEFAULT_START, work_center.capacity_hours_per_day) for weekday in range(5)}


def _calendars(work_centers: list[WorkCenter]) -> dict[int, dict[int, tuple[datetime.time, Decimal]]]:
    """`work_center_calendar` of several work centers in one query."""
    shifts: dict[int, dict[int, tuple[datetime.time, Decimal]]] = defaultdict(dict)
    for wc_id, weekday, start, hours in WorkCenterShift.objects.filter(
            work_center__in=[wc.pk for wc in work_centers]).values_list("work_center_id", "weekday", "start_time",
                                                                          "hours"):
        shifts[wc_id][weekday] = (start, hours)
    return {wc.pk: shifts.get(wc.pk) or {weekday: (DEFAULT_START, wc.capacity_hours_per_day) for weekday in range(5)}
            for wc in work_centers}


def work_center_oee(*, work_center: WorkCenter, date_from: datetime.date, date_to: datetime.date) -> OeeReport:
    """OEE of a work center per day from `date_from` to `date_to` (inclusive) and for the whole range."""
    return work_centers_oee(work_centers=[work_center], date_from=date_from, date_to=date_to)[work_center.pk]


def work_centers_oee(*, work_centers: list[WorkCenter], date_from: datetime.date,
                     date_to: datetime.date) -> dict[int, OeeReport]:
    """`work_center_oee` of several work centers, in a fixed number of queries (not four per work center)."""
    if date_to < date_from:
        raise DomainError("date_to", "The end date must not be before the start date.")
    if (date_to - date_from).days >= MAX_DAYS:
        raise DomainError("date_to", f"At most {MAX_DAYS} days at a time.")
    work_centers = list(work_centers)
    ids = [wc.pk for wc in work_centers]
    tz = timezone.get_current_timezone()
    now = timezone.now()
    range_start = datetime.datetime.combine(date_from, datetime.time(0), tzinfo=tz)
    # shift windows may run past midnight: look one day further for downtime
    range_end = datetime.datetime.combine(date_to + datetime.timedelta(days=2), datetime.time(0), tzinfo=tz)
    calendars = _calendars(work_centers)

    downtime: dict[int, dict[str, list[Interval]]] = defaultdict(lambda: defaultdict(list))
    for wc_id, start, end, kind in DowntimeEvent.objects.filter(
        Q(end__isnull=True) | Q(end__gt=range_start), work_center__in=ids, start__lt=range_end,
    ).values_list("work_center_id", "start", "end", "reason__kind"):
        downtime[wc_id][kind].append((start, end or max(now, start)))
    run_logs: dict[int, list[Interval]] = defaultdict(list)
    for wc_id, start, end in OperationTimeLog.objects.filter(
        operation__work_center__in=ids, kind=TimeLogKind.RUN, started_at__lt=range_end,
    ).filter(Q(ended_at__isnull=True) | Q(ended_at__gt=range_start)).values_list(
            "operation__work_center_id", "started_at", "ended_at"):
        run_logs[wc_id].append((start, end or now))
    finished: dict[int, dict[datetime.date, list]] = defaultdict(lambda: defaultdict(list))
    for wc_id, end, good, scrap, per_unit in Operation.objects.filter(
        work_center__in=ids, status=OperationStatus.DONE, actual_end__gte=range_start, actual_end__lt=range_end,
    ).values_list("work_center_id", "actual_end", "quantity_good", "quantity_scrap", "run_minutes_per_unit"):
        finished[wc_id][timezone.localtime(end, tz).date()].append((good, scrap, per_unit))
    # machine counts replace the operators' quantities on the days the machines counted
    for row in MachineCount.objects.filter(
        work_center__in=ids, minute__gte=range_start, minute__lt=range_end,
    ).annotate(day=TruncDate("minute", tzinfo=tz)).values("work_center_id", "day").annotate(
            good_sum=Sum("good"), scrap_sum=Sum("scrap"),
            ideal=Sum((F("good") + F("scrap")) * F("operation__run_minutes_per_unit"))):
        finished[row["work_center_id"]][row["day"]] = [
            (Decimal(row["good_sum"]), Decimal(row["scrap_sum"]), None, row["ideal"] or ZERO)]
    return {wc.pk: _report(wc, date_from, date_to, calendars[wc.pk], downtime[wc.pk], run_logs[wc.pk],
                           finished[wc.pk], tz, now) for wc in work_centers}


def _report(work_center, date_from, date_to, calendar, downtime, run_logs, finished, tz, now) -> OeeReport:
    report = OeeReport(work_center=work_center, date_from=date_from, date_to=date_to)
    total = report.total
    day = date_from
    while day <= date_to:
        figures = OeeFigures(date=day)
        shift = calendar.get(day.weekday())
        if shift is not None:
            start_time, hours = shift
            window_start = datetime.datetime.combine(day, start_time, tzinfo=tz)
            window = (window_start, window_start + datetime.timedelta(minutes=float(hours * 60)))
            figures.calendar_minutes = hours * 60
            if window[1] > now:  # the shift is still running, or has not begun
                window = (window_start, max(now, window_start))
                figures.calendar_minutes = _minutes(window[1] - window[0])
            figures.planned_downtime_minutes = _overlap(downtime[DowntimeKind.PLANNED], window)
            figures.unplanned_downtime_minutes = _overlap(downtime[DowntimeKind.UNPLANNED], window)
        figures.planned_production_minutes = max(figures.calendar_minutes - figures.planned_downtime_minutes, ZERO)
        midnight = datetime.datetime.combine(day, datetime.time(0), tzinfo=tz)
        figures.run_minutes = _overlap_less(run_logs, downtime[DowntimeKind.UNPLANNED],
                                            (midnight, midnight + datetime.timedelta(days=1)))
        for good, scrap, per_unit, *ideal in finished.get(day, []):
            figures.quantity_good += good
            figures.quantity_scrap += scrap
            figures.ideal_minutes += ideal[0] if ideal else per_unit * (good + scrap)
        _add(total, figures)
        report.days.append(figures.compute())
        day += datetime.timedelta(days=1)
    total.compute()
    return report


COMPONENTS = ("calendar_minutes", "planned_downtime_minutes", "planned_production_minutes",
              "unplanned_downtime_minutes", "run_minutes", "ideal_minutes", "quantity_good", "quantity_scrap")


def _add(total: OeeFigures, figures: OeeFigures) -> None:
    for name in COMPONENTS:
        setattr(total, name, getattr(total, name) + getattr(figures, name))


def oee_sum(figures: list[OeeFigures], date: datetime.date | None = None) -> OeeFigures:
    """The OEE of several days or work centers together: the ratios of their summed components."""
    total = OeeFigures(date=date)
    for item in figures:
        _add(total, item)
    return total.compute()


def plant_oee(*, work_centers: list[WorkCenter], date_from: datetime.date, date_to: datetime.date) -> list[OeeFigures]:
    """OEE of several work centers together, per day (the ratios of the summed components, as for a range)."""
    reports = list(work_centers_oee(work_centers=work_centers, date_from=date_from, date_to=date_to).values())
    count = (date_to - date_from).days + 1
    return [oee_sum([report.days[i] for report in reports], date=date_from + datetime.timedelta(days=i))
            for i in range(count)]
