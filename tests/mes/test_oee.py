"""OEE on a hand-computed example: calendars, planned/unplanned downtime, run logs, ideal times, good/scrap."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.core.errors import DomainError
from apps.mes.choices import OperationStatus, TimeLogKind
from apps.mes.selectors_oee import work_center_oee
from tests.core.factories import UserFactory
from tests.mes.factories import (
    DowntimeEventFactory,
    DowntimeReasonFactory,
    OperationFactory,
    OperationTimeLogFactory,
    WorkCenterFactory,
    WorkCenterShiftFactory,
)

MONDAY = datetime.date(2026, 3, 2)
TUESDAY = MONDAY + datetime.timedelta(days=1)


def at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=timezone.get_current_timezone())


def done_operation(work_center, *, end, per_unit, good, scrap):
    return OperationFactory(work_order__company=work_center.company, work_center=work_center,
                            status=OperationStatus.DONE, actual_end=end, run_minutes_per_unit=Decimal(per_unit),
                            quantity_good=Decimal(good), quantity_scrap=Decimal(scrap))


def run_log(operation, start, end, *, operator=None, kind=TimeLogKind.RUN):
    return OperationTimeLogFactory(operation=operation, operator=operator or UserFactory(), kind=kind,
                                   started_at=start, ended_at=end)


@pytest.fixture
def lathe(company):
    """A lathe working Monday and Tuesday 06:00-14:00 (480 minutes each)."""
    work_center = WorkCenterFactory(company=company, code="LATHE")
    WorkCenterShiftFactory(work_center=work_center, weekday=0, start_time=datetime.time(6), hours=Decimal(8))
    WorkCenterShiftFactory(work_center=work_center, weekday=1, start_time=datetime.time(6), hours=Decimal(8))
    return work_center


@pytest.fixture
def example(company, lathe):
    """Monday: 480 calendar min, 80 planned downtime -> PPT 400; 20 unplanned; run 320 min (one overlapping
    second operator counted once, setup ignored); op A 64 units x 1.5 min (60 good, 4 scrap), op B 96 units x
    2 min (92 good, 4 scrap) -> ideal 288. A = 320/400 = 0.8, P = 288/320 = 0.9, Q = 152/160 = 0.95,
    OEE = 0.684.

    Tuesday: PPT 480, run 240, op C 200 units x 1 min (190 good, 10 scrap): A = 0.5, P = 200/240, Q = 0.95.
    """
    planned = DowntimeReasonFactory(company=company, code="PM", kind="planned")
    breakdown = DowntimeReasonFactory(company=company, code="BRK", kind="unplanned")
    DowntimeEventFactory(company=company, work_center=lathe, reason=planned, start=at(MONDAY, 6),
                         end=at(MONDAY, 7, 20))
    DowntimeEventFactory(company=company, work_center=lathe, reason=breakdown, start=at(MONDAY, 10, 20),
                         end=at(MONDAY, 10, 40))
    op_a = done_operation(lathe, end=at(MONDAY, 10, 20), per_unit="1.5", good=60, scrap=4)
    op_b = done_operation(lathe, end=at(MONDAY, 13), per_unit="2", good=92, scrap=4)
    run_log(op_a, at(MONDAY, 7, 20), at(MONDAY, 10, 20))
    run_log(op_a, at(MONDAY, 9), at(MONDAY, 10))  # a second operator on the same machine time
    run_log(op_b, at(MONDAY, 10, 40), at(MONDAY, 13))
    run_log(op_b, at(MONDAY, 13), at(MONDAY, 13, 30), kind=TimeLogKind.SETUP)  # setup is not run time
    op_c = done_operation(lathe, end=at(TUESDAY, 11), per_unit="1", good=190, scrap=10)
    run_log(op_c, at(TUESDAY, 7), at(TUESDAY, 11))
    # noise on another work center of the same company: must not count
    drill = WorkCenterFactory(company=company, code="DRILL")
    other = done_operation(drill, end=at(MONDAY, 9), per_unit="5", good=10, scrap=10)
    run_log(other, at(MONDAY, 6), at(MONDAY, 9))
    DowntimeEventFactory(company=company, work_center=drill, reason=planned, start=at(MONDAY, 6),
                         end=at(MONDAY, 14))
    return lathe


def test_oee_of_one_day_matches_the_hand_computed_example(example):
    report = work_center_oee(work_center=example, date_from=MONDAY, date_to=MONDAY)
    [day] = report.days
    assert day.date == MONDAY
    assert (day.calendar_minutes, day.planned_downtime_minutes, day.planned_production_minutes) == (
        Decimal("480.00"), Decimal("80.00"), Decimal("400.00"))
    assert (day.unplanned_downtime_minutes, day.run_minutes, day.ideal_minutes) == (
        Decimal("20.00"), Decimal("320.00"), Decimal("288.00"))
    assert (day.quantity_good, day.quantity_scrap) == (Decimal(152), Decimal(8))
    assert day.availability == Decimal("0.8000")
    assert day.performance == Decimal("0.9000")
    assert day.quality == Decimal("0.9500")
    assert day.oee == Decimal("0.6840")
    assert report.total.oee == Decimal("0.6840")


def test_oee_of_a_range_is_the_ratio_of_summed_components(example):
    report = work_center_oee(work_center=example, date_from=MONDAY, date_to=TUESDAY)
    monday, tuesday = report.days
    assert monday.oee == Decimal("0.6840")
    assert (tuesday.availability, tuesday.performance, tuesday.quality, tuesday.oee) == (
        Decimal("0.5000"), Decimal("0.8333"), Decimal("0.9500"), Decimal("0.3958"))
    total = report.total
    assert total.date is None
    assert (total.planned_production_minutes, total.run_minutes, total.ideal_minutes) == (
        Decimal("880.00"), Decimal("560.00"), Decimal("488.00"))
    assert (total.quantity_good, total.quantity_scrap) == (Decimal(342), Decimal(18))
    # 560/880, 488/560, 342/360 and 488/880 * 0.95 - not the average of the daily ratios (0.5399)
    assert (total.availability, total.performance, total.quality, total.oee) == (
        Decimal("0.6364"), Decimal("0.8714"), Decimal("0.9500"), Decimal("0.5268"))


def test_day_without_calendar_or_production_has_no_ratios(company, lathe):
    sunday = MONDAY - datetime.timedelta(days=1)
    [day] = work_center_oee(work_center=lathe, date_from=sunday, date_to=sunday).days
    assert (day.calendar_minutes, day.planned_production_minutes, day.run_minutes) == (0, 0, 0)
    assert (day.availability, day.performance, day.quality, day.oee) == (None, None, None, None)
    [monday] = work_center_oee(work_center=lathe, date_from=MONDAY, date_to=MONDAY).days
    assert (monday.planned_production_minutes, monday.availability, monday.oee) == (
        Decimal("480.00"), Decimal("0.0000"), None)


def test_without_shifts_the_calendar_is_capacity_hours_monday_to_friday(company):
    work_center = WorkCenterFactory(company=company, capacity_hours_per_day=Decimal("7.5"))
    report = work_center_oee(work_center=work_center, date_from=MONDAY, date_to=MONDAY + datetime.timedelta(days=6))
    assert [d.calendar_minutes for d in report.days] == [Decimal("450.00")] * 5 + [Decimal("0.00")] * 2
    assert report.total.planned_production_minutes == Decimal("2250.00")


def test_planned_downtime_outside_the_shift_does_not_reduce_planned_time(company, lathe):
    planned = DowntimeReasonFactory(company=company, kind="planned")
    DowntimeEventFactory(company=company, work_center=lathe, reason=planned, start=at(MONDAY, 13),
                         end=at(MONDAY, 18))
    [day] = work_center_oee(work_center=lathe, date_from=MONDAY, date_to=MONDAY).days
    assert day.planned_downtime_minutes == Decimal("60.00")
    assert day.planned_production_minutes == Decimal("420.00")


def test_run_log_over_midnight_is_split_between_days(company, lathe):
    operation = OperationFactory(work_order__company=company, work_center=lathe)
    run_log(operation, at(MONDAY, 23), at(TUESDAY, 1, 30))
    monday, tuesday = work_center_oee(work_center=lathe, date_from=MONDAY, date_to=TUESDAY).days
    assert (monday.run_minutes, tuesday.run_minutes) == (Decimal("60.00"), Decimal("90.00"))


@pytest.mark.parametrize(("date_from", "date_to"), [
    (TUESDAY, MONDAY), (MONDAY, MONDAY + datetime.timedelta(days=366)),
])
def test_invalid_ranges_name_date_to(lathe, date_from, date_to):
    with pytest.raises(DomainError) as caught:
        work_center_oee(work_center=lathe, date_from=date_from, date_to=date_to)
    assert caught.value.field == "date_to"
