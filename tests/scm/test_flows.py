"""Flows through a real Celery worker and the outbox: the sales-order event and the goods-receipt event."""

from decimal import Decimal

import pytest
from django.db import transaction

from apps.core.choices import DeliveryStatus
from apps.core.errors import ConflictError
from apps.core.models import EventDelivery
from apps.core.outbox import deliver, emit, enqueue_dispatch, handler_name, subscriber, unsubscribe
from apps.scm.choices import LocationKind, ReservationStatus, ShipmentStatus
from apps.scm.models import Reservation, Shipment, StockMove, StockQuant
from apps.scm.services.locations import virtual_location
from apps.scm.services.purchasing import purchase_order_create, purchase_order_send
from apps.scm.services.receipts import goods_receipt_create, goods_receipt_post
from apps.scm.services.shipments import shipment_create_from_sales_order
from apps.scm.services.stock import stock_move_post
from tests.conftest import wait_for
from tests.scm.factories import purchasing_world

D = Decimal
RECEIVED = []


def erp_inventory_probe(event):
    """Stands in for ERP's subscriber: records each delivery it gets."""
    RECEIVED.append(event.payload["number"])


@pytest.mark.flow
def test_sales_order_confirmed_creates_one_reserved_shipment_even_when_dispatched_twice(celery_worker, company, user):
    world = purchasing_world(company)
    stock_move_post(company=company, item=world.item, quantity=D(20),
                    from_location=virtual_location(company=company, kind=LocationKind.SUPPLIER),
                    to_location=world.stock, unit_cost=D(2), actor=user)
    with transaction.atomic():
        event = emit("erp.sales_order.confirmed", company=company, subject=world.customer, payload={
            "number": "SO-2026-00042", "customer_id": world.customer.pk,
            "lines": [{"item_id": world.item.pk, "quantity": "7", "due_date": None}]})
    enqueue_dispatch(event.pk)  # a second dispatch of the same event (redelivery)
    handler = "apps.scm.handlers.on_sales_order_confirmed"
    wait_for(lambda: EventDelivery.objects.filter(event=event, handler=handler, status=DeliveryStatus.DONE).exists(),
             message="the SO event delivered to SCM")
    shipment = Shipment.objects.get()
    assert (shipment.sales_order_number, shipment.status, shipment.source_event_id) == (
        "SO-2026-00042", ShipmentStatus.RESERVED, event.pk)
    assert Reservation.objects.filter(status=ReservationStatus.ACTIVE).count() == 1
    assert StockQuant.objects.get(item=world.item, location=world.stock).reserved == D(7)
    # redelivered by hand and called again: still one shipment, one reservation
    assert deliver(EventDelivery.objects.get(event=event, handler=handler).pk) is False
    assert shipment_create_from_sales_order(event=event).pk == shipment.pk
    assert Shipment.objects.count() == 1
    assert Reservation.objects.count() == 1


@pytest.mark.flow
def test_goods_receipt_posted_event_is_posted_once(celery_worker, company, user):
    subscriber("scm.goods_receipt.posted")(erp_inventory_probe)
    RECEIVED.clear()
    try:
        world = purchasing_world(company)
        order = purchase_order_send(purchase_order=purchase_order_create(
            company=company, actor=user, supplier=world.supplier, warehouse=world.warehouse,
            lines=[{"item": world.item, "quantity": D(10)}]), actor=user)
        receipt = goods_receipt_create(company=company, actor=user, purchase_order=order,
                                       lines=[{"purchase_order_line": order.lines.get(), "quantity": D(10),
                                               "location": world.stock}])
        goods_receipt_post(receipt=receipt, actor=user)
        probe = handler_name(erp_inventory_probe)  # ERP's own posting handler gets the event as well
        delivery = wait_for(lambda: EventDelivery.objects.filter(
            event__name="scm.goods_receipt.posted", handler=probe, status=DeliveryStatus.DONE).first(),
            message="the receipt event delivered")
        with pytest.raises(ConflictError):
            goods_receipt_post(receipt=receipt, actor=user)
        enqueue_dispatch(delivery.event_id)  # redelivery: the done delivery is not run again
        assert deliver(delivery.pk) is False
        assert RECEIVED == [receipt.number]
        assert StockMove.objects.filter(source_type="scm.goodsreceiptline").count() == 1
        assert EventDelivery.objects.filter(event__name="scm.goods_receipt.posted", handler=probe).count() == 1
        assert StockQuant.objects.get(item=world.item, location=world.stock).on_hand == D(10)
    finally:
        unsubscribe("scm.goods_receipt.posted", erp_inventory_probe)
