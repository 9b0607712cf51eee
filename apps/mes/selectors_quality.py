"""Quality reads: stock waiting for incoming inspection, open non-conformances of an operation."""

from django.db.models import QuerySet

from apps.mes.choices import NonConformanceStatus
from apps.mes.models import NonConformance
from apps.scm.models import StockQuant


def held_stock(*, company_ids: list[int]) -> QuerySet[StockQuant]:
    """Stock on hand at quality-hold locations of the given companies (what incoming inspection must decide)."""
    return (StockQuant.objects.filter(company_id__in=company_ids, location__is_quality_hold=True, on_hand__gt=0)
            .select_related("item", "location", "lot").order_by("location__code", "item__number", "lot__code"))


def operation_blocking_nonconformances(*, operation) -> QuerySet[NonConformance]:
    """The not yet closed non-conformances that keep an operation blocked."""
    return NonConformance.objects.filter(operation=operation, blocks_operation=True).exclude(
        status=NonConformanceStatus.CLOSED)
