"""The order acknowledgement as a PDF: letterhead, the customer's address, lines, totals, payment terms (fpdf2,
like CRM's quotes and SCM's documents)."""

from apps.crm.services.quotes import sales_settings
from apps.scm.pdf import render_pdf


def sales_order_pdf(order) -> bytes:
    """The acknowledgement the customer receives for a sales order."""
    lines = order.lines.select_related("item", "item__uom").order_by("line_number")
    address = order.customer.addresses.order_by("kind", "id").first()
    settings = sales_settings(order.company)
    return render_pdf("erp/pdf/sales_order.html", {"order": order, "lines": lines, "company": order.company,
                                                   "letterhead": settings.letterhead_address, "address": address},
                      title=f"Order acknowledgement {order.number}")


def invoice_pdf(invoice) -> bytes:
    """The invoice (or credit note) the customer receives: lines, totals, due date, what is still due."""
    lines = invoice.lines.select_related("item", "item__uom").order_by("line_number")
    address = invoice.customer.addresses.order_by("kind", "id").first()
    settings = sales_settings(invoice.company)
    title = "Credit note" if invoice.kind == "credit_note" else "Invoice"
    return render_pdf("erp/pdf/invoice.html", {"invoice": invoice, "lines": lines, "company": invoice.company,
                                               "letterhead": settings.letterhead_address, "address": address,
                                               "title": title}, title=f"{title} {invoice.number}")
