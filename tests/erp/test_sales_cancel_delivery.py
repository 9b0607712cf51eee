"""A sales order cancelled before SCM processed its confirmation: whichever of `erp.sales_order.confirmed` and
`erp.sales_order.cancelled` the outbox delivers first, no live shipment is left, and a second delivery of either
changes nothing."""

from decimal import Decimal

import pytest

from apps.core.choices import DeliveryStatus
from apps.core.models import Event, EventDelivery
from apps.core.outbox import deliver, emit
from apps.erp.events import SALES_ORDER_CANCELLED, sales_order_cancelled_payload
from apps.erp.models import SalesOrderStatus
from apps.erp.services.sales import sales_order_cancel, sales_order_confirm, sales_order_create
from apps.scm.choices import LocationKind, ShipmentStatus
from apps.scm.models import Shipment
from apps.scm.services.locations import virtual_location
from apps.scm.services.stock import stock_move_post
from tests.scm.factories import LocationFactory

D = Decimal
CONFIRMED = "apps.scm.handlers.on_sales_order_confirmed"
CANCELLED = "apps.scm.handlers.on_sales_order_cancelled"


@pytest.fixture
def order(company, user, customer, product):
    stock = LocationFactory(company=company, code="A1")
    stock_move_post(company=company, item=product, quantity=D(20), to_location=stock, unit_cost=D(2), actor=user,
                    from_location=virtual_location(company=company, kind=LocationKind.SUPPLIER))
    virtual_location(company=company, kind=LocationKind.CUSTOMER)
    order = sales_order_create(company=company, actor=user, customer=customer, lines=[
        {"item": product, "quantity": D(5), "unit_price": D(10)}])
    return sales_order_confirm(sales_order=order, actor=user)


def run(name: str, handler: str) -> bool:
    delivery = EventDelivery.objects.get(event__name=name, handler=handler)
    ran = deliver(delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DONE, delivery.last_error
    return ran


def test_cancel_delivered_before_the_confirmation_no_shipment_is_created(order, user):
    sales_order_cancel(sales_order=order, actor=user)
    assert run(SALES_ORDER_CANCELLED, CANCELLED) is True
    assert run("erp.sales_order.confirmed", CONFIRMED) is True
    assert not Shipment.objects.exists()
    order.refresh_from_db()
    assert order.status == SalesOrderStatus.CANCELLED
    # the same events once more: still nothing
    assert run(SALES_ORDER_CANCELLED, CANCELLED) is False
    assert run("erp.sales_order.confirmed", CONFIRMED) is False
    assert not Shipment.objects.exists()


def test_confirmation_processed_first_then_the_cancel_cancels_the_shipment(order, user):
    assert run("erp.sales_order.confirmed", CONFIRMED) is True
    shipment = Shipment.objects.get(sales_order_number=order.number)
    assert shipment.status == ShipmentStatus.RESERVED
    sales_order_cancel(sales_order=order, actor=user)  # ERP cancels what exists right away ...
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.CANCELLED
    assert run(SALES_ORDER_CANCELLED, CANCELLED) is True  # ... and SCM's handler then finds nothing left
    assert Shipment.objects.filter(status=ShipmentStatus.CANCELLED).count() == 1
    assert Shipment.objects.count() == 1


def test_shipment_created_after_erp_looked_is_cancelled_by_the_cancel_event(order, company, user):
    """The race: the confirmation's shipment commits after ERP's cancel looked for shipments (so ERP found none);
    the cancel event, delivered afterwards, cancels it and gives the reservation back."""
    assert run("erp.sales_order.confirmed", CONFIRMED) is True
    shipment = Shipment.objects.get(sales_order_number=order.number)
    emit(SALES_ORDER_CANCELLED, company=company, subject=order, payload=sales_order_cancelled_payload(order))
    assert run(SALES_ORDER_CANCELLED, CANCELLED) is True
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.CANCELLED
    assert not shipment.lines.get().allocations.filter(reservation__status="active").exists()
    assert run(SALES_ORDER_CANCELLED, CANCELLED) is False
    assert Event.objects.filter(name=SALES_ORDER_CANCELLED).count() == 1


def test_cancel_event_of_another_order_does_not_stop_this_shipment(order, company, user, customer, product):
    other = sales_order_create(company=company, actor=user, customer=customer, lines=[
        {"item": product, "quantity": D(1), "unit_price": D(10)}])
    other = sales_order_confirm(sales_order=other, actor=user)
    sales_order_cancel(sales_order=other, actor=user)
    assert run(SALES_ORDER_CANCELLED, CANCELLED) is True
    delivery = EventDelivery.objects.get(event__name="erp.sales_order.confirmed", event__subject_id=str(order.pk),
                                         handler=CONFIRMED)
    assert deliver(delivery.pk) is True
    assert Shipment.objects.get().sales_order_number == order.number
