"""Reserving what a shipment is short once stock arrives: the `reserve_shortage` step ("Check availability") by
hand, in the API and the UI, and SCM's automatic top-up when a receipt, a move or a work order brings stock in."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType

from apps.core.choices import DeliveryStatus
from apps.core.errors import ConflictError, TransitionNotAllowed
from apps.core.models import AuditRecord, EventDelivery
from apps.core.outbox import deliver, emit
from apps.core.workflow import allowed_transitions
from apps.mes.services.quality import held_stock_release
from apps.plm.choices import Tracking
from apps.scm.choices import LocationKind, ShipmentStatus
from apps.scm.models import Reservation, Shipment, StockQuant
from apps.scm.services.locations import virtual_location
from apps.scm.services.shipments import (
    shipment_create,
    shipment_pick,
    shipment_reserve,
    shipment_reserve_shortage,
    shipments_top_up,
)
from apps.scm.services.stock import lot_get_or_create, stock_move_post
from tests.conftest import race
from tests.scm.factories import LocationFactory, WarehouseFactory, purchasing_world

D = Decimal
HANDLER = "apps.scm.handlers.top_up_short_shipments"


def arrive(world, user, quantity, *, location=None, lot=None):
    """Stock of the world's item received from the supplier (a move that emits `scm.stock.moved`)."""
    return stock_move_post(company=world.company, item=world.item, quantity=D(quantity),
                           from_location=virtual_location(company=world.company, kind=LocationKind.SUPPLIER),
                           to_location=location or world.stock, lot=lot, unit_cost=D("2.00"), actor=user)


def short_shipment(world, user, quantity, *, lot=None, planned_date=None, number="SO-2026-00011"):
    shipment = shipment_create(company=world.company, actor=user, customer=world.customer, warehouse=world.warehouse,
                               sales_order_number=number, planned_date=planned_date,
                               lines=[{"item": world.item, "quantity": D(quantity), "lot": lot}])
    return shipment_reserve(shipment=shipment, actor=user)


def reserved_of(shipment) -> Decimal:
    return sum((a.quantity for line in Shipment.objects.get(pk=shipment.pk).lines.all()
                for a in line.allocations.all()), D(0))


def quant(world, location=None, lot=None):
    return StockQuant.objects.get(item=world.item, location=location or world.stock, lot=lot)


def shortage_audit(shipment):
    return list(AuditRecord.objects.filter(content_type=ContentType.objects.get_for_model(Shipment),
                                           object_id=str(shipment.pk), action="reserve_shortage").order_by("pk"))


def moved_delivery(move) -> EventDelivery:
    return EventDelivery.objects.get(event__name="scm.stock.moved", event__subject_type="scm.stockmove",
                                     event__subject_id=str(move.pk), handler=HANDLER)


@pytest.fixture
def world(company):
    return purchasing_world(company)


# ---- the step, by hand -----------------------------------------------------------------------------------------
def test_stock_arriving_then_top_up_reserves_exactly_the_shortage(world, user):
    arrive(world, user, 30)
    shipment = short_shipment(world, user, 50)
    assert reserved_of(shipment) == D(30)
    assert "reserve_shortage" in allowed_transitions(shipment, user)
    arrive(world, user, 15)
    shipment = shipment_reserve_shortage(shipment=shipment, actor=user)
    assert shipment.status == ShipmentStatus.RESERVED  # the step does not move the status
    assert reserved_of(shipment) == D(45)
    assert (quant(world).on_hand, quant(world).reserved) == (D(45), D(45))
    [record] = shortage_audit(shipment)
    assert record.actor == user
    assert record.after["reserved"] == [{"line": 1, "item": world.item.number, "quantity": "15", "still_short": "5"}]
    arrive(world, user, 12)
    shipment_reserve_shortage(shipment=shipment, actor=user)
    assert reserved_of(shipment) == D(50)  # 5 of the 12: never more than the line misses
    assert (quant(world).on_hand, quant(world).reserved) == (D(57), D(50))
    assert Reservation.objects.filter(reference=shipment.number).count() == 3
    # nothing short any more: the step is gone from the buttons and refused, naming why
    shipment = Shipment.objects.get(pk=shipment.pk)
    assert "reserve_shortage" not in allowed_transitions(shipment, user)
    with pytest.raises(TransitionNotAllowed, match="fully reserved: nothing is short"):
        shipment_reserve_shortage(shipment=shipment, actor=user)
    assert quant(world).reserved == D(50)


def test_nothing_available_refuses_with_409_and_changes_nothing(world, user):
    arrive(world, user, 10)
    shipment = short_shipment(world, user, 25)
    other = short_shipment(world, user, 5, number="SO-2026-00012")  # the rest of the stock goes elsewhere
    assert (reserved_of(shipment), reserved_of(other)) == (D(10), D(0))
    with pytest.raises(ConflictError, match="Nothing available to reserve") as raised:
        shipment_reserve_shortage(shipment=shipment, actor=user)
    assert raised.value.code == "nothing_available"
    assert raised.value.extra["short"] == [{"line": 1, "item": world.item.number, "quantity": "15"}]
    assert world.warehouse.code in str(raised.value)
    assert reserved_of(shipment) == D(10)
    assert shortage_audit(shipment) == []
    assert Reservation.objects.filter(reference=shipment.number).count() == 1


def test_a_draft_shipment_is_reserved_not_topped_up(world, user):
    shipment = shipment_create(company=world.company, actor=user, customer=world.customer, warehouse=world.warehouse,
                               lines=[{"item": world.item, "quantity": D(5)}])
    with pytest.raises(TransitionNotAllowed, match="while it is draft"):
        shipment_reserve_shortage(shipment=shipment, actor=user)


def test_a_picking_shipment_stays_picking(world, user):
    arrive(world, user, 4)
    shipment = short_shipment(world, user, 10)
    shipment = shipment_pick(shipment=shipment, actor=user, item=world.item, quantity=D(4))
    assert shipment.status == ShipmentStatus.PICKING
    arrive(world, user, 6)
    shipment = shipment_reserve_shortage(shipment=shipment, actor=user)
    assert shipment.status == ShipmentStatus.PICKING
    assert reserved_of(shipment) == D(10)


def test_a_line_asking_for_a_lot_reserves_only_that_lot(world, user):
    world.item.tracking = Tracking.LOT
    world.item.save()
    early = lot_get_or_create(company=world.company, item=world.item, code="EARLY",
                              expires_on=datetime.date(2030, 1, 1))
    late = lot_get_or_create(company=world.company, item=world.item, code="LATE", expires_on=datetime.date(2031, 1, 1))
    arrive(world, user, 2, lot=late)
    shipment = short_shipment(world, user, 6, lot=late)
    arrive(world, user, 10, lot=early)  # first expiry, but not the lot the customer asked for
    with pytest.raises(ConflictError, match="Nothing available"):
        shipment_reserve_shortage(shipment=shipment, actor=user)
    arrive(world, user, 3, lot=late)
    shipment_reserve_shortage(shipment=shipment, actor=user)
    allocations = Shipment.objects.get(pk=shipment.pk).lines.get().allocations.order_by("id")
    assert [(a.lot.code, a.quantity) for a in allocations] == [("LATE", D(2)), ("LATE", D(3))]
    assert quant(world, lot=early).reserved == D(0)


def test_serials_are_reserved_one_by_one_first_expiry_first(world, user):
    world.item.tracking = Tracking.SERIAL
    world.item.save()
    serials = [lot_get_or_create(company=world.company, item=world.item, code=f"SN{n}",
                                 expires_on=datetime.date(2030, 1, n)) for n in (3, 1, 2)]
    shipment = short_shipment(world, user, 2)
    assert reserved_of(shipment) == D(0)
    for serial in serials:
        arrive(world, user, 1, lot=serial)
    shipment_reserve_shortage(shipment=shipment, actor=user)
    allocations = Shipment.objects.get(pk=shipment.pk).lines.get().allocations.order_by("id")
    assert [(a.lot.code, a.quantity) for a in allocations] == [("SN1", D(1)), ("SN2", D(1))]
    assert quant(world, lot=serials[0]).reserved == D(0)


def test_stock_in_another_warehouse_or_on_quality_hold_is_not_reserved(world, user):
    shipment = short_shipment(world, user, 5)
    elsewhere = LocationFactory(company=world.company, warehouse=WarehouseFactory(company=world.company, code="FAR"),
                                code="FAR-A1")
    arrive(world, user, 5, location=elsewhere)
    arrive(world, user, 5, location=world.hold)
    with pytest.raises(ConflictError, match="Nothing available"):
        shipment_reserve_shortage(shipment=shipment, actor=user)
    assert shipments_top_up(company=world.company, arrivals=[(world.item, elsewhere.warehouse)]) == []
    assert reserved_of(shipment) == D(0)


def test_another_companys_stock_and_events_are_never_used(world, other_company, other_user, user):
    other = purchasing_world(other_company)
    stock_move_post(company=other_company, item=other.item, quantity=D(50),
                    from_location=virtual_location(company=other_company, kind=LocationKind.SUPPLIER),
                    to_location=other.stock, unit_cost=D(1), actor=other_user)
    shipment = short_shipment(world, user, 5)
    with pytest.raises(ConflictError, match="Nothing available"):
        shipment_reserve_shortage(shipment=shipment, actor=user)
    # another company's arrival naming this company's item and warehouse (ids in its payload) reserves nothing
    assert shipments_top_up(company=other_company, arrivals=[(world.item, world.warehouse)]) == []
    event = emit("mes.work_order.completed", company=other_company, subject=other.item, payload={
        "item_id": world.item.pk, "finished_location_id": world.stock.pk})
    arrive(world, user, 5)  # this company's stock is there now; the other company's event still must not use it
    assert deliver(EventDelivery.objects.get(event=event, handler=HANDLER).pk)
    assert reserved_of(shipment) == D(0)
    assert quant(other, other.stock).reserved == D(0)


# ---- automatic: SCM's handler of the events that bring stock in ----------------------------------------------
def test_arrival_tops_up_once_oldest_due_first_even_when_dispatched_twice(world, user):
    arrive(world, user, 4)
    later = short_shipment(world, user, 6, planned_date=datetime.date(2030, 3, 1), number="SO-2026-00021")
    sooner = short_shipment(world, user, 6, planned_date=datetime.date(2030, 2, 1), number="SO-2026-00022")
    assert (reserved_of(later), reserved_of(sooner)) == (D(4), D(0))
    move = arrive(world, user, 8)
    delivery = moved_delivery(move)
    assert deliver(delivery.pk)
    assert not deliver(delivery.pk)  # a second dispatch of the same event is a no-op
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.DONE, 1)
    # the sooner-due shipment is served first (6), the later one gets the remaining 2 of its 2 short
    assert (reserved_of(sooner), reserved_of(later)) == (D(6), D(6))
    assert (quant(world).on_hand, quant(world).reserved) == (D(12), D(12))
    [record] = shortage_audit(sooner)
    assert (record.actor, record.after["automatic"], record.after["reserved"][0]["quantity"]) == (None, True, "6")


def test_arrival_into_quality_hold_does_not_top_up(world, user):
    shipment = short_shipment(world, user, 3)
    move = arrive(world, user, 3, location=world.hold)
    assert deliver(moved_delivery(move).pk)
    assert reserved_of(shipment) == D(0)
    assert shortage_audit(shipment) == []


def released_deliveries(move) -> list[EventDelivery]:
    return list(EventDelivery.objects.filter(event__name="scm.stock.released", event__subject_id=str(move.pk),
                                             handler=HANDLER))


def test_held_stock_released_by_inspection_tops_up_once(world, user):
    shipment = short_shipment(world, user, 5)
    arrive(world, user, 3, location=world.hold)
    move = held_stock_release(company=world.company, item=world.item, location=world.hold, quantity=D(3),
                              to_location=world.stock, actor=user)
    [delivery] = released_deliveries(move)
    assert deliver(delivery.pk)
    assert not deliver(delivery.pk)
    assert reserved_of(shipment) == D(3)
    [record] = shortage_audit(shipment)
    assert record.after["automatic"] is True
    # the value of the stock did not change: ERP is told nothing (no scm.stock.moved for an internal transfer)
    assert not EventDelivery.objects.filter(event__name="scm.stock.moved", event__subject_id=str(move.pk)).exists()


def test_a_transfer_inside_the_warehouse_announces_nothing_one_from_another_warehouse_tops_up(world, user):
    shipment = short_shipment(world, user, 4)
    shelf = LocationFactory(company=world.company, warehouse=world.warehouse, code=f"{world.company.code}-A2",
                            kind=LocationKind.INTERNAL)
    arrive(world, user, 4, location=shelf)  # the shipment reserved nothing of it: it arrived after the reservation
    EventDelivery.objects.filter(handler=HANDLER).delete()
    inside = stock_move_post(company=world.company, item=world.item, quantity=D(1), from_location=shelf,
                             to_location=world.stock, actor=user)
    assert released_deliveries(inside) == []
    far = WarehouseFactory(company=world.company, code=f"FAR-{world.company.code}")
    elsewhere = LocationFactory(company=world.company, warehouse=far, code=f"{world.company.code}-F1",
                                kind=LocationKind.INTERNAL)
    arrive(world, user, 2, location=elsewhere)
    transfer = stock_move_post(company=world.company, item=world.item, quantity=D(2), from_location=elsewhere,
                               to_location=world.stock, actor=user)
    [delivery] = released_deliveries(transfer)
    assert deliver(delivery.pk)
    # the shipment is served from the stock now at its warehouse (6: the shelf's 3 and the bin's 3)
    assert reserved_of(shipment) == D(4)


def test_work_order_completion_tops_up_the_finished_item(world, user):
    shipment = short_shipment(world, user, 2)
    stock_move_post(company=world.company, item=world.item, quantity=D(2),
                    from_location=virtual_location(company=world.company, kind=LocationKind.PRODUCTION),
                    to_location=world.stock, unit_cost=D(5), actor=user)
    EventDelivery.objects.filter(handler=HANDLER).delete()  # only the completion's event is looked at here
    event = emit("mes.work_order.completed", company=world.company, subject=world.item, payload={
        "number": "WO-2026-00001", "item_id": world.item.pk, "finished_location_id": world.stock.pk})
    assert deliver(EventDelivery.objects.get(event=event, handler=HANDLER).pk)
    assert reserved_of(shipment) == D(2)


# ---- API and UI ------------------------------------------------------------------------------------------------
def test_api_action_reserves_the_shortage_and_409_names_why(world, user, api):
    arrive(world, user, 1)
    shipment = short_shipment(world, user, 3)
    url = f"/api/v1/scm/shipments/{shipment.pk}/reserve-shortage/"
    response = api.post(url)
    assert response.status_code == 409
    assert response["Content-Type"].startswith("application/problem+json")
    assert "Nothing available to reserve" in response.json()["detail"]
    arrive(world, user, 2)
    assert "reserve_shortage" in api.get(f"/api/v1/scm/shipments/{shipment.pk}/").json()["allowed_transitions"]
    response = api.post(url)
    assert response.status_code == 200
    assert response.json()["status"] == "reserved"
    assert "reserve_shortage" not in response.json()["allowed_transitions"]
    assert reserved_of(shipment) == D(3)
    response = api.post(url)
    assert response.status_code == 409
    assert "nothing is short" in response.json()["detail"]


def test_api_action_on_another_companys_shipment_is_404(world, user, other_company, api_for, other_user):
    shipment = short_shipment(world, user, 3)
    response = api_for(other_user).post(f"/api/v1/scm/shipments/{shipment.pk}/reserve-shortage/")
    assert response.status_code == 404
    assert shortage_audit(shipment) == []


def test_ui_button_reserves_what_is_short(world, user, web):
    shipment = short_shipment(world, user, 3)
    arrive(world, user, 3)
    assert "Reserve what&#x27;s short" in web.get(f"/scm/shipments/{shipment.pk}/").content.decode()
    response = web.post(f"/scm/shipments/{shipment.pk}/do/reserve_shortage/")
    assert response.status_code == 302
    assert reserved_of(shipment) == D(3)


# ---- concurrency -----------------------------------------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
@pytest.mark.xdist_group("scm_concurrency")
def test_concurrent_top_ups_never_over_reserve(company, user):
    world = purchasing_world(company)
    first, second = short_shipment(world, user, 5, number="SO-A"), short_shipment(world, user, 5, number="SO-B")
    arrive(world, user, 6)
    again = short_shipment(world, user, 1, number="SO-C")  # takes one: 5 left for the two racing shipments
    assert reserved_of(again) == D(1)
    works = [lambda: shipment_reserve_shortage(shipment=first, actor=user),
             lambda: shipment_reserve_shortage(shipment=second, actor=user),
             lambda: shipment_reserve_shortage(shipment=first, actor=user),
             lambda: shipments_top_up(company=company, arrivals=[(world.item, world.warehouse)])]
    outcomes = race(works)
    assert all(o == "ok" or isinstance(o, ConflictError | TransitionNotAllowed) for o in outcomes), outcomes
    assert reserved_of(first) + reserved_of(second) == D(5)
    assert "ok" in outcomes
    assert (quant(world).on_hand, quant(world).reserved) == (D(6), D(6))
