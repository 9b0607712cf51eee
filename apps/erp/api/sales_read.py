"""The fast read path of the sales-order list: the page's orders and their lines read as plain rows (`.values()`,
one query each) and turned into exactly the JSON `SalesOrderSerializer` gives (same fields, same formats), without
a model instance or a serializer field per value. `allowed_transitions` is computed once per (status, company):
the sales-order workflow has no guards (checked here), so it depends on nothing else."""

from collections import defaultdict

from django.utils import timezone
from rest_framework import ISO_8601, serializers
from rest_framework.settings import api_settings

from apps.core.api.serializers import WorkflowFieldsMixin
from apps.erp.models import SalesOrder, SalesOrderLine

ORDER_FIELDS = ["id", "company_id", "number", "customer_id", "quote_id", "quote__number", "currency__code",
                "order_date", "requested_delivery_date", "warehouse_id", "payment_terms_days", "status", "total",
                "total_tax", "total_with_tax", "notes", "confirmed_at", "created_at", "updated_at"]
LINE_FIELDS = ["order_id", "id", "line_number", "item_id", "item__number", "description", "quantity", "unit_price",
               "discount_percent", "tax_rate", "due_date", "net", "tax", "quantity_delivered"]
# the per-(status, company) cache of allowed_transitions is right only while no step has a guard
assert not any(t.guard or t.user_guard for t in SalesOrder.workflow.transitions.values()), (
    "a sales-order step has a guard: allowed_transitions must then be computed per order")



def _decimal(value) -> str | None:
    # the columns have the serializer fields' decimal places, so DRF's quantize is a no-op: same string
    return None if value is None else f"{value:f}"


def _date(value) -> str | None:
    return None if value is None else value.isoformat()


def _datetime_formatter():
    """DRF's DateTimeField output (ISO 8601 in the current time zone, UTC as `Z`), without its per-value lookups
    of the time zone and the format setting."""
    if (api_settings.DATETIME_FORMAT or "").lower() != ISO_8601:
        return serializers.DateTimeField().to_representation  # another format (or none): DRF's own code
    zone = timezone.get_current_timezone()

    def represent(value) -> str | None:
        if not value:
            return None
        text = value.astimezone(zone).isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text

    return represent


def _line(row: dict) -> dict:
    return {"id": row["id"], "line_number": row["line_number"], "item": row["item_id"],
            "item_number": row["item__number"], "description": row["description"],
            "quantity": _decimal(row["quantity"]), "unit_price": _decimal(row["unit_price"]),
            "discount_percent": _decimal(row["discount_percent"]), "tax_rate": _decimal(row["tax_rate"]),
            "due_date": _date(row["due_date"]), "net": _decimal(row["net"]), "tax": _decimal(row["tax"]),
            "quantity_delivered": _decimal(row["quantity_delivered"])}


def sales_order_rows(queryset):
    """The orders of `queryset` (filtered and ordered) as a queryset of `.values()` rows."""
    return queryset.prefetch_related(None).select_related(None).values(*ORDER_FIELDS)


def sales_orders_as_json(rows: list[dict], *, context: dict) -> list[dict]:
    """The `SalesOrderSerializer` representation of the order rows of a page, with their lines (one query)."""
    lines: dict[int, list[dict]] = defaultdict(list)
    if rows:
        for row in (SalesOrderLine.objects.filter(order_id__in=[r["id"] for r in rows])
                    .order_by("order_id", "line_number", "id").values(*LINE_FIELDS)):
            lines[row["order_id"]].append(_line(row))
    transitions = WorkflowFieldsMixin(context=context)
    _datetime = _datetime_formatter()
    verbs: dict[tuple[str, int], list[str]] = {}
    result = []
    for row in rows:
        key = (row["status"], row["company_id"])
        if key not in verbs:
            verbs[key] = transitions.get_allowed_transitions(
                SalesOrder(pk=row["id"], status=row["status"], company_id=row["company_id"]))
        result.append({
            "id": row["id"], "company": row["company_id"], "number": row["number"], "customer": row["customer_id"],
            "quote": row["quote_id"], "quote_number": row["quote__number"], "currency": row["currency__code"],
            "order_date": _date(row["order_date"]), "requested_delivery_date": _date(row["requested_delivery_date"]),
            "warehouse": row["warehouse_id"], "payment_terms_days": row["payment_terms_days"],
            "status": row["status"], "lines": lines[row["id"]], "total": _decimal(row["total"]),
            "total_tax": _decimal(row["total_tax"]), "total_with_tax": _decimal(row["total_with_tax"]),
            "notes": row["notes"], "confirmed_at": _datetime(row["confirmed_at"]),
            "allowed_transitions": list(verbs[key]),
            "created_at": _datetime(row["created_at"]), "updated_at": _datetime(row["updated_at"])})
    return result
