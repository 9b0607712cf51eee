"""The events CRM publishes, with their payload builders, and the names of those it consumes.

Payloads carry what subscribers need: numbers, ids, amounts and quantities as decimal strings.
"""

QUOTE_SENT = "crm.quote.sent"
QUOTE_ACCEPTED = "crm.quote.accepted"
OPPORTUNITY_WON = "crm.opportunity.won"
OPPORTUNITY_LOST = "crm.opportunity.lost"
CASE_OPENED = "crm.case.opened"
CASE_RESOLVED = "crm.case.resolved"
# consumed by PLM (apps.plm.services.changes.change_request_from_event): {"item_numbers", "description", "reference"}
FEEDBACK_SUBMITTED = "crm.feedback.submitted"

# consumed: published by SCM, MES and ERP (see apps/crm/handlers.py for the payload keys CRM reads)
SHIPMENT_SHIPPED = "scm.shipment.shipped"
SALES_ORDER_CONFIRMED = "erp.sales_order.confirmed"
INVOICE_POSTED = "erp.invoice.posted"
PAYMENT_RECEIVED = "erp.payment.received"


def customer_fields(party) -> dict:
    """The customer as every customer-facing payload names it (CRM's and ERP's)."""
    return {"customer_id": party.pk, "customer_number": party.number, "customer_name": party.name}


def opportunity_payload(opportunity) -> dict:
    return {
        "number": opportunity.number,
        "opportunity_id": opportunity.pk,
        "title": opportunity.title,
        **customer_fields(opportunity.customer),
        "amount": str(opportunity.amount),
        "currency": opportunity.currency.code,
        "amount_company_currency": str(opportunity.amount_company_currency),
        "status": opportunity.status,
        "lost_reason": opportunity.lost_reason,
        "owner": opportunity.owner.username if opportunity.owner_id else None,
    }


def quote_payload(quote, lines) -> dict:
    """What ERP needs to turn an accepted quote into exactly one sales order."""
    return {
        "number": quote.number,
        "quote": quote.number,
        "version": quote.version,
        "quote_id": quote.pk,
        **customer_fields(quote.customer),
        "opportunity_id": quote.opportunity_id,
        "currency": quote.currency.code,
        "quote_date": quote.quote_date.isoformat(),
        "valid_until": quote.valid_until.isoformat(),
        "total": str(quote.total),
        "total_tax": str(quote.total_tax),
        "total_with_tax": str(quote.total_with_tax),
        "lines": [{
            "line_number": line.line_number,
            "item_id": line.item_id,
            "item": line.item.number,
            "description": line.description,
            "quantity": str(line.quantity),
            "unit_price": str(line.unit_price),
            "discount_percent": str(line.discount_percent),
            "net": str(line.net),
            "tax_rate": str(line.tax_rate),
            "tax": str(line.tax),
            "currency": quote.currency.code,
        } for line in lines],
    }


def case_payload(case) -> dict:
    return {
        "number": case.number,
        "case_id": case.pk,
        "subject": case.subject,
        **customer_fields(case.customer),
        "priority": case.priority,
        "status": case.status,
        "item": case.item.number if case.item_id else None,
        "lot": case.lot.code if case.lot_id else None,
        "due_at": case.due_at.isoformat(),
    }
