"""@subscriber functions of ERP for other modules' events; thin: they call a service.

Each runs in a worker, in its delivery's transaction, exactly once per (event, handler) (the outbox); the services
are idempotent besides (one sales order per quote: a unique quote; a shipment event is recorded on the order).
"""

from apps.core.outbox import subscriber
from apps.erp.events import QUOTE_ACCEPTED, SHIPMENT_SHIPPED
from apps.erp.services.invoices import invoice_from_shipment_event
from apps.erp.services.sales import sales_order_from_quote_event, sales_order_record_shipment


@subscriber(QUOTE_ACCEPTED)
def on_quote_accepted(event) -> None:
    """An accepted quote becomes one draft sales order."""
    sales_order_from_quote_event(event=event)


@subscriber(SHIPMENT_SHIPPED)
def on_shipment_shipped(event) -> None:
    """A shipment of a sales order left: the order is partially delivered or delivered."""
    sales_order_record_shipment(event=event)


@subscriber(SHIPMENT_SHIPPED)
def on_shipment_shipped_invoice(event) -> None:
    """A shipment of a sales order left: its quantities become one draft customer invoice."""
    invoice_from_shipment_event(event=event)
