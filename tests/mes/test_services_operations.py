"""Operations on the floor: start/pause/resume/finish, time logs, quantity rules, quality block."""

import datetime
from decimal import Decimal

import pytest

from apps.core.errors import ConflictError, DomainError, TransitionNotAllowed
from apps.mes.choices import OperationStatus, TimeLogKind, WorkOrderStatus
from apps.mes.models import OperationTimeLog
from apps.mes.services.operations import (
    operation_blocked,
    operation_finish,
    operation_pause,
    operation_resume,
    operation_start,
)
from apps.mes.services.workorders import work_order_create, work_order_release
from tests.mes.plant import build_plant


@pytest.fixture
def plant(company, user):
    return build_plant(company, user)


@pytest.fixture
def released(plant):
    work_order = work_order_create(company=plant.company, actor=plant.user, item=plant.product,
                                   revision=plant.revision, quantity=Decimal(10), due_date=datetime.date(2030, 3, 15))
    return work_order_release(work_order=work_order, actor=plant.user)


def ops(work_order):
    return list(work_order.operations.order_by("sequence"))


def test_start_opens_a_setup_log_and_starts_the_order(released, plant):
    first, _second = ops(released)
    operation = operation_start(operation=first, actor=plant.user)
    assert operation.status == OperationStatus.IN_PROGRESS
    released.refresh_from_db()
    assert released.status == WorkOrderStatus.IN_PROGRESS
    [log] = OperationTimeLog.objects.filter(operation=first)
    assert (log.operator, log.kind, log.ended_at) == (plant.user, TimeLogKind.SETUP, None)


def test_pause_closes_logs_and_resume_opens_a_run_log(released, plant, make_user):
    first = ops(released)[0]
    operation_start(operation=first, actor=plant.user)
    helper = make_user(plant.company, "Production")
    operation_start(operation=first, actor=helper)  # a second operator joins
    assert OperationTimeLog.objects.filter(operation=first, ended_at__isnull=True).count() == 2
    operation_pause(operation=first, actor=plant.user)
    assert not OperationTimeLog.objects.filter(operation=first, ended_at__isnull=True).exists()
    operation = operation_resume(operation=first, actor=plant.user)
    assert operation.status == OperationStatus.IN_PROGRESS
    log = OperationTimeLog.objects.get(operation=first, ended_at__isnull=True)
    assert (log.operator, log.kind) == (plant.user, TimeLogKind.RUN)


def test_pause_of_a_pending_operation_is_409(released, plant):
    with pytest.raises(TransitionNotAllowed):
        operation_pause(operation=ops(released)[0], actor=plant.user)


def test_operations_of_a_draft_order_cannot_start(plant):
    from tests.mes.factories import OperationFactory

    operation = OperationFactory(work_order__company=plant.company, work_order__status=WorkOrderStatus.DRAFT)
    with pytest.raises(ConflictError):
        operation_start(operation=operation, actor=plant.user)


def test_finish_records_quantities_and_closes_the_logs(released, plant):
    first = ops(released)[0]
    operation_start(operation=first, actor=plant.user)
    operation = operation_finish(operation=first, actor=plant.user, quantity_good=Decimal(9),
                                 quantity_scrap=Decimal(1), scrap_reason="Burr")
    assert (operation.status, operation.quantity_good, operation.quantity_scrap, operation.scrap_reason) == (
        OperationStatus.DONE, Decimal(9), Decimal(1), "Burr")
    assert not OperationTimeLog.objects.filter(operation=first, ended_at__isnull=True).exists()


def test_cannot_finish_more_good_units_than_the_previous_operation_passed(released, plant):
    first, second = ops(released)
    operation_start(operation=first, actor=plant.user)
    operation_finish(operation=first, actor=plant.user, quantity_good=Decimal(8), quantity_scrap=Decimal(2))
    operation_start(operation=second, actor=plant.user)
    with pytest.raises(DomainError) as error:
        operation_finish(operation=second, actor=plant.user, quantity_good=Decimal(9))
    assert error.value.field == "quantity_good"
    assert "operation 10 passed (8)" in error.value.message
    second.refresh_from_db()
    assert second.status == OperationStatus.IN_PROGRESS
    assert operation_finish(operation=second, actor=plant.user, quantity_good=Decimal(8)).quantity_good == 8


def test_cannot_finish_before_the_previous_operation(released, plant):
    _first, second = ops(released)
    operation_start(operation=second, actor=plant.user)
    with pytest.raises(DomainError) as error:
        operation_finish(operation=second, actor=plant.user, quantity_good=Decimal(1))
    assert error.value.field == "quantity_good"


def test_first_operation_is_bounded_by_the_order_and_its_tolerance(released, plant):
    first = ops(released)[0]
    operation_start(operation=first, actor=plant.user)
    with pytest.raises(DomainError) as error:
        operation_finish(operation=first, actor=plant.user, quantity_good=Decimal(12))  # 10 + 10 % = 11
    assert error.value.field == "quantity_good"


@pytest.mark.parametrize(("good", "scrap", "field"), [("-1", "0", "quantity_good"), ("1", "-1", "quantity_scrap"),
                                                      ("0", "0", "quantity_good")])
def test_finish_rejects_bad_quantities(released, plant, good, scrap, field):
    first = ops(released)[0]
    operation_start(operation=first, actor=plant.user)
    with pytest.raises(DomainError) as error:
        operation_finish(operation=first, actor=plant.user, quantity_good=Decimal(good), quantity_scrap=Decimal(scrap))
    assert error.value.field == field


def test_a_quality_blocked_operation_cannot_finish(released, plant):
    first = ops(released)[0]
    operation_start(operation=first, actor=plant.user)
    type(first).objects.filter(pk=first.pk).update(quality_blocked=True)
    first.refresh_from_db()
    assert operation_blocked(first)
    with pytest.raises(ConflictError) as error:
        operation_finish(operation=first, actor=plant.user, quantity_good=Decimal(10))
    assert error.value.code == "quality_blocked"
    first.refresh_from_db()
    assert first.status == OperationStatus.IN_PROGRESS
