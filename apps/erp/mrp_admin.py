"""MRP in the admin: item planning parameters edited through their services; runs and what they proposed are
written only by the run (read-only here); actions cancel runs and release planned orders through the services."""

from django.contrib import admin, messages
from django.utils.html import format_html, format_html_join

from apps.core.admin_base import ReadOnlyAdmin, SuiteModelAdmin, run_per_record
from apps.core.errors import DomainError
from apps.erp.models import ItemPlanning, MrpItemPlan, MrpMessage, MrpRun, PlannedOrder, PlannedOrderStatus
from apps.erp.services.mrp import planning
from apps.erp.services.mrp.release import planned_orders_release
from apps.erp.services.mrp.run import mrp_run_cancel


@admin.register(ItemPlanning)
class ItemPlanningAdmin(SuiteModelAdmin):
    list_display = ["item", "lot_sizing", "fixed_quantity", "minimum_quantity", "multiple", "safety_stock",
                    "lead_time_days", "company"]
    list_filter = ["company", "lot_sizing"]
    search_fields = ["item__number", "item__name"]
    raw_id_fields = ["item"]
    services = {"update": planning.item_planning_update, "delete": planning.item_planning_delete}


@admin.register(MrpRun)
class MrpRunAdmin(ReadOnlyAdmin):
    """Runs are started from the UI or the API (a Celery task plans them); here they are read and cancelled."""

    list_display = ["number", "status", "start_date", "horizon_days", "items_planned", "items_total", "started_by",
                    "finished_at", "company"]
    list_filter = ["company", "status"]
    search_fields = ["number"]
    actions = ["cancel_runs"]

    @admin.action(description="Cancel the selected queued or running runs")
    def cancel_runs(self, request, queryset):
        run_per_record(self, request, queryset, mrp_run_cancel, "run", "Cancelled")


class PlannedOrderStatusFilter(admin.SimpleListFilter):
    """Status as planners see it: an unreleased order of a superseded run is superseded."""

    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return PlannedOrderStatus.choices

    def queryset(self, request, queryset):
        return queryset.with_status(self.value()) if self.value() else queryset


@admin.register(PlannedOrder)
class PlannedOrderAdmin(ReadOnlyAdmin):
    list_display = ["number", "item", "kind", "quantity", "due_date", "start_date", "is_late", "status_shown",
                    "company"]
    list_filter = ["company", "kind", PlannedOrderStatusFilter, "is_late"]
    list_select_related = ["item", "company", "run"]
    search_fields = ["number", "item__number"]
    exclude = ["peg_kinds", "peg_quantities", "peg_due_dates", "peg_documents", "component_orders"]
    readonly_fields = ["pegging"]
    actions = ["release_orders"]

    @admin.display(description="pegging")
    def pegging(self, order):
        """The demands it covers (read from the order's peg arrays), as a table."""
        rows = format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>", (
            (peg.get_kind_display(), peg.sales_order_line or peg.parent_planned_order or peg.work_order or "",
             peg.due_date, peg.quantity) for peg in order.pegs))
        return format_html("<table><thead><tr><th>Demand</th><th>Document</th><th>Needed</th><th>Quantity</th></tr>"
                           "</thead><tbody>{}</tbody></table>", rows)

    @admin.display(description="status")
    def status_shown(self, order):
        return order.get_status_display()

    @admin.action(description="Release the selected planned orders (purchases grouped per supplier)")
    def release_orders(self, request, queryset):
        try:
            released = planned_orders_release(planned_orders=list(queryset), actor=request.user)
        except DomainError as error:
            self.message_user(request, str(error), messages.ERROR)
            return
        self.message_user(request, f"Released: {len(released)}.", messages.SUCCESS)


@admin.register(MrpMessage)
class MrpMessageAdmin(ReadOnlyAdmin):
    list_display = ["run", "kind", "item", "document", "due_date", "suggested_date", "text"]
    list_filter = ["kind"]
    search_fields = ["run__number", "item__number", "document"]


@admin.register(MrpItemPlan)
class MrpItemPlanAdmin(ReadOnlyAdmin):
    list_display = ["run", "item", "low_level_code", "on_hand", "safety_stock"]
    search_fields = ["run__number", "item__number"]
