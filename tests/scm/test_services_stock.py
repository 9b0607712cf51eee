"""Stock ledger services: moves, quants, valuation, lots and serials, reservations, cycle counts."""

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from apps.core.errors import ConflictError, DomainError, TransitionNotAllowed
from apps.core.models import AuditRecord, Event
from apps.scm.choices import LocationKind, MoveStatus, ReservationStatus
from apps.scm.models import ItemValuation, StockMove, StockQuant
from apps.scm.selectors import fefo_lots, stock_available, stock_card, stock_ledger_differences, stock_on_hand
from apps.scm.services.locations import location_create, virtual_location, warehouse_create
from apps.scm.services.stock import (
    MoveSpec,
    cycle_count_create,
    cycle_count_post,
    cycle_count_record,
    lot_get_or_create,
    reservation_consume,
    reservation_release,
    stock_move_cancel,
    stock_move_confirm,
    stock_move_create_draft,
    stock_move_post,
    stock_move_reverse,
    stock_moves_post,
    stock_reserve,
)
from tests.plm.factories import ItemFactory
from tests.scm.factories import LocationFactory

D = Decimal


@pytest.fixture
def item(company):
    return ItemFactory(company=company, number="BOLT-M8")


@pytest.fixture
def bin_a(company):
    return LocationFactory(company=company, code="A-01")


@pytest.fixture
def bin_b(company, bin_a):
    return LocationFactory(company=company, code="B-01", warehouse=bin_a.warehouse)


@pytest.fixture
def supplier(company):
    return virtual_location(company=company, kind=LocationKind.SUPPLIER)


@pytest.fixture
def customer(company):
    return virtual_location(company=company, kind=LocationKind.CUSTOMER)


def receive(company, user, item, location, quantity, cost="2.00", lot=None):
    return stock_move_post(company=company, item=item, quantity=D(quantity), lot=lot, unit_cost=D(cost),
                           from_location=virtual_location(company=company, kind="supplier"),
                           to_location=location, reference="PO-TEST", actor=user)


def test_virtual_location_is_created_once_per_company_and_kind(company, other_company):
    first = virtual_location(company=company, kind="scrap")
    assert virtual_location(company=company, kind="scrap") == first
    assert first.warehouse is None
    assert first.kind == "scrap"
    assert not first.is_internal
    assert virtual_location(company=other_company, kind="scrap") != first
    with pytest.raises(DomainError) as exc:
        virtual_location(company=company, kind="internal")
    assert exc.value.field == "kind"


def test_warehouse_create_adds_root_location_and_bins_nest(company, user):
    warehouse = warehouse_create(company=company, code="MAIN", name="Main", actor=user)
    root = warehouse.locations.get()
    assert root.code == "MAIN/STOCK"
    assert root.kind == "internal"
    bin_ = location_create(company=company, code="MAIN/A/01", name="Bin", parent=root, barcode="4001", actor=user)
    assert bin_.warehouse == warehouse
    with pytest.raises(DomainError) as exc:
        location_create(company=company, code="X", name="x", kind="internal", actor=user)
    assert exc.value.field == "warehouse"


def test_receipt_creates_quant_valuation_and_one_audit_record(company, user, item, bin_a):
    move = receive(company, user, item, bin_a, "10", cost="2.50")
    assert move.status == MoveStatus.DONE
    assert move.done_at is not None
    assert move.value == D("25.00")
    assert move.unit_cost == D("2.5")
    quant = StockQuant.objects.get(item=item, location=bin_a)
    assert (quant.on_hand, quant.reserved) == (D("10"), D("0"))
    valuation = ItemValuation.objects.get(item=item)
    assert (valuation.quantity, valuation.value, valuation.average_cost) == (D("10"), D("25.00"), D("2.5"))
    assert AuditRecord.objects.filter(action="post", object_id=str(move.pk)).count() == 1


def test_moving_average_cost_and_issue_value(company, user, item, bin_a, customer):
    receive(company, user, item, bin_a, "10", cost="2.00")
    receive(company, user, item, bin_a, "30", cost="4.00")
    valuation = ItemValuation.objects.get(item=item)
    assert valuation.average_cost == D("3.5")
    assert valuation.value == D("140.00")
    issue = stock_move_post(company=company, item=item, quantity=D("4"), from_location=bin_a,
                            to_location=customer, unit_cost=D("99"), actor=user)
    assert issue.unit_cost == D("3.5")
    assert issue.value == D("14.00")
    last = stock_move_post(company=company, item=item, quantity=D("36"), from_location=bin_a, to_location=customer,
                           actor=user)
    assert last.value == D("126.00")
    valuation.refresh_from_db()
    assert (valuation.quantity, valuation.value) == (D("0"), D("0.00"))


def test_transfer_moves_quantity_without_changing_value(company, user, item, bin_a, bin_b):
    receive(company, user, item, bin_a, "10", cost="3.00")
    move = stock_move_post(company=company, item=item, quantity=D("4"), from_location=bin_a, to_location=bin_b,
                           actor=user)
    assert move.value == D("12.00")
    assert stock_on_hand(item=item, location=bin_a) == D("6")
    assert stock_on_hand(item=item, location=bin_b) == D("4")
    assert stock_on_hand(item=item) == D("10")
    assert ItemValuation.objects.get(item=item).value == D("30.00")


def test_shortage_is_refused_naming_quantity_and_available_and_nothing_is_written(company, user, item, bin_a,
                                                                                    customer):
    receive(company, user, item, bin_a, "3")
    moves_before = StockMove.objects.count()
    with pytest.raises(ConflictError) as exc:
        stock_move_post(company=company, item=item, quantity=D("5"), from_location=bin_a, to_location=customer,
                        actor=user)
    assert exc.value.field == "quantity"
    assert exc.value.extra == {"available": "3.0000"}
    assert StockMove.objects.count() == moves_before
    assert stock_on_hand(item=item, location=bin_a) == D("3")


def test_batch_shortage_names_the_line(company, user, item, bin_a, customer):
    receive(company, user, item, bin_a, "3")
    other = ItemFactory(company=company)
    receive(company, user, other, bin_a, "1")
    with pytest.raises(ConflictError) as exc:
        stock_moves_post(company=company, actor=user, moves=[
            MoveSpec(item=other, quantity=D("1"), from_location=bin_a, to_location=customer),
            MoveSpec(item=item, quantity=D("4"), from_location=bin_a, to_location=customer)])
    assert exc.value.field == "moves.1.quantity"
    assert stock_on_hand(item=other, location=bin_a) == D("1")


def test_batch_posts_many_moves_with_one_audit_record(company, user, item, bin_a, supplier):
    items = [item, *ItemFactory.create_batch(3, company=company)]
    audit_before = AuditRecord.objects.count()
    moves = stock_moves_post(company=company, actor=user, moves=[
        MoveSpec(item=i, quantity=D(n + 1), from_location=supplier, to_location=bin_a, unit_cost=D("1.5"),
                 reference="GR-1") for n, i in enumerate(items * 2)])
    assert len(moves) == 8
    assert all(m.pk for m in moves)
    assert [m.quantity for m in moves] == [D(n + 1) for n in range(8)]
    assert AuditRecord.objects.count() == audit_before + 1
    assert stock_on_hand(item=items[0], location=bin_a) == D("6")  # 1 + 5
    assert stock_ledger_differences() == []


def test_database_refuses_negative_on_hand(company, item, bin_a):
    with pytest.raises(IntegrityError), transaction.atomic():
        StockQuant.objects.create(company=company, item=item, location=bin_a, on_hand=D("-1"))


def test_database_refuses_a_second_quant_for_the_same_item_location_without_lot(company, item, bin_a):
    StockQuant.objects.create(company=company, item=item, location=bin_a, on_hand=D("1"))
    with pytest.raises(IntegrityError), transaction.atomic():
        StockQuant.objects.create(company=company, item=item, location=bin_a, on_hand=D("1"))


@pytest.mark.parametrize(("quantity", "field"), [("0", "quantity"), ("-1", "quantity"), ("1.00001", "quantity")])
def test_invalid_quantity_names_the_field(company, user, item, bin_a, quantity, field):
    with pytest.raises(DomainError) as exc:
        receive(company, user, item, bin_a, quantity)
    assert exc.value.field == field
    assert not StockMove.objects.exists()


def test_same_location_and_other_company_are_refused(company, other_company, user, item, bin_a):
    with pytest.raises(DomainError) as exc:
        stock_move_post(company=company, item=item, quantity=D(1), from_location=bin_a, to_location=bin_a,
                        actor=user)
    assert exc.value.field == "to_location"
    foreign = LocationFactory(company=other_company)
    with pytest.raises(DomainError) as exc:
        receive(company, user, item, foreign, "1")
    assert exc.value.field == "to_location"


def test_lot_tracked_item_needs_a_lot(company, user, bin_a):
    item = ItemFactory(company=company, tracking="lot")
    with pytest.raises(DomainError) as exc:
        receive(company, user, item, bin_a, "5")
    assert exc.value.field == "lot"
    lot = lot_get_or_create(company=company, item=item, code="L1", expires_on=datetime.date(2027, 1, 1))
    assert lot_get_or_create(company=company, item=item, code="L1") == lot
    receive(company, user, item, bin_a, "5", lot=lot)
    assert stock_on_hand(item=item, lot=lot) == D("5")


def test_serial_numbers_move_one_unit_and_cannot_be_received_twice(company, user, bin_a, bin_b):
    item = ItemFactory(company=company, tracking="serial")
    serial = lot_get_or_create(company=company, item=item, code="SN-1")
    assert serial.is_serial
    with pytest.raises(DomainError) as exc:
        receive(company, user, item, bin_a, "2", lot=serial)
    assert exc.value.field == "quantity"
    receive(company, user, item, bin_a, "1", lot=serial)
    with pytest.raises(ConflictError) as exc:
        receive(company, user, item, bin_b, "1", lot=serial)
    assert exc.value.field == "lot"
    assert exc.value.code == "serial_in_stock"
    assert stock_on_hand(item=item) == D("1")


def test_fefo_suggests_earliest_expiry_first(company, user, bin_a):
    item = ItemFactory(company=company, tracking="lot")
    late = lot_get_or_create(company=company, item=item, code="LATE", expires_on=datetime.date(2028, 1, 1))
    early = lot_get_or_create(company=company, item=item, code="EARLY", expires_on=datetime.date(2027, 1, 1))
    never = lot_get_or_create(company=company, item=item, code="NOEXP")
    for lot in (late, early, never):
        receive(company, user, item, bin_a, "5", lot=lot)
    assert fefo_lots(item=item, location=bin_a, quantity=D("7")) == [(early, D("5")), (late, D("2"))]
    assert fefo_lots(item=item, location=bin_a, quantity=D("20")) == [(early, D("5")), (late, D("5")),
                                                                       (never, D("5"))]


def test_reserve_release_and_consume(company, user, item, bin_a, customer):
    receive(company, user, item, bin_a, "10")
    reservation = stock_reserve(company=company, item=item, location=bin_a, quantity=D("6"), reference="SO-1",
                                actor=user)
    assert stock_available(item=item, location=bin_a) == D("4")
    assert stock_on_hand(item=item, location=bin_a) == D("10")
    with pytest.raises(ConflictError) as exc:
        stock_reserve(company=company, item=item, location=bin_a, quantity=D("5"), actor=user)
    assert exc.value.status_code == 409
    assert exc.value.extra == {"available": "4.0000"}
    # unreserved stock cannot ship the reserved part
    with pytest.raises(ConflictError):
        stock_move_post(company=company, item=item, quantity=D("5"), from_location=bin_a, to_location=customer,
                        actor=user)
    reservation = reservation_release(reservation=reservation, quantity=D("2"), actor=user)
    assert reservation.open_quantity == D("4")
    assert reservation.status == ReservationStatus.ACTIVE
    move = reservation_consume(reservation=reservation, to_location=customer, actor=user)
    assert move.quantity == D("4")
    assert move.reference == "SO-1"
    assert move.source_type == "scm.reservation"
    reservation.refresh_from_db()
    assert reservation.status == ReservationStatus.CONSUMED
    assert reservation.open_quantity == 0
    quant = StockQuant.objects.get(item=item, location=bin_a)
    assert (quant.on_hand, quant.reserved) == (D("6"), D("0"))
    with pytest.raises(TransitionNotAllowed):
        reservation_release(reservation=reservation, actor=user)


def test_quality_hold_stock_cannot_be_reserved_and_is_not_available(company, user, item):
    hold = LocationFactory(company=company, code="QH", is_quality_hold=True)
    receive(company, user, item, hold, "5")
    assert stock_available(item=item) == D("0")
    with pytest.raises(ConflictError) as exc:
        stock_reserve(company=company, item=item, location=hold, quantity=D("1"), actor=user)
    assert exc.value.field == "location"


def test_reserving_a_lot_tracked_item_without_lot_picks_fefo(company, user, bin_a):
    item = ItemFactory(company=company, tracking="lot")
    early = lot_get_or_create(company=company, item=item, code="E", expires_on=datetime.date(2027, 1, 1))
    late = lot_get_or_create(company=company, item=item, code="L", expires_on=datetime.date(2028, 1, 1))
    receive(company, user, item, bin_a, "5", lot=late)
    receive(company, user, item, bin_a, "5", lot=early)
    reservation = stock_reserve(company=company, item=item, location=bin_a, quantity=D("3"), actor=user)
    assert reservation.lot == early


def test_draft_move_posts_and_cancels_through_the_workflow(company, user, item, bin_a, supplier):
    draft = stock_move_create_draft(company=company, item=item, quantity=D("2"), from_location=supplier,
                                    to_location=bin_a, unit_cost=D("5"), actor=user)
    assert stock_on_hand(item=item) == 0
    done = stock_move_confirm(move=draft, actor=user)
    assert done.status == "done"
    assert done.value == D("10.00")
    assert stock_on_hand(item=item) == D("2")
    with pytest.raises(TransitionNotAllowed):
        stock_move_cancel(move=done, actor=user)
    other = stock_move_create_draft(company=company, item=item, quantity=D("1"), from_location=supplier,
                                    to_location=bin_a, actor=user)
    assert stock_move_cancel(move=other, actor=user).status == "cancelled"
    assert stock_ledger_differences() == []


def test_reversal_is_a_new_move(company, user, item, bin_a):
    move = receive(company, user, item, bin_a, "4", cost="2")
    reversal = stock_move_reverse(move=move, actor=user)
    assert reversal.pk != move.pk
    assert reversal.from_location == bin_a
    assert reversal.value == D("8.00")
    assert stock_on_hand(item=item) == 0


def test_cycle_count_posts_adjustments_to_inventory_loss(company, user, item, bin_a):
    other = ItemFactory(company=company)
    receive(company, user, item, bin_a, "10", cost="2")
    receive(company, user, other, bin_a, "5", cost="1")
    count = cycle_count_create(company=company, location=bin_a, reason="Quarterly count", actor=user)
    lines = {line.item_id: line for line in count.lines.all()}
    assert lines[item.pk].expected_quantity == D("10")
    cycle_count_record(count=count, actor=user, lines=[
        {"line": lines[item.pk].pk, "counted_quantity": D("8")},
        {"line": lines[other.pk].pk, "counted_quantity": D("6")}])
    count = cycle_count_post(count=count, actor=user)
    assert count.status == "posted"
    loss = virtual_location(company=company, kind="inventory_loss")
    moves = StockMove.objects.filter(reference=count.number).order_by("item_id")
    assert [(m.item_id, m.quantity, m.from_location_id, m.to_location_id, m.reason) for m in moves] == sorted([
        (item.pk, D("2"), bin_a.pk, loss.pk, "Quarterly count"),
        (other.pk, D("1"), loss.pk, bin_a.pk, "Quarterly count")])
    assert stock_on_hand(item=item, location=bin_a) == D("8")
    assert stock_on_hand(item=other, location=bin_a) == D("6")
    assert Event.objects.filter(name="scm.stock.adjusted").count() == 1
    with pytest.raises(TransitionNotAllowed):
        cycle_count_post(count=count, actor=user)


def test_cycle_count_needs_every_line_counted(company, user, item, bin_a):
    receive(company, user, item, bin_a, "1")
    count = cycle_count_create(company=company, location=bin_a, actor=user)
    with pytest.raises(DomainError) as exc:
        cycle_count_post(count=count, actor=user)
    assert exc.value.field == "lines.0.counted_quantity"
    assert not StockMove.objects.filter(reference=count.number).exists()


def test_stock_card_running_balance(company, user, item, bin_a, bin_b, customer):
    receive(company, user, item, bin_a, "10")
    stock_move_post(company=company, item=item, quantity=D("3"), from_location=bin_a, to_location=bin_b, actor=user)
    stock_move_post(company=company, item=item, quantity=D("2"), from_location=bin_a, to_location=customer,
                    actor=user)
    assert [(m.signed_quantity, m.balance) for m in stock_card(item=item, location=bin_a)] == [
        (D("10"), D("10")), (D("-3"), D("7")), (D("-2"), D("5"))]
    assert [m.balance for m in stock_card(item=item)] == [D("10"), D("10"), D("8")]


def test_check_stock_command_passes_then_lists_a_tampered_quant(company, user, item, bin_a):
    from django.core.management import CommandError, call_command

    receive(company, user, item, bin_a, "5")
    call_command("check_stock")
    StockQuant.objects.filter(item=item).update(on_hand=D("4"))
    with pytest.raises(CommandError, match="1 stock difference"):
        call_command("check_stock")


def test_demo_seed_is_idempotent(company, other_company, user):
    from apps.scm import demo
    from apps.scm.models import Location

    ItemFactory(company=company, number="DEMO-1")
    ItemFactory(company=company, number="DEMO-2", tracking="serial")
    demo.seed(company=company, other_company=other_company, users={"admin": user})
    demo.seed(company=company, other_company=other_company, users={"admin": user})
    assert Location.objects.filter(company=company, code="MAIN/QC", is_quality_hold=True).count() == 1
    assert stock_on_hand(item=ItemFactory._meta.model.objects.get(number="DEMO-2")) == D(3)
    assert StockMove.objects.filter(reference="DEMO-OPENING").count() == 4
