"""Browser screens of quality and downtime, declared as Resources."""

from django import forms

from apps.core.ui.resource import Action, Inline, Related, Resource
from apps.core.ui.widgets import PickerWidget
from apps.mes.api.filters_quality import DowntimeEventFilterSet, NonConformanceFilterSet, QualityCheckFilterSet
from apps.mes.choices import Disposition, OperationStatus
from apps.mes.models import DowntimeEvent, DowntimeReason, InspectionPlan, NonConformance, Operation, QualityCheck
from apps.mes.services.downtime import (
    downtime_reason_create,
    downtime_reason_update,
    downtime_record,
    downtime_update,
)
from apps.mes.services.quality import (
    inspection_plan_create,
    inspection_plan_update,
    nonconformance_close,
    nonconformance_disposition,
    nonconformance_raise,
    quality_check_record,
)

DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class InspectionPlanResource(Resource):
    model = InspectionPlan
    namespace = "mes"
    list_fields = ["name", "item", "operation_sequence", "work_center", "is_active"]
    filter_fields = ["is_active", "work_center"]
    search_fields = ["name", "item__number"]
    form_fields = ["item", "name", "operation_sequence", "work_center", "is_active", "notes"]
    widgets = {"work_center": PickerWidget(filter={"is_active": True})}
    inlines = [Inline("checks", ["sequence", "name", "kind", "nominal", "lower_tolerance", "upper_tolerance", "unit"])]
    services = {"create": inspection_plan_create, "update": inspection_plan_update}
    select_related = ["item", "work_center"]


class QualityCheckForm(forms.ModelForm):
    """Record a check result: pass/fail, or the measured value of a measurement."""

    passed = forms.TypedChoiceField(choices=[("", "— (measurement)"), ("pass", "Pass"), ("fail", "Fail")],
                                    coerce=lambda v: v == "pass", empty_value=None, required=False,
                                    help_text="For pass/fail checks.")
    nonconformance_description = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False,
                                                 help_text="What is wrong, if the check fails.")
    customer_facing = forms.BooleanField(required=False)

    class Meta:
        model = QualityCheck
        fields = ["check_definition", "name", "operation", "receipt_line", "measured_value", "quantity", "notes"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].required = False
        self.fields["name"].help_text = "Only for a check without definition."
        self.fields["operation"].queryset = (Operation.objects.exclude(status=OperationStatus.DONE)
                                             .select_related("work_order"))
        self.fields["check_definition"].queryset = self.fields["check_definition"].queryset.select_related("plan")
        self.fields["receipt_line"].queryset = self.fields["receipt_line"].queryset.select_related(
            "receipt", "purchase_order_line__item")


class QualityCheckResource(Resource):
    model = QualityCheck
    namespace = "mes"
    title_plural = "Quality checks"
    list_fields = ["checked_at", "name", "item", "operation", "receipt_line", "result", "measured_value", "quantity"]
    filterset_class = QualityCheckFilterSet
    search_fields = ["name", "item__number"]
    form_class = QualityCheckForm
    detail_fields = ["name", "kind", "item", "check_definition", "operation", "receipt_line", "measured_value",
                     "lower_limit", "upper_limit", "unit", "result", "quantity", "inspector", "checked_at", "notes"]
    related = [Related("Non-conformances raised", "nonconformances", ["number", "status", "disposition"])]
    services = {"create": quality_check_record}
    can_edit = False
    select_related = ["item", "operation__work_order", "receipt_line__receipt",
                      "receipt_line__purchase_order_line__item"]


class NonConformanceForm(forms.ModelForm):
    class Meta:
        model = NonConformance
        fields = ["item", "description", "quantity", "reference", "owner", "customer_facing"]


class DispositionForm(forms.Form):
    disposition = forms.ChoiceField(choices=Disposition.choices)
    notes = forms.CharField(required=False, widget=forms.TextInput(attrs={"placeholder": "Notes"}))


class NonConformanceResource(Resource):
    model = NonConformance
    namespace = "mes"
    name = "nonconformance"
    title, title_plural = "Non-conformance", "Non-conformances"
    list_fields = ["number", "item", "description", "quantity", "disposition", "status", "owner", "reference"]
    filterset_class = NonConformanceFilterSet
    search_fields = ["number", "description", "reference", "item__number"]
    form_class = NonConformanceForm
    detail_fields = ["number", "status", "item", "description", "quantity", "reference", "customer_facing",
                     "disposition", "disposition_notes", "owner", "quality_check", "operation", "receipt_line",
                     "blocks_operation", "raised_by", "created_at", "dispositioned_at", "closed_on", "closed_by"]
    services = {"create": nonconformance_raise}
    actions = {
        "disposition": Action(nonconformance_disposition, form_class=DispositionForm, label="Disposition"),
        "close": Action(nonconformance_close, label="Close", style="success"),
    }
    can_edit = False
    select_related = ["item", "owner"]


class DowntimeReasonResource(Resource):
    model = DowntimeReason
    namespace = "mes"
    list_fields = ["code", "name", "kind", "is_active"]
    filter_fields = ["kind", "is_active"]
    search_fields = ["code", "name"]
    form_fields = ["code", "name", "kind", "machine_code", "is_active"]
    services = {"create": downtime_reason_create, "update": downtime_reason_update}
    ordering = ["code"]


class DowntimeEventForm(forms.ModelForm):
    class Meta:
        model = DowntimeEvent
        fields = ["work_center", "reason", "start", "end", "notes"]
        widgets = {"start": DATETIME_WIDGET, "end": DATETIME_WIDGET, "notes": forms.Textarea(attrs={"rows": 2}),
                   "work_center": PickerWidget(filter={"is_active": True}),
                   "reason": PickerWidget(filter={"is_active": True})}


class DowntimeEventResource(Resource):
    model = DowntimeEvent
    namespace = "mes"
    name = "downtimeevent"
    title, title_plural = "Downtime", "Downtime"
    list_fields = ["start", "end", "work_center", "reason", "source", "equipment", "notes"]
    filterset_class = DowntimeEventFilterSet
    search_fields = ["notes", "reason__code", "work_center__code"]
    form_class = DowntimeEventForm
    detail_fields = ["work_center", "reason", "reason__kind", "start", "end", "duration_minutes", "notes",
                     "reported_by", "source", "equipment", "machine_reason"]
    services = {"create": downtime_record, "update": downtime_update}
    select_related = ["work_center", "reason"]
