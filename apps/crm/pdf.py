"""The quote as a PDF: letterhead, the customer's address, lines, totals and terms (fpdf2, like SCM's documents)."""

from apps.crm.services.quotes import sales_settings
from apps.scm.pdf import render_pdf


def quote_pdf(quote) -> bytes:
    """The quote as the customer receives it."""
    lines = quote.lines.select_related("item", "item__uom").order_by("line_number")
    address = quote.customer.addresses.order_by("kind", "id").first()
    settings = sales_settings(quote.company)
    return render_pdf("crm/pdf/quote.html", {"quote": quote, "lines": lines, "company": quote.company,
                                             "letterhead": settings.letterhead_address, "address": address},
                      title=f"Quote {quote}")
