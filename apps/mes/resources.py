"""MES production browser screens, declared as Resources."""

from decimal import Decimal

from django import forms

from apps.core.ui.resource import Action, Inline, KanbanSpec, Related, Resource
from apps.core.ui.widgets import PickerMultipleWidget, PickerWidget
from apps.mes.choices import OPEN_WORK_ORDER_STATUSES, TimeLogKind
from apps.mes.models import ManufacturingDefinition, Operation, OperationTimeLog, Routing, WorkCenter, WorkOrder
from apps.mes.services import masterdata, operations, workorders
from apps.plm.forms import active_item_picker, item_defaults, released_revision_picker
from apps.scm.forms import internal_location_picker
from apps.scm.models import Location, Reservation

ACTIVE_WORK_CENTER = {"is_active": True}


def stock_location_picker(**options) -> PickerWidget:
    """Where a work order reserves, picks and puts away: an active internal location not on quality hold."""
    return internal_location_picker(exclude={"is_quality_hold": True}, **options)


class WorkCenterResource(Resource):
    model = WorkCenter
    namespace = "mes"
    list_fields = ["code", "name", "status", "hourly_rate", "machine_hourly_rate", "capacity_hours_per_day"]
    filter_fields = ["status", "is_active"]
    search_fields = ["code", "name"]
    form_fields = ["code", "name", "description", "hourly_rate", "machine_hourly_rate", "capacity_hours_per_day",
                   "status", "is_active"]
    inlines = [Inline("shifts", ["weekday", "start_time", "hours"], label="Shift calendar"),
               Inline("equipment", ["code", "name", "serial_number", "is_active"])]
    services = {"create": masterdata.work_center_create, "update": masterdata.work_center_update}
    ordering = ["code"]
    detail_template = "mes/workcenter_detail.html"  # adds the OEE dashboard button (quality half)


class RoutingResource(Resource):
    model = Routing
    namespace = "mes"
    list_fields = ["item", "name", "is_active"]
    filter_fields = ["is_active"]
    search_fields = ["item__number", "item__name", "name"]
    form_fields = ["item", "name", "is_active"]
    widgets = {"item": active_item_picker(made=True)}
    inlines = [Inline("operations", ["sequence", "work_center", "name", "setup_minutes", "run_minutes_per_unit",
                                     "instructions", "required_checks"], extra=2,
                      widgets={"instructions": forms.Textarea(attrs={"rows": 2}),
                               "work_center": PickerWidget(filter=ACTIVE_WORK_CENTER),
                               # the inspection plans of the routing's item
                               "required_checks": PickerMultipleWidget(depends={"item": "$item"})})]
    services = {"create": masterdata.routing_create, "update": masterdata.routing_update}
    select_related = ["item"]


class ManufacturingDefinitionResource(Resource):
    model = ManufacturingDefinition
    namespace = "mes"
    list_fields = ["item", "revision", "eco_number", "effective_from", "created_at"]
    search_fields = ["item__number", "eco_number"]
    detail_fields = ["item", "revision", "eco_number", "effective_from", "source_event", "created_at"]
    related = [Related("BOM snapshot", "lines", ["position", "component", "quantity", "uom", "scrap_percent"])]
    can_create = can_edit = False
    select_related = ["item", "revision"]


class ReleaseForm(forms.Form):
    location = forms.ModelChoiceField(queryset=Location.objects.all(), required=False, empty_label="Default location",
                                      widget=stock_location_picker(default_hint="the order's or the first location"))
    allow_shortage = forms.BooleanField(required=False, label="Release with shortages")


def moment_input(**attrs) -> forms.DateTimeInput:
    """A date and time picker (the browser's `datetime-local`), in the user's time zone."""
    return forms.DateTimeInput(attrs={"type": "datetime-local", **attrs}, format="%Y-%m-%dT%H:%M")


class FinishForm(forms.Form):
    quantity_good = forms.DecimalField(max_digits=18, decimal_places=4, min_value=Decimal(0),
                                       widget=forms.NumberInput(attrs={"placeholder": "Good", "step": "any"}))
    quantity_scrap = forms.DecimalField(max_digits=18, decimal_places=4, min_value=Decimal(0), required=False,
                                        widget=forms.NumberInput(attrs={"placeholder": "Scrap", "step": "any"}))
    scrap_reason = forms.CharField(max_length=200, required=False,
                                   widget=forms.TextInput(attrs={"placeholder": "Scrap reason"}))
    finished_at = forms.DateTimeField(required=False, widget=moment_input(title="Finished at (empty: now)"),
                                      label="Finished at",
                                      help_text="Empty: now. A finish reported after the fact: when it happened.")

    def clean_quantity_scrap(self):
        return self.cleaned_data.get("quantity_scrap") or Decimal(0)


class RecordTimeForm(forms.Form):
    """Time worked on an operation after the fact (`operation_time_record`): a closed time log."""

    started_at = forms.DateTimeField(label="Start", widget=moment_input())
    ended_at = forms.DateTimeField(label="End", widget=moment_input())
    kind = forms.ChoiceField(choices=TimeLogKind.choices, initial=TimeLogKind.RUN, widget=forms.Select)


class CloseShortForm(forms.Form):
    reason = forms.CharField(max_length=300, required=False,
                             widget=forms.TextInput(attrs={"placeholder": "Why (optional)"}))


class WorkOrderResource(Resource):
    model = WorkOrder
    namespace = "mes"
    list_fields = ["number", "item", "revision", "quantity", "due_date", "priority", "status", "needs_review"]
    # the lookups serve the home page's queues ("late": released or in progress, due before today)
    filter_fields = {"status": ["exact", "in"], "source": ["exact"], "needs_review": ["exact"],
                     "due_date": ["exact", "lt", "lte"]}
    search_fields = ["number", "item__number", "item__name", "source_reference"]
    form_fields = ["item", "revision", "quantity", "due_date", "priority", "source", "source_reference", "location",
                   "finished_location", "over_completion_percent", "notes"]
    detail_fields = ["number", "item", "revision", "definition", "quantity", "due_date", "priority", "status",
                     "source", "source_reference", "location", "finished_location", "quantity_good",
                     "quantity_scrap", "needs_review", "review_reason", "material_cost", "labour_cost",
                     "machine_cost", "released_at", "completed_at", "notes"]
    related = [
        Related("Operations", "operations", ["sequence", "work_center", "name", "status", "planned_start",
                                             "planned_end", "quantity_good", "quantity_scrap", "quality_blocked"]),
        Related("Materials", "materials", ["component", "quantity_per", "scrap_percent", "quantity_required",
                                           "quantity_consumed", "location"]),
        Related("Reservations", lambda wo: Reservation.objects.filter(
            source_type="mes.workordermaterial", source_id__in=[str(m.pk) for m in wo.materials.all()]
        ).select_related("item", "location", "lot"), ["item", "location", "lot", "quantity", "open_quantity",
                                                      "status"]),
        Related("Time logs", lambda wo: OperationTimeLog.objects.filter(operation__work_order=wo).select_related(
            "operation", "operator"), ["operation", "operator", "kind", "started_at", "ended_at"]),
        Related("Genealogy (made from)", lambda wo: wo.genealogy_links.select_related("parent_lot", "child_lot"),
                ["parent_lot", "child_lot", "quantity"]),
        Related("Completions", "completions", ["created_at", "quantity_good", "quantity_scrap", "lot",
                                               "material_cost", "labour_cost", "machine_cost", "unit_cost"]),
    ]
    widgets = {"item": active_item_picker(made=True, defaults=item_defaults("item", revision="revision")),
               "revision": released_revision_picker("item", default_hint="the item's released revision"),
               "location": stock_location_picker(), "finished_location": stock_location_picker()}
    services = {"create": workorders.work_order_create, "update": workorders.work_order_update}
    actions = {
        "release": Action(workorders.work_order_release, form_class=ReleaseForm),
        "start": Action(workorders.work_order_start),
        "close": Action(workorders.work_order_close, style="secondary"),
        "close_short": Action(workorders.work_order_close_short, form_class=CloseShortForm, label="Close short",
                              style="outline-warning",
                              confirm="Close this work order short? No more units will be completed and what is "
                                      "still reserved for it is given back."),
        "cancel": Action(workorders.work_order_cancel, style="outline-danger",
                         confirm="Cancel this work order and give back its reservations?"),
    }
    select_related = ["item", "revision"]
    # completing needs quantities and lots: a drop on "Completed" sends the user to the record's form
    kanban = KanbanSpec(columns=["draft", "released", "in_progress", "completed", "closed"],
                        card_fields=["item", "quantity", "due_date", "priority"],
                        ordering=["due_date", "priority", "number"], never_dropped=("close_short",),
                        done=("completed", "closed"))
    # completing is the form on the detail page (mes/_completion_form.html): it lets the operator pick lots
    detail_template = "mes/workorder_detail.html"


class OperationResource(Resource):
    model = Operation
    namespace = "mes"
    list_fields = ["work_order", "sequence", "work_center", "name", "status", "planned_start", "quantity_good"]
    filter_fields = ["status", "work_center", "quality_blocked"]
    search_fields = ["work_order__number", "name"]
    detail_fields = ["work_order", "sequence", "work_center", "name", "status", "setup_minutes",
                     "run_minutes_per_unit", "instructions", "planned_start", "planned_end",
                     "actual_start", "actual_end", "quantity_good", "quantity_scrap", "scrap_reason",
                     "machine_good", "machine_scrap", "quality_blocked"]
    related = [Related("Required checks", "required_checks", ["name", "item", "operation_sequence", "work_center"]),
               Related("Quality checks", "quality_checks", ["checked_at", "name", "result", "measured_value",
                                                            "inspector"]),
               Related("Time logs", "time_logs", ["operator", "kind", "started_at", "ended_at"])]
    actions = {
        "start": Action(operations.operation_start),
        "pause": Action(operations.operation_pause, style="warning"),
        "resume": Action(operations.operation_resume),
        "finish": Action(operations.operation_finish, form_class=FinishForm, style="success"),
    }
    can_create = can_edit = False
    select_related = ["work_order", "work_center"]
    # adds the "Record time" form (time worked after the fact: mes.views.OperationRecordTimeView)
    detail_template = "mes/operation_detail.html"

    @classmethod
    def detail_context(cls, obj) -> dict:
        """The form while the operation's work order may be worked on (what `operation_time_record` accepts)."""
        if obj.work_order.status not in OPEN_WORK_ORDER_STATUSES:
            return {}
        return {"record_time_form": RecordTimeForm(auto_id="id_record_time_%s")}
