"""The events ERP publishes (sales orders, invoices and payments, released MRP planned orders), with their
payload builders, and the names of those it consumes.

Payloads carry what subscribers need: numbers, ids, amounts and quantities as decimal strings.

`erp.sales_order.confirmed` is read by SCM (`apps.scm.services.shipments.shipment_create_from_sales_order`:
`number`, `customer_id`, `warehouse_id`, `lines` [`item_id`, `quantity`, `due_date`]) and by CRM's timeline
(`number`, `customer_id`, `total`/`total_with_tax`, `currency`, `quote_number`).
"""

from apps.crm.events import QUOTE_ACCEPTED, customer_fields
from apps.scm.events import SHIPMENT_SHIPPED

SALES_ORDER_CONFIRMED = "erp.sales_order.confirmed"
SALES_ORDER_CANCELLED = "erp.sales_order.cancelled"

# consumed (names imported from their publishers): CRM's accepted quote (QUOTE_ACCEPTED, payload:
# apps.crm.events.quote_payload) becomes one draft sales order; SCM's shipped shipment (SHIPMENT_SHIPPED,
# apps.scm.events.shipment_shipped_payload: `sales_order_number`, `lines` [`item_id`, `quantity`]) moves the order
# to partially delivered / delivered
__all__ = ["INVOICE_POSTED", "PAYMENT_RECEIVED", "PLANNED_ORDER_RELEASED", "QUOTE_ACCEPTED", "SALES_ORDER_CANCELLED",
           "SALES_ORDER_CONFIRMED", "SHIPMENT_SHIPPED", "invoice_payload", "payment_payload",
           "planned_order_released_payload", "sales_order_cancelled_payload", "sales_order_payload"]


def sales_order_payload(order, lines) -> dict:
    """What SCM needs to ship the order and CRM to show it on the customer's timeline."""
    quote_number = order.quote.number if order.quote_id else None
    return {
        "number": order.number,
        "sales_order": order.number,
        "sales_order_id": order.pk,
        **customer_fields(order.customer),
        "warehouse_id": order.warehouse_id,
        "currency": order.currency.code,
        "order_date": order.order_date.isoformat(),
        "requested_delivery_date": (order.requested_delivery_date.isoformat()
                                    if order.requested_delivery_date else None),
        "payment_terms_days": order.payment_terms_days,
        "quote_number": quote_number,
        "quote": quote_number,
        "total": str(order.total),
        "total_tax": str(order.total_tax),
        "total_with_tax": str(order.total_with_tax),
        "lines": [{
            "line_number": line.line_number,
            "item_id": line.item_id,
            "item": line.item.number,
            "quantity": str(line.quantity),
            "unit_price": str(line.unit_price),
            "discount_percent": str(line.discount_percent),
            "net": str(line.net),
            "tax_rate": str(line.tax_rate),
            "tax": str(line.tax),
            "due_date": due.isoformat() if (due := line.due_date or order.requested_delivery_date) else None,
        } for line in lines],
    }


def sales_order_cancelled_payload(order) -> dict:
    return {"number": order.number, "sales_order_id": order.pk, **customer_fields(order.customer)}


# ---- invoices and payments (read by CRM's timeline: `number`, `customer_id`, `total`, `currency`, `due_date`;
# `amount`, `invoice_numbers`) ------------------------------------------------------------------------------------
INVOICE_POSTED = "erp.invoice.posted"
PAYMENT_RECEIVED = "erp.payment.received"


def invoice_payload(invoice) -> dict:
    """A posted invoice or credit note (`kind`), for CRM's customer timeline and anyone reconciling receivables."""
    return {
        "number": invoice.number,
        "invoice_id": invoice.pk,
        "kind": invoice.kind,
        **customer_fields(invoice.customer),
        "currency": invoice.currency.code,
        "invoice_date": invoice.invoice_date.isoformat(),
        "due_date": invoice.due_date.isoformat() if invoice.due_date else None,
        "total": str(invoice.total),
        "total_tax": str(invoice.total_tax),
        "total_with_tax": str(invoice.total_with_tax),
        "amount_due": str(invoice.amount_due),
        "sales_order_number": invoice.sales_order.number if invoice.sales_order_id else None,
        "shipment_number": invoice.shipment.number if invoice.shipment_id else None,
        "credited_invoice_number": invoice.credited_invoice.number if invoice.credited_invoice_id else None,
        "entry_number": invoice.entry.number if invoice.entry_id else None,
    }


def payment_payload(payment, allocations) -> dict:
    """A posted received payment: the customer, the amount and which invoices it settles."""
    return {
        "number": payment.number,
        "payment_id": payment.pk,
        "direction": payment.direction,
        **customer_fields(payment.party),
        "party_id": payment.party_id,
        "currency": payment.currency.code,
        "payment_date": payment.payment_date.isoformat(),
        "amount": str(payment.amount),
        "amount_unallocated": str(payment.amount_unallocated),
        "reference": payment.reference,
        "invoice_numbers": [a.invoice.number for a in allocations if a.invoice_id],
        "allocations": [{"invoice": a.invoice.number if a.invoice_id else None,
                         "bill": a.bill.number if a.bill_id else None, "amount": str(a.amount)}
                        for a in allocations],
    }


# ---- MRP: a planned order released into an SCM requisition / purchase order draft or an MES work order draft ----
PLANNED_ORDER_RELEASED = "erp.planned_order.released"


def planned_order_released_payload(order) -> dict:
    """A released planned order: what it was (run, kind, item, quantity, dates) and the document it became."""
    document = order.work_order.number if order.work_order_id else order.requisition.number
    return {"number": order.number, "run": order.run.number, "kind": order.kind, "item_id": order.item_id,
            "item": order.item.number, "quantity": str(order.quantity), "due_date": order.due_date.isoformat(),
            "start_date": order.start_date.isoformat(), "document": document}
