"""The work order traveler: an A4 PDF (fpdf2, pure Python) with Code 39 barcodes for the scan field."""

import re

from fpdf import FPDF

_CODE39 = re.compile(r"[^0-9A-Z\-. $/+%]")


def _barcode_text(value: str) -> str:
    """Code 39 carries upper-case letters, digits and - . space $ / + %; the scan field matches any case."""
    return _CODE39.sub("-", value.upper())


def operation_code(operation) -> str:
    """What an operation's barcode carries: its work order's number and its sequence, `WO-2026-00001/20`; the
    operator screen's scan field opens that operation (`apps.mes.views.operator_scan`)."""
    return f"{operation.work_order.number}/{operation.sequence}"


def _latin1(value) -> str:
    return str(value if value is not None else "").encode("latin-1", "replace").decode("latin-1")


def traveler_pdf(work_order) -> bytes:
    """Header with the order's barcode, then one block per operation with its own barcode and sign-off."""
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 18)
    pdf.cell(0, 10, _latin1(f"Traveler {work_order.number}"), new_x="LMARGIN", new_y="NEXT")
    pdf.code39(f"*{_barcode_text(work_order.number)}*", x=pdf.l_margin, y=pdf.get_y() + 1, w=0.8, h=14)
    pdf.set_y(pdf.get_y() + 18)
    pdf.set_font("Helvetica", "", 11)
    rows = [
        ("Item", f"{work_order.item.number} {work_order.item.name}"),
        ("Revision", work_order.revision.code),
        ("Quantity", f"{work_order.quantity.normalize():f} {work_order.item.uom.code}"),
        ("Due date", work_order.due_date.isoformat()),
        ("Status", work_order.get_status_display()),
        ("Source", f"{work_order.get_source_display()} {work_order.source_reference}".strip()),
    ]
    for label, value in rows:
        pdf.set_font("Helvetica", "B", 11)
        pdf.cell(35, 7, _latin1(label))
        pdf.set_font("Helvetica", "", 11)
        pdf.cell(0, 7, _latin1(value), new_x="LMARGIN", new_y="NEXT")

    materials = list(work_order.materials.select_related("component", "location"))
    if materials:
        pdf.ln(3)
        pdf.set_font("Helvetica", "B", 13)
        pdf.cell(0, 8, "Materials", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", "", 10)
        for material in materials:
            pdf.cell(0, 6, _latin1(f"{material.component.number}  {material.component.name}  "
                                   f"{material.quantity_required.normalize():f} @ {material.location.code}"),
                     new_x="LMARGIN", new_y="NEXT")

    pdf.ln(3)
    pdf.set_font("Helvetica", "B", 13)
    pdf.cell(0, 8, "Operations", new_x="LMARGIN", new_y="NEXT")
    operations = work_order.operations.select_related("work_center").prefetch_related("required_checks")
    for operation in operations.order_by("sequence"):
        if pdf.get_y() > 240:
            pdf.add_page()
        pdf.set_font("Helvetica", "B", 11)
        planned = f"{operation.planned_start:%Y-%m-%d %H:%M}" if operation.planned_start else "-"
        pdf.cell(0, 7, _latin1(f"{operation.sequence}  {operation.name}  at {operation.work_center.code}  "
                               f"(planned {planned})"), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", "", 10)
        pdf.multi_cell(0, 5, _latin1(f"Setup {operation.setup_minutes.normalize():f} min, run "
                                     f"{operation.run_minutes_per_unit.normalize():f} min/unit. "
                                     f"{operation.instructions}"), new_x="LMARGIN", new_y="NEXT")
        checks = [plan.name for plan in operation.required_checks.all()]
        if checks:
            pdf.multi_cell(0, 5, _latin1("Checks: " + ", ".join(checks)),
                           new_x="LMARGIN", new_y="NEXT")
        code = _barcode_text(operation_code(operation))
        pdf.code39(f"*{code}*", x=pdf.l_margin, y=pdf.get_y() + 1, w=0.5, h=8)
        pdf.set_y(pdf.get_y() + 9)
        pdf.set_font("Helvetica", "", 8)
        pdf.cell(0, 4, _latin1(code), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", "", 10)
        pdf.cell(0, 6, "Good: ________   Scrap: ________   Operator: ____________   Date: ________",
                 new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)
    return bytes(pdf.output())
