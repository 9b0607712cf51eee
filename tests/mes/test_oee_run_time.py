"""OEE's run time: minutes of the run time logs less the work center's unplanned downtime inside them (an interval
difference), on hand-computed examples; planned downtime lowers PPT, not run time; a day in progress counts its
shift up to now."""

from decimal import Decimal
from unittest.mock import patch

import pytest

from apps.mes.selectors_oee import work_center_oee
from tests.mes.factories import DowntimeEventFactory, DowntimeReasonFactory
from tests.mes.test_oee import MONDAY, TUESDAY, at, done_operation, lathe, run_log

__all__ = ["lathe"]  # the fixture


@pytest.fixture
def breakdown(company):
    return DowntimeReasonFactory(company=company, code="BRK", kind="unplanned")


def down(work_center, reason, start: tuple[int, int], end: tuple[int, int]):
    return DowntimeEventFactory(company=work_center.company, work_center=work_center, reason=reason,
                                start=at(MONDAY, *start), end=at(MONDAY, *end))


def monday(work_center):
    return work_center_oee(work_center=work_center, date_from=MONDAY, date_to=MONDAY).days[0]


@pytest.fixture
def logged(lathe):
    """One run log 08:00-12:00 (240 minutes) on an operation of 100 units x 2 min (ideal 200 min)."""
    operation = done_operation(lathe, end=at(MONDAY, 12), per_unit="2", good=95, scrap=5)
    run_log(operation, at(MONDAY, 8), at(MONDAY, 12))
    return operation


@pytest.mark.usefixtures("logged")
def test_unplanned_downtime_inside_the_run_log_is_not_run_time(lathe, breakdown):
    down(lathe, breakdown, (9, 0), (9, 30))
    figures = monday(lathe)
    assert figures.run_minutes == Decimal("210.00")
    assert figures.unplanned_downtime_minutes == Decimal("30.00")
    assert figures.availability == Decimal("0.4375")  # 210 / 480
    assert figures.performance == Decimal("0.9524")  # 200 / 210


@pytest.mark.usefixtures("logged")
def test_only_the_part_of_a_downtime_inside_the_run_log_counts(lathe, breakdown):
    down(lathe, breakdown, (7, 0), (8, 15))  # 15 minutes inside the log
    down(lathe, breakdown, (11, 30), (13, 0))  # 30 minutes inside the log
    down(lathe, breakdown, (13, 10), (13, 40))  # nobody logged run time: nothing to take off
    figures = monday(lathe)
    assert figures.run_minutes == Decimal("195.00")
    assert figures.unplanned_downtime_minutes == Decimal("195.00")  # 75 + 90 + 30 inside the shift 06:00-14:00


@pytest.mark.usefixtures("logged")
def test_overlapping_downtime_events_count_once(lathe, breakdown):
    down(lathe, breakdown, (9, 0), (9, 30))  # e.g. two machines of the work center down at once
    down(lathe, breakdown, (9, 15), (9, 45))
    assert monday(lathe).run_minutes == Decimal("195.00")


def test_overlapping_run_logs_lose_a_downtime_once(lathe, breakdown, logged):
    run_log(logged, at(MONDAY, 10), at(MONDAY, 11))  # a second operator on the same machine time
    down(lathe, breakdown, (10, 30), (10, 45))
    assert monday(lathe).run_minutes == Decimal("225.00")


@pytest.mark.usefixtures("logged")
def test_planned_downtime_lowers_planned_production_time_not_run_time(lathe, company):
    maintenance = DowntimeReasonFactory(company=company, code="PM", kind="planned")
    down(lathe, maintenance, (9, 0), (9, 30))
    figures = monday(lathe)
    assert figures.run_minutes == Decimal("240.00")
    assert figures.planned_production_minutes == Decimal("450.00")
    assert figures.availability == Decimal("0.5333")



def test_a_day_in_progress_counts_its_shift_up_to_now(lathe):
    """Monday 10:00: four hours of the 06:00-14:00 shift are planned so far; Tuesday's shift has not begun."""
    operation = done_operation(lathe, end=at(MONDAY, 9), per_unit="1", good=100, scrap=0)
    run_log(operation, at(MONDAY, 7), at(MONDAY, 9))
    with patch("django.utils.timezone.now", return_value=at(MONDAY, 10)):
        monday, tuesday = work_center_oee(work_center=lathe, date_from=MONDAY, date_to=TUESDAY).days
    assert (monday.calendar_minutes, monday.planned_production_minutes, monday.run_minutes) == (
        Decimal("240.00"), Decimal("240.00"), Decimal("120.00"))
    assert monday.availability == Decimal("0.5000")
    assert (tuesday.calendar_minutes, tuesday.availability, tuesday.oee) == (Decimal("0.00"), None, None)
