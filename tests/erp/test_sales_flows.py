"""Flows through the real outbox and a real Celery worker: an accepted CRM quote becomes one sales order (also when
the event is dispatched twice); confirming it makes SCM create and reserve the shipment; shipping it delivers the
order; CRM's timeline shows the confirmation."""

from decimal import Decimal

import pytest

from apps.core.choices import DeliveryStatus
from apps.core.models import Event, EventDelivery
from apps.core.outbox import deliver, enqueue_dispatch
from apps.crm.models import TimelineEntry
from apps.crm.services.quotes import quote_accept, quote_create, quote_send
from apps.erp.models import SalesOrder, SalesOrderStatus
from apps.erp.services.sales import sales_order_confirm
from apps.scm.choices import LocationKind, ShipmentStatus
from apps.scm.models import Shipment
from apps.scm.services.locations import virtual_location
from apps.scm.services.shipments import shipment_ship
from apps.scm.services.stock import stock_move_post
from tests.conftest import wait_for
from tests.core.factories import PartyFactory
from tests.crm.factories import ReleasedItemFactory
from tests.scm.factories import LocationFactory

D = Decimal
ERP = "apps.erp.handlers."


def delivered(event, handler: str) -> bool:
    return EventDelivery.objects.filter(event=event, handler=handler, status=DeliveryStatus.DONE).exists()


@pytest.mark.flow
def test_accepted_quote_to_confirmed_order_to_shipment_to_delivered(celery_worker, company, user):
    customer = PartyFactory(company=company, name="Tractors Inc", is_customer=True)
    product = ReleasedItemFactory(company=company, number="TR-1")
    stock = LocationFactory(company=company, code="A1")
    stock_move_post(company=company, item=product, quantity=D(20), to_location=stock, unit_cost=D(2), actor=user,
                    from_location=virtual_location(company=company, kind=LocationKind.SUPPLIER))
    virtual_location(company=company, kind=LocationKind.CUSTOMER)
    quote = quote_create(company=company, actor=user, customer=customer, lines=[
        {"item": product, "quantity": D("5"), "unit_price": D("40"), "discount_percent": D("10"),
         "tax_rate": D("19")}])
    quote_accept(quote=quote_send(quote=quote, actor=user), actor=user)
    accepted = Event.objects.get(name="crm.quote.accepted")
    enqueue_dispatch(accepted.pk)  # dispatched twice
    wait_for(lambda: delivered(accepted, f"{ERP}on_quote_accepted"), message="the accepted quote reaching ERP")
    assert deliver(EventDelivery.objects.get(event=accepted, handler=f"{ERP}on_quote_accepted").pk) is False
    order = SalesOrder.objects.get()
    assert (order.quote_id, order.status, order.total, order.total_with_tax) == (
        quote.pk, SalesOrderStatus.DRAFT, D("180.00"), D("214.20"))

    sales_order_confirm(sales_order=order, actor=user)
    confirmed = Event.objects.get(name="erp.sales_order.confirmed")
    wait_for(lambda: delivered(confirmed, "apps.scm.handlers.on_sales_order_confirmed")
             and delivered(confirmed, "apps.crm.handlers.on_sales_order_confirmed"), message="the SO event")
    shipment = Shipment.objects.get()
    assert (shipment.sales_order_number, shipment.customer_id, shipment.status) == (
        order.number, customer.pk, ShipmentStatus.RESERVED)
    assert list(shipment.lines.values_list("item_id", "quantity")) == [(product.pk, D("5"))]
    entry = TimelineEntry.objects.get(customer=customer, kind="sales_order")
    # CRM's timeline shows the total before tax (it reads `total` first)
    assert (entry.title, entry.amount) == (f"Sales order {order.number} confirmed from quote {quote.number}",
                                           D("180.00"))

    shipment_ship(shipment=shipment, actor=user)
    shipped = Event.objects.get(name="scm.shipment.shipped")
    enqueue_dispatch(shipped.pk)  # twice again: delivered once
    wait_for(lambda: delivered(shipped, f"{ERP}on_shipment_shipped"), message="the shipment reaching ERP")
    # every other handler of the shipment (the invoice draft, CRM's timeline) is done before the test ends
    wait_for(lambda: not EventDelivery.objects.filter(event=shipped).exclude(status=DeliveryStatus.DONE).exists(),
             message="every handler of the shipment")
    order.refresh_from_db()
    assert order.status == SalesOrderStatus.DELIVERED
    assert order.lines.get().quantity_delivered == D("5")
    assert order.shipments == [{"number": shipment.number, "event_id": shipped.pk}]
    assert SalesOrder.objects.count() == 1
