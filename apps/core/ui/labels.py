"""Labels people read: one helper for the column headers, form labels, detail rows and history of every screen.

Django derives labels from field names ("eco_number" → "Eco number", "uom" → "Uom"); `humanize_label` capitalises
the first letter only and writes the trade's abbreviations as the trade writes them (ECO, UoM, PO, OEE, SKU, NC, ID).
"""

import re

from django.core.exceptions import FieldDoesNotExist

# lower-case word → how it is written; whole words only ("id" but not "idle", "po" but not "position")
ABBREVIATIONS = {
    "api": "API", "bom": "BOM", "boms": "BOMs", "csv": "CSV", "eco": "ECO", "ecos": "ECOs", "ecr": "ECR",
    "ecrs": "ECRs", "erp": "ERP", "id": "ID", "ids": "IDs", "iso": "ISO", "mes": "MES", "mrp": "MRP",
    "nc": "NC", "ncs": "NCs", "oee": "OEE", "pdf": "PDF", "plm": "PLM", "po": "PO", "qc": "QC",
    "scm": "SCM", "crm": "CRM", "sha256": "SHA-256", "sku": "SKU", "skus": "SKUs", "uom": "UoM",
    "uoms": "UoMs", "url": "URL", "vat": "VAT", "wip": "WIP", "xlsx": "XLSX",
}
_WORD = re.compile(r"[A-Za-z0-9]+")
_PERCENT = re.compile(r"(?<=\w )percent\b", re.IGNORECASE)


def humanize_label(text) -> str:
    """`"eco_number"`/`"Eco number"` → "ECO number"; `"uom"` → "UoM"; first letter upper-case, abbreviations kept."""
    text = str(text or "").replace("__", " ").replace("_", " ").strip()
    if not text:
        return ""
    text = _WORD.sub(lambda m: ABBREVIATIONS.get(m.group(0).lower(), m.group(0)), text)
    text = _PERCENT.sub("%", text)  # "Scrap percent" → "Scrap %"
    return text[0].upper() + text[1:]


def field_label(model, name: str) -> str:
    """The label of a field (or a `a__b` path, labelled by its last field) of `model`."""
    current, verbose = model, None
    for part in name.split("__"):
        try:
            field = current._meta.get_field(part)
        except (FieldDoesNotExist, AttributeError):
            return humanize_label(name)
        verbose = getattr(field, "verbose_name", None) or field.name
        current = field.related_model or current
    if "__" in name and name.split("__")[-1] in ("name", "number", "code"):
        verbose = name.split("__")[-2]  # `purchase_order__number` reads as "Purchase order"
    return humanize_label(verbose)


def relabel_form(form) -> None:
    """Give every field of a form the suite's label (a ModelForm's labels come from Django's capfirst)."""
    for name, bound in form.fields.items():
        bound.label = humanize_label(bound.label if bound.label is not None else name)
