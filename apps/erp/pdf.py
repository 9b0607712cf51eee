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
