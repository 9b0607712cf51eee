"""Browser screens of MRP: item planning parameters, runs (a progress bar polled by htmx while the run works),
planned orders (filters item/kind/late, pegging on the detail, release), and an item's time-phased plan."""

from decimal import Decimal

import django_filters
from django import forms
from django.shortcuts import get_object_or_404, render
from django.urls import path

from apps.core.api.filtersets import SuiteFilterSet
from apps.core.scoping import scope_to_active_company
from apps.core.ui.resource import Action, Resource
from apps.core.ui.views import role_required
from apps.core.ui.widgets import PickerWidget
from apps.erp.models import ItemPlanning, MrpItemPlan, MrpMessage, MrpRun, PlannedOrder, PlannedOrderStatus
from apps.erp.services.mrp import planning
from apps.erp.services.mrp.release import planned_order_release
from apps.erp.services.mrp.run import mrp_run_cancel, mrp_run_start


class ItemPlanningResource(Resource):
    model = ItemPlanning
    namespace = "erp"
    list_fields = ["item", "lot_sizing", "fixed_quantity", "minimum_quantity", "multiple", "safety_stock",
                   "lead_time_days"]
    filter_fields = ["lot_sizing"]
    search_fields = ["item__number", "item__name"]
    form_fields = ["item", "lot_sizing", "fixed_quantity", "minimum_quantity", "multiple", "safety_stock",
                   "lead_time_days"]
    widgets = {"item": PickerWidget()}
    services = {"create": planning.item_planning_create, "update": planning.item_planning_update}
    select_related = ["item"]


class MrpRunForm(forms.ModelForm):
    class Meta:
        model = MrpRun
        fields = ["start_date", "horizon_days"]
        widgets = {"start_date": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["start_date"].required = False


def _run_start(*, company, actor, start_date=None, horizon_days=120, **_ignored) -> MrpRun:
    return mrp_run_start(company=company, actor=actor, start_date=start_date, horizon_days=horizon_days or 120)


class MrpRunResource(Resource):
    model = MrpRun
    namespace = "erp"
    title = "MRP run"
    title_plural = "MRP runs"
    list_fields = ["number", "status", "start_date", "horizon_days", "items_planned", "items_total", "started_by",
                   "finished_at"]
    filter_fields = ["status"]
    search_fields = ["number"]
    form_class = MrpRunForm
    detail_fields = ["number", "status", "start_date", "horizon_days", "started_by", "started_at", "finished_at",
                     "error"]
    services = {"create": _run_start}
    can_edit = False
    actions = {"cancel": Action(mrp_run_cancel, label="Cancel", style="outline-danger")}
    select_related = ["started_by"]
    detail_template = "erp/mrprun_detail.html"

    @classmethod
    def detail_context(cls, obj) -> dict:
        return {"run": obj, "messages_list": list(obj.messages.select_related("item").order_by("kind", "id")[:200]),
                "message_count": obj.messages.count()}


class PlannedOrderFilterSet(SuiteFilterSet):
    status = django_filters.ChoiceFilter(choices=PlannedOrderStatus.choices, method="filter_status", label="Status")

    class Meta:
        model = PlannedOrder
        fields = ["run", "item", "kind", "is_late", "status"]

    def filter_status(self, queryset, name, value):
        """Superseded orders are not rewritten: their run is marked (`PlannedOrderQuerySet.with_status`)."""
        return queryset.with_status(value)


class PlannedOrderResource(Resource):
    model = PlannedOrder
    namespace = "erp"
    list_fields = ["number", "item", "kind", "quantity", "due_date", "start_date", "is_late", "status", "supplier",
                   "run"]
    filter_fields = ["run", "item", "kind", "is_late", "status"]
    filterset_class = PlannedOrderFilterSet
    search_fields = ["number", "item__number", "item__name"]
    detail_fields = ["number", "run", "item", "kind", "quantity", "due_date", "start_date", "low_level_code",
                     "is_late", "supplier", "status", "released_at", "released_by", "requisition", "work_order"]
    can_create = False
    can_edit = False
    actions = {"release": Action(planned_order_release, label="Release", style="success")}
    select_related = ["item", "run", "supplier", "requisition", "work_order", "released_by"]
    ordering = ["start_date", "number"]
    detail_template = "erp/plannedorder_detail.html"

    @classmethod
    def detail_context(cls, obj) -> dict:
        pegs = obj.pegs
        return {"pegs": pegs, "pegged_total": sum((p.quantity for p in pegs), Decimal(0)),
                "order_messages": list(obj.messages.all()), "components": obj.component_pegs()}


@role_required("erp.view_mrprun")
def mrp_run_progress(request, pk: int):
    """The progress bar of a run (htmx polls it while the run is queued or running)."""
    run = get_object_or_404(scope_to_active_company(MrpRun.objects.all(), request), pk=pk)
    return render(request, "erp/_mrprun_progress.html", {"run": run})


@role_required("erp.view_mrprun")
def mrp_item_plan(request, pk: int):
    """An item's time-phased plan in a run (`?item=<id>`): demand, scheduled and planned receipts, projected on hand
    per day; without an item, the run's items to choose from."""
    run = get_object_or_404(scope_to_active_company(MrpRun.objects.all(), request), pk=pk)
    item_id = request.GET.get("item", "")
    if not item_id.isdigit():
        plans = MrpItemPlan.objects.filter(run=run).select_related("item").order_by("low_level_code", "item__number")
        return render(request, "erp/mrp_item_plans.html", {"title": f"Items planned in {run}", "run": run,
                                                             "plans": plans[:500]})
    plan = get_object_or_404(MrpItemPlan.objects.select_related("item"), run=run, item_id=int(item_id))
    rows = [{"date": row[0], "demand": Decimal(row[1]), "receipts": Decimal(row[2]), "planned": Decimal(row[3]),
             "projected": Decimal(row[4])} for row in plan.buckets]
    orders = PlannedOrder.objects.filter(run=run, item_id=plan.item_id).order_by("due_date", "id")
    messages = MrpMessage.objects.filter(run=run, item_id=plan.item_id).order_by("kind", "id")
    return render(request, "erp/mrp_item_plan.html", {
        "title": f"{plan.item.number} in {run}", "run": run, "plan": plan, "rows": rows, "orders": orders,
        "messages_list": messages})


urlpatterns = [
    path("mrp-runs/<int:pk>/progress/", mrp_run_progress, name="mrprun_progress"),
    path("mrp-runs/<int:pk>/items/", mrp_item_plan, name="mrp_item_plan"),
    *MrpRunResource.urls("mrp-runs/"),
    *PlannedOrderResource.urls("planned-orders/"),
    *ItemPlanningResource.urls("item-planning/"),
]
