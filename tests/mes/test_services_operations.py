"""Operations on the floor: start/pause/resume/finish, time logs, quantity rules, quality block."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group

from apps.core.errors import ConflictError, DomainError, PermissionDeniedError, TransitionNotAllowed
from apps.core.models import AuditRecord
from apps.mes.choices import OperationStatus, TimeLogKind, WorkCenterStatus, WorkOrderStatus
from apps.mes.models import OperationTimeLog, WorkCenter
from apps.mes.services.operations import (
    operation_blocked,
    operation_finish,
    operation_pause,
    operation_resume,
    operation_start,
)
from apps.mes.services.workorders import work_order_create, work_order_release
from tests.mes.plant import build_plant
from tests.mixins import add_membership


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
    assert error.value.message == "9 good units is more than operation 10 (Cut) passed (8)."
    second.refresh_from_db()
    assert second.status == OperationStatus.IN_PROGRESS
    assert operation_finish(operation=second, actor=plant.user, quantity_good=Decimal(8)).quantity_good == 8


def test_an_operation_cannot_start_before_the_previous_one_started(released, plant):
    first, second = ops(released)
    with pytest.raises(ConflictError) as error:
        operation_start(operation=second, actor=plant.user)
    assert (error.value.status_code, error.value.code, error.value.field) == (409, "out_of_sequence", "sequence")
    assert error.value.message == (f"The previous operation 10 (Cut) of {released.number} has not started yet: "
                                   "operations follow the routing sequence.")
    assert error.value.extra == {"previous_operation": {"id": first.pk, "sequence": 10, "name": "Cut",
                                                        "status": "pending"}}
    second.refresh_from_db()
    released.refresh_from_db()
    assert (second.status, second.actual_start, released.status) == (OperationStatus.PENDING, None,
                                                                     WorkOrderStatus.RELEASED)
    assert not OperationTimeLog.objects.filter(operation=second).exists()
    assert not AuditRecord.objects.filter(content_type__model="operation", object_id=str(second.pk)).exists()


def test_an_operation_starts_once_the_previous_one_started_but_finishes_only_after_it(released, plant):
    first, second = ops(released)
    operation_start(operation=first, actor=plant.user)
    assert operation_start(operation=second, actor=plant.user).status == OperationStatus.IN_PROGRESS
    with pytest.raises(ConflictError) as error:
        operation_finish(operation=second, actor=plant.user, quantity_good=Decimal(1))
    assert error.value.code == "out_of_sequence"
    assert "operation 10 (Cut)" in error.value.message
    assert "has not finished yet" in error.value.message
    second.refresh_from_db()
    assert (second.status, second.quantity_good) == (OperationStatus.IN_PROGRESS, Decimal(0))


def test_good_and_scrapped_units_together_are_bounded_by_what_the_previous_operation_passed(released, plant):
    first, second = ops(released)
    operation_start(operation=first, actor=plant.user)
    operation_finish(operation=first, actor=plant.user, quantity_good=Decimal(5))
    operation_start(operation=second, actor=plant.user)
    with pytest.raises(DomainError) as error:
        operation_finish(operation=second, actor=plant.user, quantity_good=Decimal(4), quantity_scrap=Decimal(2))
    assert (error.value.code, error.value.message) == (
        "exceeds_previous", "4 good + 2 scrapped is more than operation 10 (Cut) passed (5).")
    done = operation_finish(operation=second, actor=plant.user, quantity_good=Decimal(4), quantity_scrap=Decimal(1))
    assert (done.status, done.quantity_good, done.quantity_scrap) == (OperationStatus.DONE, Decimal(4), Decimal(1))


def test_a_supervisor_overrides_the_sequence_and_the_override_is_audited(released, plant, make_user):
    first, second = ops(released)
    supervisor = make_user(plant.company, "Manager")
    operation = operation_start(operation=second, actor=supervisor, override_sequence=True)
    assert operation.status == OperationStatus.IN_PROGRESS
    record = AuditRecord.objects.get(content_type__model="operation", object_id=str(second.pk))
    assert (record.actor, record.action) == (supervisor, "start_out_of_sequence")
    assert record.after["override_sequence"] == {"previous_sequence": 10, "previous_status": "pending"}
    finished = operation_finish(operation=second, actor=supervisor, quantity_good=Decimal(10),
                                override_sequence=True)
    assert (finished.status, finished.quantity_good) == (OperationStatus.DONE, Decimal(10))
    actions = list(AuditRecord.objects.filter(content_type__model="operation", object_id=str(second.pk))
                   .order_by("id").values_list("action", flat=True))
    assert actions == ["start_out_of_sequence", "finish_out_of_sequence"]
    first.refresh_from_db()
    assert first.status == OperationStatus.PENDING


@pytest.mark.parametrize("role", ["Production", "Quality"])
def test_only_the_supervisor_role_may_override_the_sequence(released, plant, make_user, role):
    _first, second = ops(released)
    operator = make_user(plant.company, role)
    with pytest.raises(PermissionDeniedError) as error:
        operation_start(operation=second, actor=operator, override_sequence=True)
    assert (error.value.status_code, error.value.field) == (403, "override_sequence")
    second.refresh_from_db()
    assert second.status == OperationStatus.PENDING
    assert not OperationTimeLog.objects.filter(operation=second).exists()


def test_override_needs_the_role_in_the_operations_company(released, plant, make_user, other_company):
    _first, second = ops(released)
    operator = make_user(plant.company, "Production")
    add_membership(operator, other_company, "Manager")  # a supervisor elsewhere only
    with pytest.raises(PermissionDeniedError):
        operation_start(operation=second, actor=operator, override_sequence=True)


def test_roles_grant_the_override_to_managers_and_admins_only(company):
    granted = {role: set(Group.objects.get(name=role).permissions.filter(codename="override_sequence")
                         .values_list("codename", flat=True)) for role in
               ("Manager", "Admin", "Production", "Quality", "Integrator")}
    assert granted == {"Manager": {"override_sequence"}, "Admin": {"override_sequence"}, "Production": set(),
                       "Quality": set(), "Integrator": set()}


def test_the_work_center_shows_running_while_an_operation_runs(released, plant):
    first, _second = ops(released)
    status = lambda: WorkCenter.objects.get(pk=plant.cutting.pk).status  # noqa: E731
    assert status() == WorkCenterStatus.IDLE
    operation_start(operation=first, actor=plant.user)
    assert status() == WorkCenterStatus.RUNNING
    operation_pause(operation=first, actor=plant.user)
    assert status() == WorkCenterStatus.IDLE
    operation_resume(operation=first, actor=plant.user)
    assert status() == WorkCenterStatus.RUNNING
    operation_finish(operation=first, actor=plant.user, quantity_good=Decimal(10))
    assert status() == WorkCenterStatus.IDLE


def test_a_work_center_stays_running_while_another_operation_runs_and_down_stays_down(plant):
    orders = [work_order_release(work_order=work_order_create(
        company=plant.company, actor=plant.user, item=plant.product, revision=plant.revision, quantity=Decimal(2),
        due_date=datetime.date(2030, 3, 15)), actor=plant.user) for _ in range(2)]
    first_a, first_b = (ops(order)[0] for order in orders)
    operation_start(operation=first_a, actor=plant.user)
    operation_start(operation=first_b, actor=plant.user)
    operation_finish(operation=first_a, actor=plant.user, quantity_good=Decimal(2))
    assert WorkCenter.objects.get(pk=plant.cutting.pk).status == WorkCenterStatus.RUNNING
    WorkCenter.objects.filter(pk=plant.cutting.pk).update(status=WorkCenterStatus.DOWN)
    operation_finish(operation=first_b, actor=plant.user, quantity_good=Decimal(2))
    assert WorkCenter.objects.get(pk=plant.cutting.pk).status == WorkCenterStatus.DOWN


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
