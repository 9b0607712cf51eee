"""API serializers of quality (inspection plans, checks, non-conformances, held stock), downtime and OEE."""

from django.contrib.auth import get_user_model
from rest_framework import serializers

from apps.core.api.serializers import (
    ScopedPrimaryKeyRelatedField,
    SuiteChildSerializer,
    SuiteModelSerializer,
    SuiteSerializer,
    WorkflowFieldsMixin,
)
from apps.mes.choices import Disposition, RejectDestination
from apps.mes.models import (
    CheckDefinition,
    DowntimeEvent,
    DowntimeReason,
    InspectionPlan,
    NonConformance,
    QualityCheck,
)
from apps.scm.models import Location, StockQuant

DECIMAL = {"max_digits": 18, "decimal_places": 4}


# ---- inspection plans ------------------------------------------------------------------------------------
class CheckDefinitionSerializer(SuiteChildSerializer):
    """One check of a plan; a measurement passes within [nominal - lower_tolerance, nominal + upper_tolerance]."""

    lower_limit = serializers.DecimalField(max_digits=18, decimal_places=6, read_only=True, allow_null=True)
    upper_limit = serializers.DecimalField(max_digits=18, decimal_places=6, read_only=True, allow_null=True)

    class Meta:
        model = CheckDefinition
        fields = ["id", "sequence", "name", "kind", "nominal", "lower_tolerance", "upper_tolerance", "unit",
                  "lower_limit", "upper_limit"]
        read_only_fields = ["id"]


class InspectionPlanSerializer(SuiteModelSerializer):
    checks = CheckDefinitionSerializer(many=True, required=False)

    class Meta:
        model = InspectionPlan
        fields = ["id", "company", "item", "name", "operation_sequence", "work_center", "is_active", "notes",
                  "checks", "created_at", "updated_at"]
        validators = []  # (company, name) is checked by the service, naming the field


# ---- check results ------------------------------------------------------------------------------------------
class QualityCheckSerializer(SuiteModelSerializer):
    """A recorded result. POST records one: `passed` for a pass/fail check, `measured_value` for a measurement;
    a failure raises a non-conformance (and blocks the operation)."""

    passed = serializers.BooleanField(allow_null=True, required=False, default=None,
                                      help_text="Pass/fail checks only; measurements pass by their tolerances.")
    nonconformance_description = serializers.CharField(write_only=True, required=False, allow_blank=True,
                                                       help_text="Description of the non-conformance on failure.")
    customer_facing = serializers.BooleanField(write_only=True, required=False, default=False)
    nonconformance = serializers.SerializerMethodField(help_text="Number of the non-conformance a failure raised.")

    class Meta:
        model = QualityCheck
        fields = ["id", "company", "check_definition", "name", "kind", "item", "operation", "receipt_line",
                  "measured_value", "lower_limit", "upper_limit", "unit", "passed", "result", "quantity", "notes",
                  "inspector", "checked_at", "nonconformance", "nonconformance_description", "customer_facing",
                  "created_at", "updated_at"]
        read_only_fields = ["kind", "item", "lower_limit", "upper_limit", "unit", "result", "inspector",
                            "checked_at"]
        extra_kwargs = {"name": {"required": False}, "quantity": {"required": False}}

    def get_nonconformance(self, obj) -> str | None:
        numbers = [nc.number for nc in obj.nonconformances.all()]
        return numbers[0] if numbers else None


# ---- non-conformances ---------------------------------------------------------------------------------------
class NonConformanceSerializer(WorkflowFieldsMixin, SuiteModelSerializer):
    """POST raises a non-conformance by hand (open); `disposition` and `close` are workflow actions."""

    item_number = serializers.CharField(source="item.number", read_only=True)
    owner = ScopedPrimaryKeyRelatedField(queryset=get_user_model().objects.all(), required=False, allow_null=True)

    class Meta:
        model = NonConformance
        fields = ["id", "company", "number", "item", "item_number", "description", "quantity", "disposition",
                  "disposition_notes", "status", "owner", "reference", "customer_facing", "quality_check",
                  "operation", "receipt_line", "blocks_operation", "raised_by", "dispositioned_at", "closed_on",
                  "closed_by", "allowed_transitions", "created_at", "updated_at"]
        read_only_fields = ["number", "status", "disposition_notes", "quality_check", "operation", "receipt_line",
                            "blocks_operation", "raised_by", "dispositioned_at", "closed_on", "closed_by"]


class NonConformanceDispositionSerializer(SuiteSerializer):
    """Input of `disposition`: what happens to the non-conforming quantity."""

    disposition = serializers.ChoiceField(choices=Disposition.choices)
    notes = serializers.CharField(required=False, allow_blank=True, default="")
    owner = ScopedPrimaryKeyRelatedField(queryset=get_user_model().objects.all(), required=False, allow_null=True,
                                         default=None)


# ---- incoming inspection of held stock -------------------------------------------------------------------------
class HeldStockSerializer(SuiteChildSerializer):
    """Stock on hand at a quality-hold location, waiting for incoming inspection."""

    item_number = serializers.CharField(source="item.number", read_only=True)
    location_code = serializers.CharField(source="location.code", read_only=True)
    lot_code = serializers.CharField(source="lot.code", read_only=True, allow_null=True, default=None)
    available = serializers.DecimalField(**DECIMAL, read_only=True)

    class Meta:
        model = StockQuant
        fields = ["id", "company", "item", "item_number", "location", "location_code", "lot", "lot_code", "on_hand",
                  "reserved", "available"]
        read_only_fields = fields


class HeldStockReleaseSerializer(SuiteSerializer):
    """Inspection passed: move `quantity` to `to_location` (internal, not on hold)."""

    quantity = serializers.DecimalField(**DECIMAL)
    to_location = ScopedPrimaryKeyRelatedField(queryset=Location.objects.all())


class HeldStockRejectSerializer(SuiteSerializer):
    """Inspection failed: scrap `quantity` or return it to the supplier, with a non-conformance."""

    quantity = serializers.DecimalField(**DECIMAL)
    destination = serializers.ChoiceField(choices=RejectDestination.choices)
    description = serializers.CharField()
    customer_facing = serializers.BooleanField(required=False, default=False)


# ---- downtime ---------------------------------------------------------------------------------------------------
class DowntimeReasonSerializer(SuiteModelSerializer):
    class Meta:
        model = DowntimeReason
        fields = ["id", "company", "code", "name", "kind", "machine_code", "is_active", "created_at", "updated_at"]
        validators = []  # (company, code) is checked by the service, naming the field


class DowntimeEventSerializer(SuiteModelSerializer):
    """A period [start, end) a work center stood still; reported periods of one work center never overlap; a
    machine's period (`source` machine) has its times from the signals (`end` null while still down)."""

    duration_minutes = serializers.DecimalField(max_digits=12, decimal_places=2, read_only=True)
    reason_kind = serializers.CharField(source="reason.kind", read_only=True)

    class Meta:
        model = DowntimeEvent
        fields = ["id", "company", "work_center", "reason", "reason_kind", "start", "end", "duration_minutes",
                  "notes", "reported_by", "source", "equipment", "machine_reason", "created_at", "updated_at"]
        read_only_fields = ["reported_by", "source", "equipment", "machine_reason"]
        # a reported period needs its end; only a machine's period is open (null) while it is still down
        extra_kwargs = {"end": {"required": True}}


# ---- OEE --------------------------------------------------------------------------------------------------------
class OeeQuerySerializer(SuiteSerializer):
    date_from = serializers.DateField(help_text="First day (inclusive).")
    date_to = serializers.DateField(help_text="Last day (inclusive); at most 366 days after date_from.")


class OeeFiguresSerializer(SuiteSerializer):
    """OEE of one day (or of the range, `date` null): components in minutes and units, ratios 0-1 (4 places)."""

    MINUTES = {"max_digits": 12, "decimal_places": 2}
    RATIO = {"max_digits": 9, "decimal_places": 4, "allow_null": True}

    date = serializers.DateField(allow_null=True)
    calendar_minutes = serializers.DecimalField(**MINUTES)
    planned_downtime_minutes = serializers.DecimalField(**MINUTES)
    planned_production_minutes = serializers.DecimalField(**MINUTES)
    unplanned_downtime_minutes = serializers.DecimalField(**MINUTES)
    run_minutes = serializers.DecimalField(**MINUTES)
    ideal_minutes = serializers.DecimalField(**MINUTES)
    quantity_good = serializers.DecimalField(**DECIMAL)
    quantity_scrap = serializers.DecimalField(**DECIMAL)
    availability = serializers.DecimalField(**RATIO)
    performance = serializers.DecimalField(**RATIO)
    quality = serializers.DecimalField(**RATIO)
    oee = serializers.DecimalField(**RATIO)


class OeeReportSerializer(SuiteSerializer):
    work_center = serializers.IntegerField(source="work_center.pk")
    work_center_code = serializers.CharField(source="work_center.code")
    date_from = serializers.DateField()
    date_to = serializers.DateField()
    days = OeeFiguresSerializer(many=True)
    total = OeeFiguresSerializer()
