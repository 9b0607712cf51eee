"""Shipment services: reservation from the warehouse, picking, packing, shipping, backorders, the SO event."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.core.errors import ConflictError, DomainError
from apps.core.models import Event
from apps.core.outbox import emit
from apps.plm.choices import Tracking
from apps.scm.choices import LocationKind, ReservationStatus, ShipmentStatus
from apps.scm.models import Reservation, Shipment, StockMove, StockQuant
from apps.scm.services.locations import virtual_location
from apps.scm.services.shipments import (
    shipment_cancel,
    shipment_create,
    shipment_create_from_sales_order,
    shipment_pack,
    shipment_pick,
    shipment_reserve,
    shipment_ship,
)
from apps.scm.services.stock import lot_get_or_create, stock_move_post
from tests.plm.factories import ItemFactory
from tests.scm.factories import LocationFactory, purchasing_world

D = Decimal


@pytest.fixture
def world(company, user):
    world = purchasing_world(company)
    world.bin2 = LocationFactory(company=company, warehouse=world.warehouse, code="ACME-B2")
    supplier_location = virtual_location(company=company, kind=LocationKind.SUPPLIER)
    stock_move_post(company=company, item=world.item, quantity=D(30), from_location=supplier_location,
                    to_location=world.stock, unit_cost=D("2.00"), actor=user)
    stock_move_post(company=company, item=world.item, quantity=D(20), from_location=supplier_location,
                    to_location=world.bin2, unit_cost=D("2.00"), actor=user)
    return world


def reserved_shipment(world, user, quantity="40"):
    shipment = shipment_create(company=world.company, actor=user, customer=world.customer, warehouse=world.warehouse,
                               sales_order_number="SO-2026-00007",
                               lines=[{"item": world.item, "quantity": D(quantity)}])
    return shipment_reserve(shipment=shipment, actor=user)


def quant(world, location):
    return StockQuant.objects.get(item=world.item, location=location)


def test_reserve_takes_stock_location_by_location(world, user):
    shipment = reserved_shipment(world, user, "40")
    assert shipment.status == ShipmentStatus.RESERVED
    assert shipment.number == f"SH-{timezone.localdate().year}-00001"
    allocations = [(a.location.code, a.quantity) for a in shipment.lines.get().allocations.order_by("id")]
    assert allocations == [("ACME-A1", D(30)), ("ACME-B2", D(10))]
    assert (quant(world, world.stock).reserved, quant(world, world.bin2).reserved) == (D(30), D(10))
    assert Reservation.objects.filter(reference=shipment.number, status=ReservationStatus.ACTIVE).count() == 2


def test_short_stock_reserves_what_there_is(world, user):
    shipment = reserved_shipment(world, user, "70")
    assert sum(a.quantity for a in shipment.lines.get().allocations.all()) == D(50)


def test_shipping_without_picks_ships_everything_reserved(world, user):
    shipment = shipment_ship(shipment=reserved_shipment(world, user, "40"), actor=user, carrier="DHL")
    assert shipment.status == ShipmentStatus.SHIPPED
    assert shipment.carrier == "DHL"
    customer = virtual_location(company=world.company, kind=LocationKind.CUSTOMER)
    moves = StockMove.objects.filter(to_location=customer).order_by("id")
    assert [(m.from_location.code, m.quantity, m.value) for m in moves] == [
        ("ACME-A1", D(30), D("60.00")), ("ACME-B2", D(10), D("20.00"))]
    assert (quant(world, world.stock).on_hand, quant(world, world.bin2).on_hand) == (D(0), D(10))
    assert quant(world, world.bin2).reserved == D(0)
    assert not shipment.backorders.exists()
    event = Event.objects.get(name="scm.shipment.shipped")
    assert event.payload == {
        "number": shipment.number, "shipment": shipment.number, "sales_order_number": "SO-2026-00007",
        "customer_id": world.customer.pk, "warehouse": world.warehouse.code, "backorder": None,
        "lines": [{"item_id": world.item.pk, "item": world.item.number, "quantity": "30.0000", "lot": None,
                   "unit_cost": "2.000000", "value": "60.00"},
                  {"item_id": world.item.pk, "item": world.item.number, "quantity": "10.0000", "lot": None,
                   "unit_cost": "2.000000", "value": "20.00"}],
        "total_value": "80.00", "shipped_on": timezone.localdate().isoformat(),
    }


def test_partial_pick_ships_the_picked_and_backorders_the_rest(world, user):
    shipment = reserved_shipment(world, user, "40")
    shipment = shipment_pick(shipment=shipment, actor=user, item=world.item, location=world.stock, quantity=D(25))
    assert shipment.status == ShipmentStatus.PICKING
    shipment = shipment_pack(shipment=shipment, actor=user, package_count=2, weight_kg=D("12.5"))
    assert (shipment.status, shipment.package_count) == (ShipmentStatus.PACKED, 2)
    shipment = shipment_ship(shipment=shipment, actor=user)
    assert shipment.lines.get().quantity_shipped == D(25)
    assert quant(world, world.stock).on_hand == D(5)
    backorder = Shipment.objects.get(backorder_of=shipment)
    assert backorder.status == ShipmentStatus.RESERVED
    assert backorder.sales_order_number == "SO-2026-00007"
    assert backorder.lines.get().quantity == D(15)
    # the backorder re-reserved from what is free: 5 left in A1, then 10 of B2
    assert sum(a.quantity for a in backorder.lines.get().allocations.all()) == D(15)
    assert quant(world, world.stock).reserved + quant(world, world.bin2).reserved == D(15)
    assert Event.objects.get(name="scm.shipment.shipped").payload["backorder"] == backorder.number


def test_pick_at_a_location_without_reservation_names_the_location(world, user):
    elsewhere = LocationFactory(company=world.company, warehouse=world.warehouse, code="ACME-Z9")
    shipment = reserved_shipment(world, user, "10")
    with pytest.raises(DomainError) as error:
        shipment_pick(shipment=shipment, actor=user, item=world.item, location=elsewhere, quantity=D(1))
    assert error.value.field == "location"
    assert error.value.code == "not_reserved_here"


def test_picking_more_than_reserved_is_refused(world, user):
    shipment = reserved_shipment(world, user, "10")
    with pytest.raises(DomainError) as error:
        shipment_pick(shipment=shipment, actor=user, item=world.item, location=world.stock, quantity=D(11))
    assert error.value.field == "quantity"
    assert error.value.message == "Only 10 of BOLT-ACME is reserved and left to pick there; 11 scanned."


def test_shipped_shipment_cannot_ship_again_or_cancel(world, user):
    shipment = shipment_ship(shipment=reserved_shipment(world, user, "10"), actor=user)
    with pytest.raises(ConflictError):
        shipment_ship(shipment=shipment, actor=user)
    with pytest.raises(ConflictError):
        shipment_cancel(shipment=shipment, actor=user)
    assert StockMove.objects.filter(reference=shipment.number).count() == 1


def test_nothing_reserved_cannot_be_shipped(world, user):
    empty_item = ItemFactory(company=world.company, number="NO-STOCK")
    shipment = shipment_reserve(shipment=shipment_create(
        company=world.company, actor=user, customer=world.customer, warehouse=world.warehouse,
        lines=[{"item": empty_item, "quantity": D(1)}]), actor=user)
    with pytest.raises(ConflictError) as error:
        shipment_ship(shipment=shipment, actor=user)
    assert error.value.code == "nothing_to_ship"
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.RESERVED
    assert not Event.objects.filter(name="scm.shipment.shipped").exists()


def test_cancel_releases_the_reservations(world, user):
    shipment = shipment_cancel(shipment=reserved_shipment(world, user, "40"), actor=user)
    assert shipment.status == ShipmentStatus.CANCELLED
    assert (quant(world, world.stock).reserved, quant(world, world.bin2).reserved) == (D(0), D(0))
    assert not Reservation.objects.filter(status=ReservationStatus.ACTIVE).exists()


def test_lot_tracked_items_are_reserved_first_expiry_first(company, user):
    world = purchasing_world(company)
    world.item.tracking = Tracking.LOT
    world.item.save()
    supplier_location = virtual_location(company=company, kind=LocationKind.SUPPLIER)
    late = lot_get_or_create(company=company, item=world.item, code="LATE", expires_on=datetime.date(2031, 1, 1))
    early = lot_get_or_create(company=company, item=world.item, code="EARLY", expires_on=datetime.date(2030, 1, 1))
    for lot in (late, early):
        stock_move_post(company=company, item=world.item, quantity=D(10), from_location=supplier_location,
                        to_location=world.stock, lot=lot, unit_cost=D(1), actor=user)
    shipment = reserved_shipment(world, user, "12")
    assert [(a.lot.code, a.quantity) for a in shipment.lines.get().allocations.order_by("id")] == [
        ("EARLY", D(10)), ("LATE", D(2))]
    shipment = shipment_pick(shipment=shipment, actor=user, lot=early, location=world.stock, quantity=D(10))
    shipment = shipment_ship(shipment=shipment, actor=user)
    payload = Event.objects.get(name="scm.shipment.shipped").payload
    assert [(line["lot"], line["quantity"]) for line in payload["lines"]] == [("EARLY", "10.0000")]
    assert Shipment.objects.get(backorder_of=shipment).lines.get().quantity == D(2)


def test_sales_order_event_creates_one_reserved_shipment(world, user):
    event = emit("erp.sales_order.confirmed", company=world.company, subject=world.customer, payload={
        "number": "SO-2026-00042", "customer_id": world.customer.pk,
        "lines": [{"item_id": world.item.pk, "quantity": "12.5", "due_date": "2026-12-01"}],
        "warehouse_id": world.warehouse.pk})
    first = shipment_create_from_sales_order(event=event)
    again = shipment_create_from_sales_order(event=event)
    assert first.pk == again.pk
    assert Shipment.objects.count() == 1
    assert (first.sales_order_number, first.status, first.planned_date) == (
        "SO-2026-00042", ShipmentStatus.RESERVED, datetime.date(2026, 12, 1))
    assert first.lines.get().quantity == D("12.5")
    assert quant(world, world.stock).reserved == D("12.5")


def test_sales_order_event_with_unknown_item_names_the_payload_field(world):
    event = emit("erp.sales_order.confirmed", company=world.company, subject=world.customer, payload={
        "number": "SO-1", "customer_id": world.customer.pk, "lines": [{"item_id": 999999, "quantity": "1"}]})
    with pytest.raises(DomainError) as error:
        shipment_create_from_sales_order(event=event)
    assert error.value.field == "payload.lines.0.item_id"
    assert not Shipment.objects.exists()


# ---- picking another lot than the reserved one -------------------------------------------------
@pytest.fixture
def two_lots(company, user):
    """A lot-tracked item with lots EARLY (reserved first, FEFO) and LATE, 10 each, at the stock bin."""
    world = purchasing_world(company)
    world.item.tracking = Tracking.LOT
    world.item.save()
    supplier_location = virtual_location(company=company, kind=LocationKind.SUPPLIER)
    world.early = lot_get_or_create(company=company, item=world.item, code="EARLY",
                                    expires_on=datetime.date(2030, 1, 1))
    world.late = lot_get_or_create(company=company, item=world.item, code="LATE", expires_on=datetime.date(2031, 1, 1))
    for lot in (world.early, world.late):
        stock_move_post(company=company, item=world.item, quantity=D(10), from_location=supplier_location,
                        to_location=world.stock, lot=lot, unit_cost=D(1), actor=user)
    return world


def lot_quant(world, lot):
    return StockQuant.objects.get(item=world.item, location=world.stock, lot=lot)


def test_scanning_an_unreserved_lot_swaps_the_reservation_to_it(two_lots, user):
    world = two_lots
    shipment = reserved_shipment(world, user, "4")
    [early_allocation] = shipment.lines.get().allocations.all()
    assert (early_allocation.lot, early_allocation.quantity) == (world.early, D(4))
    shipment = shipment_pick(shipment=shipment, actor=user, lot=world.late, location=world.stock, quantity=D(4))
    assert shipment.status == ShipmentStatus.PICKING
    assert [(a.lot.code, a.quantity, a.quantity_picked) for a in shipment.lines.get().allocations.all()] == [
        ("LATE", D(4), D(4))]
    old = Reservation.objects.get(pk=early_allocation.reservation_id)
    assert (old.status, old.open_quantity) == (ReservationStatus.RELEASED, D(0))
    new = Reservation.objects.get(lot=world.late)
    assert (new.status, new.open_quantity, new.reference) == (ReservationStatus.ACTIVE, D(4), shipment.number)
    assert (lot_quant(world, world.early).reserved, lot_quant(world, world.late).reserved) == (D(0), D(4))
    shipment_ship(shipment=shipment, actor=user)
    move = StockMove.objects.get(to_location__kind=LocationKind.CUSTOMER)
    assert (move.lot, move.quantity) == (world.late, D(4))
    assert (lot_quant(world, world.early).on_hand, lot_quant(world, world.late).on_hand) == (D(10), D(6))
    assert not Shipment.objects.filter(backorder_of=shipment).exists()


def test_partial_swap_keeps_the_rest_on_the_reserved_lot(two_lots, user):
    world = two_lots
    shipment = reserved_shipment(world, user, "6")
    shipment_pick(shipment=shipment, actor=user, lot=world.late, location=world.stock, quantity=D(2))
    assert sorted((a.lot.code, a.quantity, a.quantity_picked) for a in shipment.lines.get().allocations.all()) == [
        ("EARLY", D(4), D(0)), ("LATE", D(2), D(2))]
    assert (lot_quant(world, world.early).reserved, lot_quant(world, world.late).reserved) == (D(4), D(2))


def test_swap_to_a_lot_short_at_the_location_changes_nothing(two_lots, user):
    world = two_lots
    shipment = reserved_shipment(world, user, "4")  # EARLY 4
    reserved_shipment(world, user, "13")  # another order: EARLY 6 + LATE 7, so LATE has 3 free
    with pytest.raises(ConflictError) as error:
        shipment_pick(shipment=shipment, actor=user, lot=world.late, location=world.stock, quantity=D(4))
    assert error.value.field == "quantity"
    assert error.value.code == "insufficient_stock"
    assert [(a.lot.code, a.quantity, a.quantity_picked) for a in shipment.lines.get().allocations.all()] == [
        ("EARLY", D(4), D(0))]
    assert Reservation.objects.get(pk=shipment.lines.get().allocations.get().reservation_id).open_quantity == D(4)
    assert (lot_quant(world, world.early).reserved, lot_quant(world, world.late).reserved) == (D(10), D(7))
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.RESERVED


def test_line_asking_for_a_lot_is_not_swapped(two_lots, user):
    world = two_lots
    shipment = shipment_reserve(shipment=shipment_create(
        company=world.company, actor=user, customer=world.customer, warehouse=world.warehouse,
        lines=[{"item": world.item, "quantity": D(4), "lot": world.early}]), actor=user)
    with pytest.raises(DomainError) as error:
        shipment_pick(shipment=shipment, actor=user, lot=world.late, location=world.stock, quantity=D(4))
    assert (error.value.field, error.value.code) == ("lot", "not_reserved_here")
    assert (lot_quant(world, world.early).reserved, lot_quant(world, world.late).reserved) == (D(4), D(0))
    assert Reservation.objects.filter(lot=world.late).count() == 0
