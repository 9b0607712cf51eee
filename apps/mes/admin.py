"""MES admin: every model, company-scoped and audited; workflow steps as admin actions calling services.

Rows that only services write (operations, time logs, materials, completions, genealogy, the definitions
PLM publishes) are read-only here; a work order past draft too (SuiteModelAdmin)."""

from django.contrib import admin, messages

from apps.core.admin_base import ReadOnlyAdmin, ReadOnlyInline, SuiteModelAdmin, SuiteTabularInline
from apps.core.errors import DomainError
from apps.mes import models
from apps.mes.services.workorders import work_order_update


# ---- production -----------------------------------------------------------------------------------
class WorkCenterShiftInline(SuiteTabularInline):
    model = models.WorkCenterShift


class EquipmentInline(SuiteTabularInline):
    model = models.Equipment


@admin.register(models.WorkCenter)
class WorkCenterAdmin(SuiteModelAdmin):
    list_display = ["code", "name", "company", "hourly_rate", "machine_hourly_rate", "capacity_hours_per_day",
                    "status"]
    list_filter = ["status", "company"]
    search_fields = ["code", "name"]
    inlines = [WorkCenterShiftInline, EquipmentInline]


@admin.register(models.WorkCenterShift)
class WorkCenterShiftAdmin(SuiteModelAdmin):
    list_display = ["work_center", "weekday", "start_time", "hours"]


@admin.register(models.Equipment)
class EquipmentAdmin(SuiteModelAdmin):
    list_display = ["code", "name", "work_center", "serial_number", "connection", "machine_state", "last_signal_at",
                    "is_active"]
    list_filter = ["connection", "machine_state"]
    search_fields = ["code", "name", "serial_number"]
    readonly_fields = ["machine_state", "state_reason", "state_since", "last_signal_at"]


class RoutingOperationInline(SuiteTabularInline):
    model = models.RoutingOperation


@admin.register(models.Routing)
class RoutingAdmin(SuiteModelAdmin):
    list_display = ["item", "name", "company", "is_active"]
    search_fields = ["item__number", "name"]
    raw_id_fields = ["item"]
    inlines = [RoutingOperationInline]


@admin.register(models.RoutingOperation)
class RoutingOperationAdmin(SuiteModelAdmin):
    list_display = ["routing", "sequence", "work_center", "setup_minutes", "run_minutes_per_unit"]


class ManufacturingDefinitionLineInline(SuiteTabularInline):
    model = models.ManufacturingDefinitionLine


@admin.register(models.ManufacturingDefinition)
class ManufacturingDefinitionAdmin(ReadOnlyAdmin):
    list_display = ["item", "revision", "eco_number", "effective_from", "company", "created_at"]
    search_fields = ["item__number", "eco_number"]
    raw_id_fields = ["item", "revision", "source_event"]
    inlines = [ManufacturingDefinitionLineInline]


@admin.register(models.ManufacturingDefinitionLine)
class ManufacturingDefinitionLineAdmin(ReadOnlyAdmin):
    list_display = ["definition", "position", "component", "quantity", "uom", "scrap_percent"]
    raw_id_fields = ["definition", "component"]


class OperationInline(SuiteTabularInline):
    model = models.Operation
    fields = ["sequence", "work_center", "status", "planned_start", "planned_end", "quantity_good", "quantity_scrap"]
    readonly_fields = fields


def _run(service_name: str):
    def run(modeladmin, request, queryset):
        from apps.mes.services import workorders

        service = getattr(workorders, service_name)
        for work_order in queryset:
            try:
                service(work_order=work_order, actor=request.user)
            except DomainError as error:
                modeladmin.message_user(request, f"{work_order}: {error}", messages.ERROR)
            else:
                modeladmin.message_user(request, f"{work_order}: done.", messages.SUCCESS)

    run.short_description = service_name.replace("work_order_", "").replace("_", " ").capitalize() + \
        " selected work orders"
    run.__name__ = service_name
    return run


@admin.register(models.WorkOrder)
class WorkOrderAdmin(SuiteModelAdmin):
    list_display = ["number", "item", "revision", "quantity", "due_date", "status", "needs_review", "company"]
    list_filter = ["status", "needs_review", "source", "company"]
    search_fields = ["number", "item__number", "source_reference"]
    raw_id_fields = ["item", "revision", "location", "finished_location"]
    readonly_fields = ["number", "definition", "quantity_good", "quantity_scrap", "needs_review", "review_reason",
                       "material_cost", "labour_cost", "machine_cost", "released_at", "completed_at"]
    inlines = [OperationInline]
    actions = [_run("work_order_release"), _run("work_order_cancel"), _run("work_order_close"),
               _run("work_order_close_short")]
    services = {"update": work_order_update}


class OperationTimeLogInline(ReadOnlyInline):
    """The operation's time logs, read-only: only the services write them (operator steps, recorded time)."""

    model = models.OperationTimeLog
    fields = ["operator", "kind", "started_at", "ended_at", "completion"]
    readonly_fields = fields


@admin.register(models.Operation)
class OperationAdmin(ReadOnlyAdmin):
    list_display = ["work_order", "sequence", "work_center", "status", "planned_start", "quantity_good",
                    "quantity_scrap", "quality_blocked"]
    list_filter = ["status", "quality_blocked"]
    raw_id_fields = ["work_order"]
    inlines = [OperationTimeLogInline]


@admin.register(models.OperationTimeLog)
class OperationTimeLogAdmin(ReadOnlyAdmin):
    list_display = ["operation", "operator", "kind", "started_at", "ended_at"]
    list_filter = ["kind"]
    raw_id_fields = ["operation"]


@admin.register(models.WorkOrderMaterial)
class WorkOrderMaterialAdmin(ReadOnlyAdmin):
    list_display = ["work_order", "component", "quantity_required", "quantity_consumed", "location"]
    raw_id_fields = ["work_order", "component"]


@admin.register(models.WorkOrderCompletion)
class WorkOrderCompletionAdmin(ReadOnlyAdmin):
    list_display = ["work_order", "quantity_good", "quantity_scrap", "lot", "total_cost", "created_at"]
    raw_id_fields = ["work_order", "lot"]


@admin.register(models.GenealogyLink)
class GenealogyLinkAdmin(ReadOnlyAdmin):
    list_display = ["parent_lot", "child_lot", "quantity", "work_order", "company"]
    raw_id_fields = ["parent_lot", "child_lot", "work_order"]


# ---- quality --------------------------------------------------------------------------------------
class CheckDefinitionInline(SuiteTabularInline):
    model = models.CheckDefinition


@admin.register(models.InspectionPlan)
class InspectionPlanAdmin(SuiteModelAdmin):
    list_display = ["name", "item", "operation_sequence", "work_center", "is_active", "company"]
    list_filter = ["is_active", "company"]
    search_fields = ["name", "item__number"]
    raw_id_fields = ["item", "work_center"]
    inlines = [CheckDefinitionInline]


@admin.register(models.CheckDefinition)
class CheckDefinitionAdmin(SuiteModelAdmin):
    list_display = ["plan", "sequence", "name", "kind", "nominal", "lower_tolerance", "upper_tolerance", "unit"]
    list_filter = ["kind"]
    raw_id_fields = ["plan"]


@admin.register(models.QualityCheck)
class QualityCheckAdmin(SuiteModelAdmin):
    """Check results are records of fact: viewable, never edited here (record them through the service)."""

    list_display = ["checked_at", "name", "item", "operation", "receipt_line", "result", "measured_value", "company"]
    list_filter = ["result", "kind", "company"]
    search_fields = ["name", "item__number"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.action(description="Close the selected non-conformances (dispositioned ones)")
def close_nonconformances(modeladmin, request, queryset):
    from apps.mes.services.quality import nonconformance_close

    for nc in queryset:
        try:
            nonconformance_close(nonconformance=nc, actor=request.user)
        except DomainError as error:
            modeladmin.message_user(request, f"{nc}: {error}", messages.ERROR)


@admin.register(models.NonConformance)
class NonConformanceAdmin(SuiteModelAdmin):
    list_display = ["number", "item", "quantity", "disposition", "status", "owner", "reference", "closed_on",
                    "company"]
    list_filter = ["status", "disposition", "customer_facing", "company"]
    search_fields = ["number", "description", "reference", "item__number"]
    readonly_fields = ["number", "status", "disposition", "quality_check", "operation", "receipt_line",
                       "blocks_operation", "raised_by", "dispositioned_at", "closed_on", "closed_by"]
    actions = [close_nonconformances]

    def has_add_permission(self, request):
        return False  # raised through the service (numbering, event)


@admin.register(models.DowntimeReason)
class DowntimeReasonAdmin(SuiteModelAdmin):
    list_display = ["code", "name", "kind", "machine_code", "is_active", "company"]
    list_filter = ["kind", "is_active", "company"]
    search_fields = ["code", "name"]


@admin.register(models.DowntimeEvent)
class DowntimeEventAdmin(SuiteModelAdmin):
    """Read-only here: the overlap rule lives in the downtime services (UI and API)."""

    list_display = ["work_center", "reason", "start", "end", "source", "equipment", "machine_reason", "company"]
    list_filter = ["reason__kind", "source", "company"]
    raw_id_fields = ["work_center", "reason"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


# ---- shop-floor connectivity: written by the signal services only ---------------------------------------------
@admin.register(models.MachineSignal)
class MachineSignalAdmin(ReadOnlyAdmin):
    list_display = ["ts", "equipment", "work_center", "kind", "state", "reason", "good", "scrap", "operation",
                    "company"]
    list_filter = ["kind", "state", "company"]
    search_fields = ["equipment__code", "work_center__code", "reason"]
    date_hierarchy = "ts"
    raw_id_fields = ["equipment", "work_center", "operation"]


@admin.register(models.MachineCount)
class MachineCountAdmin(ReadOnlyAdmin):
    list_display = ["minute", "equipment", "work_center", "operation", "good", "scrap", "company"]
    list_filter = ["company"]
    raw_id_fields = ["equipment", "work_center", "operation"]


@admin.register(models.MachineSignalDrop)
class MachineSignalDropAdmin(ReadOnlyAdmin):
    list_display = ["day", "reason", "count", "company", "last_detail"]
    list_filter = ["reason", "company"]
