"""Completing work orders: backflush, receipt at actual cost, lots/serials, genealogy, event, atomicity."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.core.errors import ConflictError, DomainError, TransitionNotAllowed
from apps.core.models import Event
from apps.mes.choices import TimeLogKind, WorkOrderStatus
from apps.mes.models import GenealogyLink, OperationTimeLog, WorkOrderCompletion
from apps.mes.services import workorders
from apps.mes.services.workorders import work_order_close, work_order_complete, work_order_create, work_order_release
from apps.plm.choices import Tracking
from apps.scm.choices import ReservationStatus
from apps.scm.models import Lot, Reservation, StockMove, StockQuant
from apps.scm.selectors import stock_on_hand
from tests.mes.plant import build_plant, receive

DUE = datetime.date(2030, 3, 15)


@pytest.fixture
def plant(company, user):
    return build_plant(company, user)


def released(plant, quantity="10"):
    work_order = work_order_create(company=plant.company, actor=plant.user, item=plant.product,
                                   revision=plant.revision, quantity=Decimal(quantity), due_date=DUE)
    return work_order_release(work_order=work_order, actor=plant.user)


def log_hours(work_order, sequence, hours, kind=TimeLogKind.RUN, operator=None):
    operation = work_order.operations.get(sequence=sequence)
    end = timezone.now()
    return OperationTimeLog.objects.create(operation=operation, operator=operator or work_order_creator(work_order),
                                           kind=kind, started_at=end - datetime.timedelta(hours=hours), ended_at=end)


def work_order_creator(work_order):
    from django.contrib.auth.models import User

    return User.objects.get(username="alice")


def test_complete_consumes_receives_at_actual_cost_and_emits(plant):
    work_order = released(plant)
    log_hours(work_order, 10, 2)  # cutting: labour 60/h, machine 30/h
    log_hours(work_order, 20, 1.5, kind=TimeLogKind.SETUP)  # assembly: labour 40/h, setup: no machine cost
    work_order = work_order_complete(work_order=work_order, quantity_good=Decimal(10), lot_code="GB-001",
                                     actor=plant.user)
    assert work_order.status == WorkOrderStatus.COMPLETED
    assert (work_order.quantity_good, work_order.quantity_scrap) == (Decimal(10), Decimal(0))
    # components: 20 bolts at 0.50 + 16.5 steel at 4.00 = 10 + 66 = 76
    assert work_order.material_cost == Decimal("76.00")
    assert work_order.labour_cost == Decimal("180.00")  # 2 h x 60 + 1.5 h x 40
    assert work_order.machine_cost == Decimal("60.00")  # 2 run hours x 30
    lot = Lot.objects.get(item=plant.product, code="GB-001")
    assert stock_on_hand(item=plant.product, location=plant.stock, lot=lot) == Decimal(10)
    receipt = StockMove.objects.get(item=plant.product)
    assert (receipt.unit_cost, receipt.value) == (Decimal("31.600000"), Decimal("316.00"))
    assert stock_on_hand(item=plant.bolt) == Decimal(80)
    assert stock_on_hand(item=plant.steel, lot=plant.lots["S-1"]) == Decimal(0)
    assert stock_on_hand(item=plant.steel, lot=plant.lots["S-2"]) == Decimal("13.5")
    assert set(StockQuant.objects.values_list("reserved", flat=True)) == {Decimal(0)}
    links = {(g.parent_lot.code, g.child_lot.code): g.quantity for g in GenealogyLink.objects.all()}
    assert links == {("GB-001", "S-1"): Decimal(10), ("GB-001", "S-2"): Decimal("6.5")}
    event = Event.objects.get(name="mes.work_order.completed")
    assert event.payload == {
        "number": work_order.number, "item": "GEARBOX", "item_id": plant.product.pk, "revision": "A",
        "quantity_good": "10", "quantity_scrap": "0", "lot": "GB-001", "serials": [],
        "material_cost": "76.00", "labour_cost": "180.00", "machine_cost": "60.00", "total_cost": "316.00",
        "unit_cost": "31.600000", "finished_location_id": plant.stock.pk,
        "completion_id": WorkOrderCompletion.objects.get().pk, "is_final": True,
        "completed_on": timezone.localdate().isoformat(),
    }
    assert set(OperationTimeLog.objects.values_list("completion_id", flat=True)) == {event.payload["completion_id"]}


def test_partial_completion_keeps_the_order_in_progress(plant):
    work_order = released(plant)
    work_order = work_order_complete(work_order=work_order, quantity_good=Decimal(4), quantity_scrap=Decimal(1),
                                     actor=plant.user)
    assert work_order.status == WorkOrderStatus.IN_PROGRESS
    assert (work_order.quantity_good, work_order.quantity_scrap) == (Decimal(4), Decimal(1))
    # 5 units backflushed: bolts 10, steel 1.5 x 5 x 1.1 = 8.25 (FEFO from S-1)
    assert stock_on_hand(item=plant.bolt) == Decimal(90)
    assert stock_on_hand(item=plant.steel, lot=plant.lots["S-1"]) == Decimal("1.75")
    assert Lot.objects.get(item=plant.product).code == f"{work_order.number}-01"
    assert Event.objects.get(name="mes.work_order.completed").payload["is_final"] is False
    work_order = work_order_complete(work_order=work_order, quantity_good=Decimal(6), actor=plant.user)
    assert work_order.status == WorkOrderStatus.COMPLETED
    assert work_order.completions.count() == 2
    assert set(Reservation.objects.values_list("status", flat=True)) <= {ReservationStatus.CONSUMED,
                                                                        ReservationStatus.RELEASED}
    assert work_order_close(work_order=work_order, actor=plant.user).status == WorkOrderStatus.CLOSED


def test_over_completion_within_tolerance_consumes_beyond_the_reservation(plant):
    work_order = released(plant)
    work_order = work_order_complete(work_order=work_order, quantity_good=Decimal(11), actor=plant.user)
    assert work_order.status == WorkOrderStatus.COMPLETED
    assert stock_on_hand(item=plant.bolt) == Decimal(78)


def test_over_completion_beyond_tolerance_is_refused(plant):
    work_order = released(plant)
    with pytest.raises(DomainError) as error:
        work_order_complete(work_order=work_order, quantity_good=Decimal("11.5"), actor=plant.user)
    assert error.value.field == "quantity_good"
    assert error.value.code == "over_completion"
    assert not StockMove.objects.filter(item=plant.product).exists()


@pytest.mark.parametrize(("good", "scrap", "field"), [("0", "0", "quantity_good"), ("-1", "0", "quantity_good"),
                                                      ("1", "-1", "quantity_scrap")])
def test_bad_quantities_are_refused(plant, good, scrap, field):
    with pytest.raises(DomainError) as error:
        work_order_complete(work_order=released(plant), quantity_good=Decimal(good), quantity_scrap=Decimal(scrap),
                            actor=plant.user)
    assert error.value.field == field


def test_a_draft_cannot_be_completed(plant):
    work_order = work_order_create(company=plant.company, actor=plant.user, item=plant.product,
                                   revision=plant.revision, quantity=Decimal(1), due_date=DUE)
    with pytest.raises(TransitionNotAllowed):
        work_order_complete(work_order=work_order, quantity_good=Decimal(1), actor=plant.user)


def test_a_quality_blocked_operation_blocks_completion(plant):
    work_order = released(plant)
    work_order.operations.filter(sequence=10).update(quality_blocked=True)
    with pytest.raises(ConflictError) as error:
        work_order_complete(work_order=work_order, quantity_good=Decimal(10), actor=plant.user)
    assert error.value.code == "quality_blocked"


def test_serial_tracked_product_gets_one_serial_per_unit_with_genealogy(plant):
    plant.product.tracking = Tracking.SERIAL
    plant.product.save()
    work_order = released(plant, quantity="2")
    work_order_complete(work_order=work_order, quantity_good=Decimal(2), serials=["SN-1", "SN-2"], actor=plant.user)
    serials = Lot.objects.filter(item=plant.product).order_by("code")
    assert [(s.code, s.is_serial) for s in serials] == [("SN-1", True), ("SN-2", True)]
    # steel 1.5 x 2 x 1.1 = 3.3 from S-1, split over the two serials
    assert sorted((g.parent_lot.code, g.child_lot.code, g.quantity) for g in GenealogyLink.objects.all()) == [
        ("SN-1", "S-1", Decimal("1.65")), ("SN-2", "S-1", Decimal("1.65"))]
    with pytest.raises(DomainError) as error:
        work_order_complete(work_order=released(plant, quantity="1"), quantity_good=Decimal("0.5"), actor=plant.user)
    assert error.value.field == "quantity_good"


def test_operator_chosen_lots_replace_the_reserved_ones(plant):
    work_order = released(plant)
    work_order_complete(work_order=work_order, quantity_good=Decimal(10), actor=plant.user, consumed_lots=[
        {"component": plant.steel.pk, "lot": "S-2", "quantity": Decimal("16.5")}])
    assert stock_on_hand(item=plant.steel, lot=plant.lots["S-1"]) == Decimal(10)
    assert stock_on_hand(item=plant.steel, lot=plant.lots["S-2"]) == Decimal("3.5")
    assert [g.child_lot.code for g in GenealogyLink.objects.all()] == ["S-2"]
    assert set(StockQuant.objects.values_list("reserved", flat=True)) == {Decimal(0)}


def test_missing_stock_beyond_the_reservation_is_a_shortage(company, user):
    plant = build_plant(company, user, stock_bolts="5", steel_lots=(("S-1", "30"),))
    work_order = work_order_create(company=plant.company, actor=plant.user, item=plant.product,
                                   revision=plant.revision, quantity=Decimal(10), due_date=DUE)
    work_order_release(work_order=work_order, actor=plant.user, allow_shortage=True)
    with pytest.raises(DomainError) as error:
        work_order_complete(work_order=work_order, quantity_good=Decimal(10), actor=plant.user)
    assert error.value.code == "shortage"
    assert error.value.extra["shortages"] == [{"item": "BOLT-M8", "item_id": plant.bolt.pk, "required": "15",
                                               "available": "0"}]
    receive(plant, plant.bolt, "15", location=plant.stock, user=user)
    assert work_order_complete(work_order=work_order, quantity_good=Decimal(10),
                               actor=plant.user).status == WorkOrderStatus.COMPLETED


def test_a_failure_midway_leaves_no_move_no_lot_no_event(plant, monkeypatch):
    work_order = released(plant)
    moves_before = StockMove.objects.count()
    real_post = workorders.stock_moves_post

    def failing_receipt(*, company, moves, actor):
        if moves[0].item == plant.product:  # components were already consumed by now
            raise RuntimeError("disk full")
        return real_post(company=company, moves=moves, actor=actor)

    monkeypatch.setattr(workorders, "stock_moves_post", failing_receipt)
    with pytest.raises(RuntimeError):
        work_order_complete(work_order=work_order, quantity_good=Decimal(10), lot_code="GB-X", actor=plant.user)
    assert StockMove.objects.count() == moves_before
    assert not Event.objects.filter(name="mes.work_order.completed").exists()
    assert not GenealogyLink.objects.exists()
    assert not WorkOrderCompletion.objects.exists()
    work_order.refresh_from_db()
    assert (work_order.status, work_order.quantity_good) == (WorkOrderStatus.RELEASED, Decimal(0))
    assert sum(r.open_quantity for r in Reservation.objects.all()) == Decimal("36.5")
