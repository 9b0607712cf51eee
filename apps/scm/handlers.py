"""@subscriber functions of SCM for other modules' events; thin: they call a service."""

from apps.core.outbox import subscriber
from apps.scm.events import (
    GOODS_RECEIPT_POSTED,
    SALES_ORDER_CANCELLED,
    SALES_ORDER_CONFIRMED,
    STOCK_ADJUSTED,
    STOCK_MOVED,
    STOCK_RELEASED,
    WORK_ORDER_COMPLETED,
)
from apps.scm.services.shipments import (
    shipment_cancel_for_sales_order,
    shipment_create_from_sales_order,
    shipments_top_up_for_event,
)


@subscriber(SALES_ORDER_CONFIRMED)
def on_sales_order_confirmed(event) -> None:
    """Create the delivery of a confirmed sales order and reserve its stock (once per event)."""
    shipment_create_from_sales_order(event=event)


@subscriber(SALES_ORDER_CANCELLED)
def on_sales_order_cancelled(event) -> None:
    """Cancel the unshipped deliveries of a cancelled sales order (whatever order the two events arrive in)."""
    shipment_cancel_for_sales_order(event=event)


@subscriber(GOODS_RECEIPT_POSTED)
@subscriber(STOCK_MOVED)
@subscriber(STOCK_ADJUSTED)
@subscriber(STOCK_RELEASED)
@subscriber(WORK_ORDER_COMPLETED)
def top_up_short_shipments(event) -> None:
    """Stock arrived (a receipt, a move or count into stock, held stock released by inspection or moved from another
    warehouse, a work order's finished goods): reserve it for the shipments still short of it, oldest due first
    (Odoo's scheduler reserving waiting deliveries)."""
    shipments_top_up_for_event(event=event)
