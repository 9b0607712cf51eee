"""Template tags of traceability, for the detail pages of other modules (which link to ERP by URL name only,
never by importing it): `{% load erp_trace %}{% trace_url "lot" object %}`, `{% if object|is_supplier_lot %}`."""

from django import template
from django.urls import reverse

from apps.erp.traceability.views import trace_url_name
from apps.scm.choices import MoveStatus
from apps.scm.models import GoodsReceiptLine

register = template.Library()


@register.simple_tag
def trace_url(kind: str, record) -> str:
    """The trace page of a record of a start kind (`sales_order`, `lot`, `work_order`, ...)."""
    return reverse(f"erp:{trace_url_name(kind)}", args=[record.pk])


@register.filter
def is_supplier_lot(lot) -> bool:
    """Whether the lot came in on a posted goods receipt (what a recall starts from)."""
    return GoodsReceiptLine.objects.filter(receipt__company_id=lot.company_id, stock_move__lot_id=lot.pk,
                                           stock_move__status=MoveStatus.DONE).exists()
