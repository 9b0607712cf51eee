"""Closing a work order short with scrap, and completing with the quantities the floor reported."""

import datetime
from decimal import Decimal

import pytest

from apps.core.errors import ConflictError, DomainError, TransitionNotAllowed
from apps.core.models import AuditRecord
from apps.mes.choices import WorkOrderStatus
from apps.mes.selectors_completion import work_order_completion_defaults
from apps.mes.services.operations import operation_finish, operation_start
from apps.mes.services.workorders import (
    work_order_close,
    work_order_close_short,
    work_order_complete,
    work_order_create,
    work_order_release,
)
from apps.scm.choices import ReservationStatus
from apps.scm.models import Reservation, StockMove, StockQuant
from apps.scm.selectors import stock_available
from tests.mes.plant import build_plant
from tests.plm.factories import RevisionFactory

D = Decimal
DUE = datetime.date(2030, 3, 15)


@pytest.fixture
def plant(company, user):
    return build_plant(company, user)


def released(plant, quantity: str):
    work_order = work_order_create(company=plant.company, actor=plant.user, item=plant.product,
                                   revision=plant.revision, quantity=D(quantity), due_date=DUE)
    return work_order_release(work_order=work_order, actor=plant.user)


def run_routing(plant, work_order, *reports):
    """Start and finish each operation in sequence with (good, scrap)."""
    for operation, (good, scrap) in zip(work_order.operations.order_by("sequence"), reports, strict=True):
        operation_start(operation=operation, actor=plant.user)
        operation_finish(operation=operation, actor=plant.user, quantity_good=D(good), quantity_scrap=D(scrap))


def reservations(work_order):
    ids = [str(pk) for pk in work_order.materials.values_list("pk", flat=True)]
    return Reservation.objects.filter(source_type="mes.workordermaterial", source_id__in=ids)


def reserved_on_quants(plant) -> dict:
    components = StockQuant.objects.filter(location=plant.stock, item__in=[plant.bolt, plant.steel])
    return {(q.item_id, q.lot_id): q.reserved for q in components}


def test_four_good_and_one_scrap_of_five_close_short_without_a_sixth_set_of_material(plant):
    work_order = released(plant, "5")
    run_routing(plant, work_order, ("5", "0"), ("4", "1"))
    work_order = work_order_complete(work_order=work_order, actor=plant.user)  # the floor's 4 good + 1 scrap
    assert (work_order.status, work_order.quantity_good, work_order.quantity_scrap) == (
        WorkOrderStatus.IN_PROGRESS, D(4), D(1))
    consumed = {m.component.number: m.quantity_consumed for m in work_order.materials.select_related("component")}
    assert consumed == {"BOLT-M8": D(10), "STEEL-BAR": D("8.25")}  # five sets: 4 good + 1 scrapped
    moves_before = StockMove.objects.count()
    closed = work_order_close_short(work_order=work_order, actor=plant.user, reason="Last unit scrapped")
    assert (closed.status, closed.quantity_good, closed.quantity_scrap) == (WorkOrderStatus.COMPLETED, D(4), D(1))
    assert closed.completed_at is not None
    assert StockMove.objects.count() == moves_before  # closing short consumes nothing more
    assert not reservations(work_order).filter(status=ReservationStatus.ACTIVE).exists()
    work_order_close(work_order=closed, actor=plant.user)  # and the usual close follows


def test_close_short_releases_exactly_what_is_still_reserved(plant):
    work_order = released(plant, "10")  # 20 bolts; steel 16.5: S-1 10 + S-2 6.5
    run_routing(plant, work_order, ("10", "0"), ("6", "1"))
    work_order = work_order_complete(work_order=work_order, actor=plant.user)  # 7 sets: 14 bolts, 11.55 steel
    s1, s2 = plant.lots["S-1"], plant.lots["S-2"]
    open_before = {(r.item_id, r.lot_id): r.open_quantity for r in reservations(work_order).filter(status="active")}
    assert open_before == {(plant.bolt.pk, None): D(6), (plant.steel.pk, s2.pk): D("4.95")}
    assert reserved_on_quants(plant) == {(plant.bolt.pk, None): D(6), (plant.steel.pk, s1.pk): D(0),
                                         (plant.steel.pk, s2.pk): D("4.95")}

    work_order_close_short(work_order=work_order, actor=plant.user, reason="Customer took 6")

    assert reserved_on_quants(plant) == {(plant.bolt.pk, None): D(0), (plant.steel.pk, s1.pk): D(0),
                                         (plant.steel.pk, s2.pk): D(0)}
    assert {r.status for r in reservations(work_order)} == {ReservationStatus.RELEASED, ReservationStatus.CONSUMED}
    assert stock_available(item=plant.bolt, location=plant.stock) == D(86)
    assert stock_available(item=plant.steel, location=plant.stock, lot=s2) == D("18.45")
    record = AuditRecord.objects.get(content_type__model="workorder", object_id=str(work_order.pk),
                                     action="close_short")
    assert (record.actor, record.before["status"], record.after["status"]) == (plant.user, "in_progress", "completed")
    assert record.after["reason"] == "Customer took 6"
    assert record.after["short_by"] == "4"
    assert record.after["released_reservations"] == [
        {"item": plant.bolt.pk, "lot": None, "quantity": "6"},
        {"item": plant.steel.pk, "lot": s2.pk, "quantity": "4.95"}]


def test_close_short_of_a_released_order_gives_back_every_reservation(plant):
    work_order = released(plant, "2")
    work_order_close_short(work_order=work_order, actor=plant.user)
    assert reserved_on_quants(plant) == {(plant.bolt.pk, None): D(0), (plant.steel.pk, plant.lots["S-1"].pk): D(0),
                                         (plant.steel.pk, plant.lots["S-2"].pk): D(0)}
    work_order.refresh_from_db()
    assert (work_order.status, work_order.quantity_good) == (WorkOrderStatus.COMPLETED, D(0))


def test_close_short_is_refused_while_an_operator_is_clocked_on(plant):
    work_order = released(plant, "10")
    operation_start(operation=work_order.operations.get(sequence=10), actor=plant.user)
    with pytest.raises(ConflictError) as error:
        work_order_close_short(work_order=work_order, actor=plant.user)
    assert (error.value.status_code, error.value.code) == (409, "clocked_on")
    work_order.refresh_from_db()
    assert work_order.status == WorkOrderStatus.IN_PROGRESS
    assert reservations(work_order).filter(status=ReservationStatus.ACTIVE).count() == 3
    assert not AuditRecord.objects.filter(action="close_short").exists()


@pytest.mark.parametrize("status", [WorkOrderStatus.DRAFT, WorkOrderStatus.COMPLETED, WorkOrderStatus.CANCELLED])
def test_only_released_or_running_orders_close_short(plant, status):
    work_order = work_order_create(company=plant.company, actor=plant.user, item=plant.product,
                                   revision=plant.revision, quantity=D(3), due_date=DUE)
    type(work_order).objects.filter(pk=work_order.pk).update(status=status)
    with pytest.raises(TransitionNotAllowed):
        work_order_close_short(work_order=work_order, actor=plant.user)


def test_completion_defaults_follow_the_floor_and_earlier_completions(plant):
    work_order = released(plant, "10")
    assert work_order_completion_defaults(work_order=work_order) == (D(10), D(0))  # last operation not done
    run_routing(plant, work_order, ("9", "1"), ("8", "1"))
    assert work_order_completion_defaults(work_order=work_order) == (D(8), D(2))  # scrap of both operations
    work_order = work_order_complete(work_order=work_order, actor=plant.user, quantity_good=D(5),
                                     quantity_scrap=D(2))
    assert work_order_completion_defaults(work_order=work_order) == (D(3), D(0))
    work_order = work_order_complete(work_order=work_order, actor=plant.user)
    assert (work_order.quantity_good, work_order.quantity_scrap, work_order.status) == (
        D(8), D(2), WorkOrderStatus.IN_PROGRESS)
    assert [(c.quantity_good, c.quantity_scrap) for c in work_order.completions.order_by("id")] == [
        (D(5), D(2)), (D(3), D(0))]


def test_completion_with_nothing_left_to_report_is_refused(plant):
    work_order = released(plant, "4")
    run_routing(plant, work_order, ("4", "0"), ("4", "0"))
    work_order_complete(work_order=work_order, actor=plant.user, quantity_good=D(3))
    with pytest.raises(DomainError) as error:
        work_order_complete(work_order=work_order, actor=plant.user, quantity_good=D(0))
    assert error.value.field == "quantity_good"
    assert work_order_complete(work_order=work_order, actor=plant.user).status == WorkOrderStatus.COMPLETED


def test_a_work_order_without_a_revision_gets_the_items_released_one(plant):
    work_order = work_order_create(company=plant.company, actor=plant.user, item=plant.product, quantity=D(1),
                                   due_date=DUE)
    assert (work_order.revision, work_order.definition) == (plant.revision, plant.definition)
    other = RevisionFactory(item__company=plant.company)
    with pytest.raises(DomainError) as error:
        work_order_create(company=plant.company, actor=plant.user, item=other.item, quantity=D(1), due_date=DUE)
    assert (error.value.field, error.value.code) == ("revision", "not_released")
