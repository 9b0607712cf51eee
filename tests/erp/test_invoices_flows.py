"""Through the real outbox and a real Celery worker: a shipped shipment drafts one invoice (also when the event is
dispatched twice); posting it and a received payment reach CRM's customer timeline."""

from decimal import Decimal

import pytest

from apps.core.choices import DeliveryStatus
from apps.core.models import Event, EventDelivery
from apps.core.outbox import deliver, enqueue_dispatch
from apps.crm.models import TimelineEntry
from apps.erp.models import Invoice, SalesOrderStatus
from apps.erp.services.invoices import invoice_post
from apps.erp.services.payments import payment_create, payment_post
from apps.erp.services.sales import sales_order_confirm, sales_order_create
from apps.scm.choices import LocationKind
from apps.scm.models import Shipment
from apps.scm.services.locations import virtual_location
from apps.scm.services.shipments import shipment_ship
from apps.scm.services.stock import stock_move_post
from tests.conftest import wait_for
from tests.core.factories import PartyFactory
from tests.crm.factories import ReleasedItemFactory
from tests.scm.factories import LocationFactory

D = Decimal
HANDLER = "apps.erp.handlers.on_shipment_shipped_invoice"


def delivered(event, handler: str) -> bool:
    return EventDelivery.objects.filter(event=event, handler=handler, status=DeliveryStatus.DONE).exists()


@pytest.mark.flow
def test_shipment_to_invoice_to_payment_on_the_timeline(celery_worker, company, user):
    customer = PartyFactory(company=company, name="Tractors Inc", is_customer=True)
    product = ReleasedItemFactory(company=company, number="TR-1")
    stock = LocationFactory(company=company, code="A1")
    stock_move_post(company=company, item=product, quantity=D(20), to_location=stock, unit_cost=D(2), actor=user,
                    from_location=virtual_location(company=company, kind=LocationKind.SUPPLIER))
    virtual_location(company=company, kind=LocationKind.CUSTOMER)
    order = sales_order_create(company=company, actor=user, customer=customer, lines=[
        {"item": product, "quantity": D("5"), "unit_price": D("40"), "tax_rate": D("19")}])
    sales_order_confirm(sales_order=order, actor=user)
    confirmed = Event.objects.get(name="erp.sales_order.confirmed")
    wait_for(lambda: delivered(confirmed, "apps.scm.handlers.on_sales_order_confirmed"), message="the shipment")
    shipment_ship(shipment=Shipment.objects.get(), actor=user)
    shipped = Event.objects.get(name="scm.shipment.shipped")
    enqueue_dispatch(shipped.pk)  # dispatched twice: one invoice
    wait_for(lambda: delivered(shipped, HANDLER) and delivered(shipped, "apps.erp.handlers.on_shipment_shipped"),
             message="the shipment reaching ERP")
    assert deliver(EventDelivery.objects.get(event=shipped, handler=HANDLER).pk) is False
    invoice = Invoice.objects.get()
    assert (invoice.sales_order, invoice.shipment, invoice.source_event, invoice.total_with_tax) == (
        order, Shipment.objects.get(), shipped, D("238.00"))

    invoice = invoice_post(invoice=invoice, actor=user)
    order.refresh_from_db()
    assert order.status == SalesOrderStatus.INVOICED
    payment_post(payment=payment_create(company=company, actor=user, direction="received", party=customer,
                                        amount=D("238.00"), allocations=[{"invoice": invoice, "amount": D("238.00")}]),
                 actor=user)
    posted = Event.objects.get(name="erp.invoice.posted")
    received = Event.objects.get(name="erp.payment.received")
    wait_for(lambda: delivered(posted, "apps.crm.handlers.on_invoice_posted")
             and delivered(received, "apps.crm.handlers.on_payment_received"), message="CRM's timeline")
    wait_for(lambda: not EventDelivery.objects.exclude(status=DeliveryStatus.DONE).exists(),
             message="every delivery done before the test ends")
    entries = {e.kind: (e.title, e.amount) for e in TimelineEntry.objects.filter(customer=customer)}
    assert entries["invoice"] == (f"Invoice {invoice.number} posted, due {invoice.due_date.isoformat()}", D("200.00"))
    assert entries["payment"][1] == D("238.00")
    assert invoice.number in entries["payment"][0]
