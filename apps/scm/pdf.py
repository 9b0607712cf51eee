"""PDF documents of SCM: the purchase order and the delivery note.

The layout is a Django template (templates/scm/pdf/*.html) rendered to simple HTML and laid out
by fpdf2 (pure Python, no system libraries).
"""

from django.template.loader import render_to_string
from django.utils import timezone
from fpdf import FPDF


def _latin1(text: str) -> str:
    """The PDF core fonts speak Latin-1: replace what they cannot draw instead of failing."""
    return text.replace("\u2014", "-").replace("\u2013", "-").replace("\u2265", ">=").encode(
        "latin-1", "replace").decode("latin-1")


def render_pdf(template: str, context: dict, *, title: str) -> bytes:
    html = render_to_string(template, {**context, "printed_at": timezone.localtime()})
    pdf = FPDF(format="A4")
    pdf.set_title(title)
    pdf.set_creator("Millwright")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    pdf.set_font("Helvetica", size=10)
    pdf.write_html(_latin1(html))
    return bytes(pdf.output())


def purchase_order_pdf(order) -> bytes:
    """The purchase order as sent to the supplier."""
    lines = order.lines.select_related("item", "item__uom").order_by("line_number")
    return render_pdf("scm/pdf/purchase_order.html", {"order": order, "lines": lines, "company": order.company},
                      title=f"Purchase order {order.number}")


def delivery_note_pdf(shipment) -> bytes:
    """The delivery note that travels with a shipment (what, how many, which lots)."""
    lines = shipment.lines.select_related("item", "item__uom").prefetch_related("allocations__lot").order_by(
        "line_number")
    return render_pdf("scm/pdf/delivery_note.html", {"shipment": shipment, "lines": lines,
                                                     "company": shipment.company},
                      title=f"Delivery note {shipment.number}")
