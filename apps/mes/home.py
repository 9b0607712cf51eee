"""MES on the home page: work orders due and late, orders to release, open non-conformances, stock waiting for
incoming inspection; work in progress, completions per day and the plant's OEE."""

import datetime

from django.db.models import Count
from django.db.models.functions import TruncDate
from django.utils import timezone

from apps.core.home import last_days, register_chart, register_kpi, register_queue
from apps.core.scoping import scope_to_active_company
from apps.core.ui.display import format_number, format_percent
from apps.mes.choices import WorkOrderStatus
from apps.mes.models import WorkCenter, WorkOrder
from apps.mes.selectors_oee import oee_sum, plant_oee
from apps.mes.selectors_quality import held_stock

OPEN = "released,in_progress"


def today() -> str:
    return timezone.localdate().isoformat()


register_queue("MES", "Work orders due today", "mes:workorder_list",
               lambda: {"status__in": OPEN, "due_date": today()}, "mes.change_workorder")
register_queue("MES", "Late work orders", "mes:workorder_list", lambda: {"status__in": OPEN, "due_date__lt": today()},
               "mes.change_workorder", style="danger", help="Released or in progress, due before today.")
register_queue("MES", "Work orders to release", "mes:workorder_list", {"status": "draft"}, "mes.change_workorder")
register_queue("MES", "Open non-conformances", "mes:nonconformance_list", {"status": "open"},
               "mes.change_nonconformance", style="danger", help="Raised and not yet dispositioned.")
register_queue("MES", "Stock waiting for incoming inspection", "mes:quality_incoming", {}, "mes.view_qualitycheck",
               lambda request: held_stock(company_ids=[request.company_id]).count(), style="warning",
               help="Received on quality hold: release or reject it.")
register_queue("MES", "Unclassified machine stops", "mes:downtimeevent_list",
               {"source": "machine", "reason__code": "UNCLASSIFIED"}, "mes.change_downtimeevent", style="warning",
               help="Machines stopped with a reason code that is not mapped: give each its reason.")


def completed_per_day(request) -> dict:
    """Work orders completed on each of the last fourteen days."""
    days = last_days(14)
    since = datetime.datetime.combine(days[0], datetime.time(0), tzinfo=timezone.get_current_timezone())
    counts = dict(scope_to_active_company(WorkOrder.objects.all(), request).filter(completed_at__gte=since)
                  .annotate(day=TruncDate("completed_at")).order_by().values_list("day").annotate(n=Count("pk")))
    return {"labels": [d.strftime("%d %b") for d in days],
            "datasets": [{"label": "Work orders completed", "data": [counts.get(d, 0) for d in days]}]}


def _oee_days(request, count: int):
    centers = scope_to_active_company(WorkCenter.objects.filter(is_active=True), request)
    days = last_days(count)
    return plant_oee(work_centers=list(centers), date_from=days[0], date_to=days[-1])


def oee_trend(request) -> dict:
    """The plant's OEE (all active work centers together) on each of the last fourteen days, in percent."""
    figures = _oee_days(request, 14)
    return {"labels": [f.date.strftime("%d %b") for f in figures], "unit": "%",
            "datasets": [{"label": "OEE", "data": [None if f.oee is None else round(float(f.oee) * 100, 1)
                                                   for f in figures]}]}


def oee_week(request) -> str:
    oee = oee_sum(_oee_days(request, 7)).oee
    return "n/a" if oee is None else format_percent(oee, ratio=True)


def work_in_progress(request) -> str:
    return format_number(scope_to_active_company(WorkOrder.objects.all(), request).filter(
        status=WorkOrderStatus.IN_PROGRESS).count(), 0)


register_kpi("MES", "Work orders in progress", "mes.view_workorder", work_in_progress, url_name="mes:workorder_list",
             params={"status": "in_progress"})
register_kpi("MES", "OEE, last 7 days", "mes.view_workcenter", oee_week, url_name="mes:oee_overview",
             help="All active work centers")
register_chart("MES", "Work orders completed per day", "mes.view_workorder", completed_per_day,
               url_name="mes:workorder_list", params={"status": "completed"})
register_chart("MES", "OEE trend", "mes.view_workcenter", oee_trend, kind="line", url_name="mes:oee_overview",
               help="all active work centers, per day")
