"""Backward scheduling over work center calendars (infinite capacity: other orders' load is ignored)."""

import datetime
from decimal import Decimal

from django.utils import timezone

from apps.core.errors import DomainError
from apps.mes.models import Operation, WorkCenter

DEFAULT_SHIFT_START = datetime.time(6, 0)
MAX_DAYS_BACK = 3660


def work_center_calendar(work_center: WorkCenter) -> dict[int, tuple[datetime.time, Decimal]]:
    """{weekday: (shift start, hours)}; without shift rows Monday to Friday for the daily capacity."""
    shifts = list(work_center.shifts.all())
    if shifts:
        return {s.weekday: (s.start_time, Decimal(s.hours)) for s in shifts}
    if work_center.capacity_hours_per_day <= 0:
        return {}
    return {day: (DEFAULT_SHIFT_START, Decimal(work_center.capacity_hours_per_day)) for day in range(5)}


def _window(day: datetime.date, shift: tuple[datetime.time, Decimal]) -> tuple[datetime.datetime, datetime.datetime]:
    start = timezone.make_aware(datetime.datetime.combine(day, shift[0]))
    return start, start + datetime.timedelta(hours=float(shift[1]))


def schedule_backward(*, work_center: WorkCenter, latest_end: datetime.datetime, minutes: Decimal,
                      calendar: dict | None = None) -> tuple[datetime.datetime, datetime.datetime]:
    """The (start, end) of `minutes` of work ending as late as possible, no later than `latest_end`,
    within the work center's working hours."""
    calendar = work_center_calendar(work_center) if calendar is None else calendar
    if not calendar:
        raise DomainError("work_center", f"Work center {work_center.code} has no working time in its calendar.")
    remaining = Decimal(minutes)
    day = timezone.localtime(latest_end).date()
    end = None
    for _ in range(MAX_DAYS_BACK):
        shift = calendar.get(day.weekday())
        if shift is not None:
            window_start, window_end = _window(day, shift)
            upper = min(window_end, latest_end)
            if upper > window_start:
                if end is None:
                    end = upper
                available = Decimal((upper - window_start).total_seconds()) / 60
                if remaining <= available:
                    return upper - datetime.timedelta(minutes=float(remaining)), end
                remaining -= available
        day -= datetime.timedelta(days=1)
    raise DomainError("due_date", "The operations do not fit into the work center calendar before the due date.")


def operations_schedule(*, operations: list[Operation], due_date: datetime.date, quantity: Decimal) -> None:
    """Set planned start/end of a work order's operations backward from the end of the due date:
    the last operation ends by the due date's end, each earlier one ends before the next one starts."""
    latest_end = timezone.make_aware(datetime.datetime.combine(due_date, datetime.time(23, 59, 59)))
    calendars: dict[int, dict] = {}
    for operation in sorted(operations, key=lambda o: o.sequence, reverse=True):
        work_center = operation.work_center
        if work_center.pk not in calendars:
            calendars[work_center.pk] = work_center_calendar(work_center)
        minutes = Decimal(operation.setup_minutes) + Decimal(operation.run_minutes_per_unit) * Decimal(quantity)
        start, end = schedule_backward(work_center=work_center, latest_end=latest_end, minutes=minutes,
                                       calendar=calendars[work_center.pk])
        operation.planned_start, operation.planned_end = start, end
        latest_end = start
