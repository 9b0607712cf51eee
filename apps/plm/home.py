"""PLM on the home page: change orders waiting for someone, and how engineering change is flowing."""

from django.db.models import Avg, Count, F
from django.db.models.functions import TruncMonth
from django.urls import reverse

from apps.core.home import last_months, register_chart, register_kpi, register_queue
from apps.core.scoping import scope_to_active_company
from apps.core.ui.display import format_number
from apps.plm.choices import ChangeOrderStatus, LifecycleState
from apps.plm.models import ChangeOrder, Item

register_queue("PLM", "Change orders waiting for my approval", "plm:changeorder_list", {"awaiting_me": "true"},
               "plm.approve_changeorder", help="Submitted ECOs your role still has to approve (or reject).")
register_queue("PLM", "Approved change orders to release", "plm:changeorder_list", {"status": "approved"},
               "plm.change_changeorder", style="success")
register_queue("PLM", "Draft change orders", "plm:changeorder_list", {"status": "draft"}, "plm.change_changeorder")
register_queue("PLM", "Open change requests", "plm:changerequest_list", {"status": "open"},
               "plm.change_changerequest", help="ECRs to accept or reject.")


def eco_cycle_time(request) -> dict:
    """Average days from submission to release of the ECOs released in each of the last six months."""
    months = last_months(6)
    rows = (scope_to_active_company(ChangeOrder.objects.all(), request)
            .filter(status=ChangeOrderStatus.RELEASED, submitted_at__isnull=False,
                    released_at__date__gte=months[0])
            .annotate(month=TruncMonth("released_at")).order_by().values("month")
            .annotate(cycle=Avg(F("released_at") - F("submitted_at"))))
    by_month = {row["month"].date() if hasattr(row["month"], "date") else row["month"]: row["cycle"] for row in rows}
    return {"labels": [m.strftime("%b %Y") for m in months], "unit": "days",
            "datasets": [{"label": "Days from submission to release",
                          "data": [round(by_month[m].total_seconds() / 86400, 1) if by_month.get(m) else None
                                   for m in months]}]}


def items_by_lifecycle(request) -> dict:
    """How many items are in each lifecycle state; a slice opens the item list filtered by it."""
    counts = dict(scope_to_active_company(Item.objects.all(), request).order_by().values_list("lifecycle_state")
                  .annotate(n=Count("pk")))
    states = list(LifecycleState)
    url = reverse("plm:item_list")
    return {"labels": [s.label for s in states], "datasets": [{"label": "Items", "data": [counts.get(s, 0)
                                                                                      for s in states]}],
            "links": [f"{url}?lifecycle_state={s.value}" for s in states]}


def open_change_orders(request) -> str:
    return format_number(scope_to_active_company(ChangeOrder.objects.all(), request).filter(
        status__in=[ChangeOrderStatus.DRAFT, ChangeOrderStatus.SUBMITTED, ChangeOrderStatus.APPROVED]).count(), 0)


def released_items(request) -> str:
    return format_number(scope_to_active_company(Item.objects.all(), request).filter(
        lifecycle_state=LifecycleState.RELEASED).count(), 0)


register_kpi("PLM", "Released items", "plm.view_item", released_items, url_name="plm:item_list",
             params={"lifecycle_state": "released"})
register_kpi("PLM", "Open change orders", "plm.view_changeorder", open_change_orders,
             url_name="plm:changeorder_kanban", help="Draft, submitted or approved")
register_chart("PLM", "ECO cycle time", "plm.view_changeorder", eco_cycle_time, kind="line",
               url_name="plm:changeorder_list", params={"status": "released"},
               help="average days from submission to release, per month")
register_chart("PLM", "Items by lifecycle state", "plm.view_item", items_by_lifecycle, kind="doughnut",
               url_name="plm:item_list")
