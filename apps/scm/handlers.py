"""@subscriber functions of SCM for other modules' events; thin: they call a service."""

from apps.core.outbox import subscriber
from apps.scm.events import SALES_ORDER_CANCELLED, SALES_ORDER_CONFIRMED
from apps.scm.services.shipments import shipment_cancel_for_sales_order, shipment_create_from_sales_order


@subscriber(SALES_ORDER_CONFIRMED)
def on_sales_order_confirmed(event) -> None:
    """Create the delivery of a confirmed sales order and reserve its stock (once per event)."""
    shipment_create_from_sales_order(event=event)


@subscriber(SALES_ORDER_CANCELLED)
def on_sales_order_cancelled(event) -> None:
    """Cancel the unshipped deliveries of a cancelled sales order (whatever order the two events arrive in)."""
    shipment_cancel_for_sales_order(event=event)
