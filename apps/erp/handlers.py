"""@subscriber functions of ERP for other modules' events; thin: they call a service.

Each runs in a worker, in its delivery's transaction, exactly once per (event, handler) (the outbox); the services
are idempotent besides (one sales order per quote: a unique quote; a shipment event is recorded on the order).
"""

from apps.core.outbox import subscriber
from apps.erp.events import QUOTE_ACCEPTED, SHIPMENT_SHIPPED
from apps.erp.services.invoices import invoice_from_shipment_event
from apps.erp.services.postings import (
    goods_receipt_posting,
    shipment_posting,
    stock_adjustment_posting,
    stock_move_posting,
    work_order_completion_posting,
)
from apps.erp.services.sales import sales_order_from_quote_event, sales_order_record_shipment
from apps.mes.events import WORK_ORDER_COMPLETED
from apps.scm.events import GOODS_RECEIPT_POSTED, STOCK_ADJUSTED, STOCK_MOVED


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


# ---- posting rules (apps.erp.services.postings): one entry per event, exactly once ----------------------------

@subscriber(GOODS_RECEIPT_POSTED)
def post_goods_receipt(event) -> None:
    """A goods receipt: Dr inventory, Cr GR/IR at the receipt moves' value."""
    goods_receipt_posting(event=event)


@subscriber(SHIPMENT_SHIPPED)
def post_shipment(event) -> None:
    """A shipment left: Dr COGS, Cr inventory at the moves' value."""
    shipment_posting(event=event)


@subscriber(STOCK_ADJUSTED)
def post_stock_adjustment(event) -> None:
    """A posted cycle count: inventory against inventory adjustments at the moves' value."""
    stock_adjustment_posting(event=event)


@subscriber(STOCK_MOVED)
def post_stock_move(event) -> None:
    """A manual move into or out of internal stock: inventory against the virtual side's account."""
    stock_move_posting(event=event)


@subscriber(WORK_ORDER_COMPLETED)
def post_work_order_completion(event) -> None:
    """A completion: components and labour into WIP, finished goods out of it, the rest to variances."""
    work_order_completion_posting(event=event)
