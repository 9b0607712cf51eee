"""@subscriber functions of CRM: other modules' events become entries of the customer timeline.

Each runs in a worker, in its delivery's transaction, exactly once per event (the outbox), and the timeline's
unique (event, customer) constraint backs that up. Events that name no customer, or a party that is not a
customer, write nothing. Past events reach a new handler with
`manage.py outbox_backfill --handler apps.crm.handlers.<name> --since YYYY-MM-DD`.

Payload keys CRM reads (others are ignored):

* `scm.shipment.shipped` (SCM, exists): `number`, `customer_id`, `sales_order_number` (optional).
* `erp.sales_order.confirmed` (ERP, not built yet): `number`, `customer_id`, `total` or `total_with_tax`
  (decimal string, optional), `currency` (code, optional), `quote_number` or `quote` (optional).
* `erp.invoice.posted` (ERP, not built yet): `number`, `customer_id` (or `party_id`), `total` or
  `total_with_tax`, `currency`, `due_date` (ISO date, optional).
* `erp.payment.received` (ERP, not built yet): `number`, `customer_id` (or `party_id`), `amount`, `currency`,
  `invoice_numbers` (list, optional).

`mes.work_order.completed` is not subscribed: its payload (number, item, quantities, costs, lot) names no
customer and no sales order, so a work order cannot be tied to a customer yet (MES would need to add
`sales_order_number` or `customer_id`).
"""

from apps.core.outbox import subscriber
from apps.crm.events import INVOICE_POSTED, PAYMENT_RECEIVED, SALES_ORDER_CONFIRMED, SHIPMENT_SHIPPED
from apps.crm.services.timeline import timeline_from_event


@subscriber(SHIPMENT_SHIPPED)
def on_shipment_shipped(event) -> None:
    """A shipment left for the customer."""
    timeline_from_event(event=event)


@subscriber(SALES_ORDER_CONFIRMED)
def on_sales_order_confirmed(event) -> None:
    """The customer's sales order was confirmed."""
    timeline_from_event(event=event)


@subscriber(INVOICE_POSTED)
def on_invoice_posted(event) -> None:
    """The customer was invoiced."""
    timeline_from_event(event=event)


@subscriber(PAYMENT_RECEIVED)
def on_payment_received(event) -> None:
    """The customer paid."""
    timeline_from_event(event=event)
