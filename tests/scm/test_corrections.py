"""Corrections happen once: a move is reversed once (and a reversal not at all), a receipt or a shipment is
cancelled once; the database backs the quantity rules a direct write could break."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.core.errors import ConflictError, DomainError, TransitionNotAllowed
from apps.core.models import AuditRecord
from apps.core.workflow import allowed_transitions
from apps.scm.choices import LocationKind
from apps.scm.models import ItemValuation, PurchaseOrderLine, Reservation, ShipmentLine, StockMove, StockQuant
from apps.scm.resources_stock import StockMoveResource
from apps.scm.selectors import stock_ledger_differences, stock_on_hand
from apps.scm.services.locations import virtual_location
from apps.scm.services.receipts import goods_receipt_cancel
from apps.scm.services.shipments import shipment_cancel, shipment_create, shipment_reserve
from apps.scm.services.stock import stock_move_create_draft, stock_move_post, stock_move_reverse
from tests.conftest import race
from tests.plm.factories import ItemFactory
from tests.scm.factories import GoodsReceiptFactory, LocationFactory, PurchaseOrderLineFactory, purchasing_world

D = Decimal
API = "/api/v1/scm"


@pytest.fixture
def world(company):
    return purchasing_world(company)


def receive(world, user, quantity, *, item=None):
    return stock_move_post(company=world.company, item=item or world.item, quantity=D(quantity), unit_cost=D("2"),
                           from_location=virtual_location(company=world.company, kind=LocationKind.SUPPLIER),
                           to_location=world.stock, reference="IN", actor=user)


def consume(world, user, quantity):
    return stock_move_post(company=world.company, item=world.item, quantity=D(quantity), from_location=world.stock,
                           to_location=virtual_location(company=world.company, kind=LocationKind.PRODUCTION),
                           reference="OUT", actor=user)


# ---- stock moves ---------------------------------------------------------------------------------------------
def test_a_move_is_reversed_once_and_a_second_reversal_answers_409_naming_the_first(world, user):
    receive(world, user, "10")
    consumption = consume(world, user, "4")
    reversal = stock_move_reverse(move=consumption, actor=user, reason="Booked on the wrong order")
    assert (reversal.from_location, reversal.to_location, reversal.quantity, reversal.reason) == (
        consumption.to_location, world.stock, D("4"), "Booked on the wrong order")
    consumption.refresh_from_db()
    assert consumption.reversed_by == reversal
    assert stock_on_hand(item=world.item) == D("10")

    with pytest.raises(TransitionNotAllowed) as caught:
        stock_move_reverse(move=consumption, actor=user)
    assert caught.value.status_code == 409
    assert caught.value.message == f"Move #{consumption.pk} was already reversed by move #{reversal.pk}."
    assert stock_on_hand(item=world.item) == D("10")  # not 14: no stock out of nothing
    assert StockMove.objects.filter(source_type="scm.stockmove", source_id=str(consumption.pk)).count() == 1
    assert list(AuditRecord.objects.filter(content_type__model="stockmove", object_id=str(consumption.pk))
                .values_list("action", flat=True).order_by("id")) == ["post", "reverse"]
    assert stock_ledger_differences() == []


def test_a_reversal_is_not_reversed_in_turn(world, user):
    receive(world, user, "10")
    consumption = consume(world, user, "4")
    reversal = stock_move_reverse(move=consumption, actor=user)
    with pytest.raises(ConflictError) as caught:
        stock_move_reverse(move=reversal, actor=user)
    assert caught.value.message == (f"Move #{reversal.pk} is the reversal of move #{consumption.pk}; it is not "
                                    "reversed in turn: post a new move instead.")
    assert stock_on_hand(item=world.item) == D("10")
    assert StockMove.objects.count() == 3


def test_reverse_is_offered_exactly_when_possible(world, user):
    receive(world, user, "10")
    draft = stock_move_create_draft(company=world.company, item=world.item, quantity=D(1), from_location=world.stock,
                                    to_location=LocationFactory(company=world.company), actor=user)
    consumption = consume(world, user, "4")
    assert allowed_transitions(draft, user) == ["post", "cancel"]
    assert allowed_transitions(consumption, user) == ["reverse"]
    assert [verb for verb, _action in StockMoveResource.visible_actions(consumption, user)] == ["reverse"]
    with pytest.raises(TransitionNotAllowed) as caught:
        stock_move_reverse(move=draft, actor=user)
    assert caught.value.extra["allowed_transitions"] == ["post", "cancel"]

    reversal = stock_move_reverse(move=consumption, actor=user)
    consumption.refresh_from_db()
    assert allowed_transitions(consumption, user) == []
    assert allowed_transitions(reversal, user) == []
    assert StockMoveResource.visible_actions(consumption, user) == []


def test_api_detail_offers_reverse_until_it_is_done_then_answers_409(world, user, api):
    receive(world, user, "10")
    consumption = consume(world, user, "4")
    url = f"{API}/moves/{consumption.pk}/"
    body = api.get(url).json()
    assert (body["allowed_transitions"], body["reversed_by"]) == (["reverse"], None)

    response = api.post(f"{url}reverse/", {"reason": "Wrong order"}, format="json")
    assert response.status_code == 200, response.content
    reversal = response.json()
    assert (reversal["reason"], reversal["allowed_transitions"]) == ("Wrong order", [])
    body = api.get(url).json()
    assert (body["allowed_transitions"], body["reversed_by"]) == ([], reversal["id"])

    again = api.post(f"{url}reverse/", {}, format="json")
    assert again.status_code == 409
    assert again["Content-Type"] == "application/problem+json"
    assert again.json()["detail"] == f"status: Move #{consumption.pk} was already reversed by move #{reversal['id']}."
    assert stock_on_hand(item=world.item) == D("10")


def test_the_database_records_one_reversal_per_move(world, user):
    receive(world, user, "10")
    first, second = consume(world, user, "1"), consume(world, user, "1")
    reversal = stock_move_reverse(move=first, actor=user)
    with pytest.raises(IntegrityError), transaction.atomic():  # one reversal reverses one move
        StockMove.objects.filter(pk=second.pk).update(reversed_by=reversal)
    draft = stock_move_create_draft(company=world.company, item=world.item, quantity=D(1), from_location=world.stock,
                                    to_location=LocationFactory(company=world.company), actor=user)
    with pytest.raises(IntegrityError), transaction.atomic():  # only done moves are reversed
        StockMove.objects.filter(pk=draft.pk).update(reversed_by=second)
    with pytest.raises(IntegrityError), transaction.atomic():
        StockMove.objects.filter(pk=second.pk).update(reversed_by=second)
    with pytest.raises(IntegrityError), transaction.atomic():
        StockMove.objects.filter(pk=second.pk).update(done_at=None)
    second.refresh_from_db()
    assert (second.reversed_by_id, second.done_at is not None) == (None, True)


@pytest.mark.django_db(transaction=True)
@pytest.mark.xdist_group("scm_concurrency")
def test_two_concurrent_reversals_write_one_move(company, user):
    world = purchasing_world(company)
    receive(world, user, "10")
    for _run in range(5):
        consumption = consume(world, user, "4")
        outcomes = race([lambda move=consumption: stock_move_reverse(move=move, actor=user)] * 2)
        assert sorted(o if o == "ok" else type(o).__name__ for o in outcomes) == ["TransitionNotAllowed", "ok"], \
            outcomes
        [refusal] = [o for o in outcomes if o != "ok"]
        consumption.refresh_from_db()
        assert refusal.message == f"Move #{consumption.pk} was already reversed by move #{consumption.reversed_by_id}."
        assert StockMove.objects.filter(source_type="scm.stockmove", source_id=str(consumption.pk)).count() == 1
        assert stock_on_hand(item=world.item) == D("10")
    assert stock_ledger_differences() == []


# ---- documents -----------------------------------------------------------------------------------------------
def test_a_receipt_is_cancelled_once(world, user):
    receipt = GoodsReceiptFactory(company=world.company)
    goods_receipt_cancel(receipt=receipt, actor=user)
    with pytest.raises(TransitionNotAllowed) as caught:
        goods_receipt_cancel(receipt=receipt, actor=user)
    assert caught.value.message == f"Goods receipt {receipt.number} is already cancelled."
    assert caught.value.extra == {"current": "cancelled", "requested": "cancelled", "allowed_transitions": []}
    assert AuditRecord.objects.filter(content_type__model="goodsreceipt", action="cancel").count() == 1


def test_a_shipment_is_cancelled_once_and_gives_its_reservations_back_once(world, user):
    receive(world, user, "10")
    shipment = shipment_create(company=world.company, actor=user, customer=world.customer, warehouse=world.warehouse,
                               lines=[{"item": world.item, "quantity": D(6)}])
    shipment_reserve(shipment=shipment, actor=user)
    assert StockQuant.objects.get(item=world.item).reserved == D(6)
    shipment_cancel(shipment=shipment, actor=user)
    with pytest.raises(TransitionNotAllowed) as caught:
        shipment_cancel(shipment=shipment, actor=user)
    assert caught.value.message == f"Shipment {shipment.number} is already cancelled."
    quant = StockQuant.objects.get(item=world.item)
    assert (quant.on_hand, quant.reserved) == (D(10), D(0))
    assert list(Reservation.objects.values_list("status", "open_quantity")) == [("released", D(0))]


# ---- database checks on quantities ---------------------------------------------------------------------------
def test_a_po_line_cannot_be_cut_far_below_what_was_received(company):
    line = PurchaseOrderLineFactory(purchase_order__company=company, quantity=D(30), quantity_received=D(30))
    with pytest.raises(IntegrityError), transaction.atomic():
        PurchaseOrderLine.objects.filter(pk=line.pk).update(quantity=D(2))
    with pytest.raises(IntegrityError), transaction.atomic():
        PurchaseOrderLine.objects.filter(pk=line.pk).update(quantity_received=D(-1))
    PurchaseOrderLine.objects.filter(pk=line.pk).update(quantity=D(20))  # within the largest tolerance (1000 %)
    line.refresh_from_db()
    assert (line.quantity, line.quantity_received) == (D(20), D(30))


def test_a_shipment_line_never_ships_more_than_ordered(world, user):
    shipment = shipment_create(company=world.company, actor=user, customer=world.customer, warehouse=world.warehouse,
                               lines=[{"item": world.item, "quantity": D(6)}])
    line = shipment.lines.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        ShipmentLine.objects.filter(pk=line.pk).update(quantity_shipped=D(7))
    with pytest.raises(IntegrityError), transaction.atomic():
        ShipmentLine.objects.filter(pk=line.pk).update(quantity_shipped=D(-1))
    line.refresh_from_db()
    assert line.quantity_shipped == D(0)


def test_a_valuation_is_never_negative(world, user):
    receive(world, user, "10")
    valuation = ItemValuation.objects.get(item=world.item)
    for field in ("quantity", "value", "average_cost"):
        with pytest.raises(IntegrityError), transaction.atomic():
            ItemValuation.objects.filter(pk=valuation.pk).update(**{field: D(-1)})
    valuation.refresh_from_db()
    assert (valuation.quantity, valuation.value) == (D(10), D("20.00"))


def test_a_move_to_another_companys_item_is_refused(world, user, other_company):
    foreign = ItemFactory(company=other_company)
    with pytest.raises(DomainError) as caught:
        receive(world, user, "1", item=foreign)
    assert (caught.value.field, caught.value.message) == ("item", "Belongs to another company.")
    assert not StockMove.objects.filter(done_at__lte=timezone.now(), item=foreign).exists()


def test_a_move_posted_by_a_document_is_corrected_on_the_document_not_reversed(world, user):
    """Reversing a receipt's (or shipment's, work order's) ledger line alone would leave the document and the books
    posted from it disagreeing with the stock: refused, naming the document."""
    from apps.scm.services.receipts import goods_receipt_create, goods_receipt_post

    order_line = PurchaseOrderLineFactory(purchase_order__company=world.company,
                                          purchase_order__supplier=world.supplier, item=world.item, quantity=D(5))
    order = order_line.purchase_order
    order.status = "sent"
    order.save(update_fields=["status"])
    lines = [{"purchase_order_line": order_line, "quantity": D(5), "location": world.stock}]
    receipt = goods_receipt_create(company=world.company, actor=user, purchase_order=order, lines=lines)
    goods_receipt_post(receipt=receipt, actor=user)
    move = StockMove.objects.get(source_type="scm.goodsreceiptline")
    assert "reverse" not in allowed_transitions(move, user)
    with pytest.raises(TransitionNotAllowed) as caught:
        stock_move_reverse(move=move, actor=user)
    assert caught.value.message.startswith(f"Move #{move.pk} was posted by scm.goodsreceiptline ")
    assert stock_on_hand(item=world.item) == D(5)
    assert not StockMove.objects.filter(source_type="scm.stockmove").exists()
