"""Time recorded after the fact (`operation_time_record`) and a finish reported with its time: the log's bounds
are checked, a pending operation starts with it (sequence rule kept) and is paused, the change is audited."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.core.errors import ConflictError, DomainError
from apps.core.models import AuditRecord
from apps.mes.choices import OperationStatus, TimeLogKind, WorkCenterStatus, WorkOrderStatus
from apps.mes.models import OperationTimeLog
from apps.mes.services.operations import operation_finish, operation_start, operation_time_record
from tests.mes.test_services_operations import ops, plant, released

__all__ = ["plant", "released"]  # the fixtures


def test_recorded_time_starts_a_pending_operation_back_then_and_is_audited(released, plant):
    first, _second = ops(released)
    end = timezone.now() - datetime.timedelta(hours=1)
    start = end - datetime.timedelta(hours=3)
    log = operation_time_record(operation=first, started_at=start, ended_at=end, actor=plant.user)
    assert (log.operator, log.kind, log.started_at, log.ended_at) == (plant.user, TimeLogKind.RUN, start, end)
    first.refresh_from_db()
    released.refresh_from_db()
    assert (first.status, first.actual_start, released.status) == (OperationStatus.PAUSED, start,
                                                                    WorkOrderStatus.IN_PROGRESS)
    first.work_center.refresh_from_db()
    assert first.work_center.status == WorkCenterStatus.IDLE  # nobody is on it now
    record = AuditRecord.objects.filter(action="record_time").get()
    assert record.after["time_log"]["id"] == log.pk
    assert record.after["time_log"]["work_center"] == first.work_center.code
    # an earlier log moves the actual start back; a later one does not
    earlier = start - datetime.timedelta(days=1)
    operation_time_record(operation=first, started_at=earlier, ended_at=earlier + datetime.timedelta(hours=1),
                          actor=plant.user)
    operation_time_record(operation=first, started_at=end, ended_at=end + datetime.timedelta(minutes=5),
                          actor=plant.user)
    first.refresh_from_db()
    assert first.actual_start == earlier
    assert OperationTimeLog.objects.filter(operation=first, ended_at__isnull=True).count() == 0


@pytest.mark.parametrize(("start", "end", "field"), [
    (-60, -120, "ended_at"),  # ends before it starts
    (-60, -60, "ended_at"),  # no time at all
    (-60, 10, "ended_at"),  # ends in the future
])
def test_recorded_time_must_end_after_its_start_and_not_in_the_future(released, plant, start, end, field):
    now = timezone.now()
    with pytest.raises(DomainError) as error:
        operation_time_record(operation=ops(released)[0], started_at=now + datetime.timedelta(minutes=start),
                              ended_at=now + datetime.timedelta(minutes=end), actor=plant.user)
    assert error.value.field == field
    assert not OperationTimeLog.objects.exists()
    assert ops(released)[0].status == OperationStatus.PENDING


def test_recorded_time_keeps_the_sequence_rule(released, plant):
    _first, second = ops(released)
    end = timezone.now() - datetime.timedelta(hours=1)
    with pytest.raises(ConflictError):
        operation_time_record(operation=second, started_at=end - datetime.timedelta(hours=1), ended_at=end,
                              actor=plant.user)
    assert not OperationTimeLog.objects.exists()


def test_a_finish_reported_after_the_fact_ends_the_operation_then(released, plant):
    first = ops(released)[0]
    start = timezone.now() - datetime.timedelta(hours=5)
    operation_time_record(operation=first, started_at=start, ended_at=start + datetime.timedelta(hours=2),
                          actor=plant.user)
    with pytest.raises(DomainError) as error:
        operation_finish(operation=first, actor=plant.user, quantity_good=Decimal(5),
                         finished_at=start - datetime.timedelta(minutes=1))
    assert error.value.field == "finished_at"
    with pytest.raises(DomainError):
        operation_finish(operation=first, actor=plant.user, quantity_good=Decimal(5),
                         finished_at=timezone.now() + datetime.timedelta(minutes=5))
    finished_at = start + datetime.timedelta(hours=2)
    operation = operation_finish(operation=first, actor=plant.user, quantity_good=Decimal(5), finished_at=finished_at)
    assert (operation.status, operation.actual_end) == (OperationStatus.DONE, finished_at)


def test_a_finish_reported_after_the_fact_closes_open_logs_then(released, plant):
    first = ops(released)[0]
    operation_start(operation=first, actor=plant.user)
    finished_at = timezone.now()
    operation_finish(operation=first, actor=plant.user, quantity_good=Decimal(5), finished_at=finished_at)
    assert list(OperationTimeLog.objects.filter(operation=first).values_list("ended_at", flat=True)) == [finished_at]
