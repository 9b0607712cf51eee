"""Downtime rules: end after start, no overlap per work center, same company, active reasons; audited."""

import datetime

import pytest

from apps.core.errors import DomainError
from apps.core.models import AuditRecord
from apps.mes.models import DowntimeEvent
from apps.mes.services.downtime import downtime_delete, downtime_record, downtime_update
from tests.mes.factories import DowntimeReasonFactory, WorkCenterFactory

UTC = datetime.UTC


def t(hour: int, minute: int = 0, day: int = 2) -> datetime.datetime:
    return datetime.datetime(2026, 3, day, hour, minute, tzinfo=UTC)


@pytest.fixture
def press(company):
    return WorkCenterFactory(company=company, code="PRESS")


@pytest.fixture
def breakdown(company):
    return DowntimeReasonFactory(company=company, code="BRK", kind="unplanned")


@pytest.fixture
def existing(company, user, press, breakdown):
    """10:00-11:00 on the press."""
    return downtime_record(company=company, work_center=press, reason=breakdown, start=t(10), end=t(11),
                           notes="Hydraulics", actor=user)


def test_record_creates_an_audited_event(company, user, existing, press, breakdown):
    assert (existing.work_center, existing.reason, existing.start, existing.end) == (press, breakdown, t(10), t(11))
    assert existing.reported_by == user
    assert existing.duration_minutes == 60
    assert list(AuditRecord.objects.filter(object_id=str(existing.pk), content_type__model="downtimeevent")
                .values_list("action", flat=True)) == ["create"]


@pytest.mark.parametrize(("start", "end", "field"), [
    (t(12), t(12), "end"),
    (t(12), t(11, 59), "end"),
    (None, t(12), "start"),
    (t(12), None, "end"),
])
def test_end_must_be_after_start(company, user, press, breakdown, start, end, field):
    with pytest.raises(DomainError) as caught:
        downtime_record(company=company, work_center=press, reason=breakdown, start=start, end=end, actor=user)
    assert caught.value.field == field
    assert DowntimeEvent.objects.count() == 0


@pytest.mark.parametrize(("start", "end"), [
    (t(10), t(11)),          # the same period
    (t(9, 30), t(10, 1)),    # overlaps the start
    (t(10, 59), t(12)),      # overlaps the end
    (t(10, 15), t(10, 45)),  # inside
    (t(9), t(12)),           # around
])
def test_overlapping_periods_on_one_work_center_are_refused(company, user, existing, press, breakdown, start, end):
    with pytest.raises(DomainError) as caught:
        downtime_record(company=company, work_center=press, reason=breakdown, start=start, end=end, actor=user)
    assert caught.value.field == "start"
    assert caught.value.code == "overlap"
    assert caught.value.extra == {"overlaps": existing.pk}
    assert DowntimeEvent.objects.count() == 1


def test_adjacent_periods_and_other_work_centers_are_fine(company, user, existing, press, breakdown):
    before = downtime_record(company=company, work_center=press, reason=breakdown, start=t(9), end=t(10), actor=user)
    after = downtime_record(company=company, work_center=press, reason=breakdown, start=t(11), end=t(12), actor=user)
    other = downtime_record(company=company, work_center=WorkCenterFactory(company=company), reason=breakdown,
                            start=t(10), end=t(11), actor=user)
    assert DowntimeEvent.objects.filter(pk__in=[before.pk, after.pk, other.pk]).count() == 3


def test_other_companys_work_center_or_reason_is_refused(company, other_company, user, press, breakdown):
    with pytest.raises(DomainError) as caught:
        downtime_record(company=company, work_center=WorkCenterFactory(company=other_company), reason=breakdown,
                        start=t(1), end=t(2), actor=user)
    assert caught.value.field == "work_center"
    with pytest.raises(DomainError) as caught:
        downtime_record(company=company, work_center=press, reason=DowntimeReasonFactory(company=other_company),
                        start=t(1), end=t(2), actor=user)
    assert caught.value.field == "reason"
    assert DowntimeEvent.objects.count() == 0


def test_inactive_reason_is_refused_for_new_events(company, user, press):
    retired = DowntimeReasonFactory(company=company, is_active=False)
    with pytest.raises(DomainError, match="no longer in use") as caught:
        downtime_record(company=company, work_center=press, reason=retired, start=t(1), end=t(2), actor=user)
    assert caught.value.field == "reason"


def test_update_keeps_the_rules_and_may_touch_itself(company, user, existing, press, breakdown):
    later = downtime_record(company=company, work_center=press, reason=breakdown, start=t(12), end=t(13), actor=user)
    moved = downtime_update(instance=existing, start=t(10, 30), end=t(11, 30), actor=user)  # overlaps only itself
    assert (moved.start, moved.end) == (t(10, 30), t(11, 30))
    with pytest.raises(DomainError) as caught:
        downtime_update(instance=later, start=t(11), actor=user)
    assert caught.value.field == "start"
    with pytest.raises(DomainError) as caught:
        downtime_update(instance=later, end=t(11), actor=user)
    assert caught.value.field == "end"
    later.refresh_from_db()
    assert (later.start, later.end) == (t(12), t(13))
    record = AuditRecord.objects.filter(object_id=str(existing.pk), action="update").get()
    assert (record.before["start"][:16], record.after["start"][:16]) == ("2026-03-02T10:00", "2026-03-02T10:30")


def test_delete_is_audited(company, user, existing):
    pk = existing.pk
    downtime_delete(instance=existing, actor=user)
    assert not DowntimeEvent.objects.filter(pk=pk).exists()
    assert AuditRecord.objects.filter(object_id=str(pk), content_type__model="downtimeevent",
                                      action="delete").count() == 1
