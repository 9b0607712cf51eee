"""MES production API serializers."""

from decimal import Decimal

from rest_framework import serializers

from apps.core.api.serializers import (
    IdQueryField,
    ScopedPrimaryKeyRelatedField,
    SuiteChildSerializer,
    SuiteModelSerializer,
    SuiteSerializer,
    WorkflowFieldsMixin,
)
from apps.mes.choices import TimeLogKind
from apps.mes.models import (
    Equipment,
    InspectionPlan,
    ManufacturingDefinition,
    ManufacturingDefinitionLine,
    Operation,
    OperationTimeLog,
    Routing,
    RoutingOperation,
    WorkCenter,
    WorkCenterShift,
    WorkOrder,
    WorkOrderMaterial,
)
from apps.scm.models import Lot

QUANTITY = {"max_digits": 18, "decimal_places": 4}


# ---- work centers ---------------------------------------------------------------------------------
class WorkCenterShiftSerializer(SuiteChildSerializer):
    class Meta:
        model = WorkCenterShift
        fields = ["weekday", "start_time", "hours"]


class EquipmentSerializer(SuiteChildSerializer):
    machine_state = serializers.CharField(read_only=True, help_text="What its signals say now: running, idle, "
                                          "down or unknown (silent); empty before its first signal.")

    class Meta:
        model = Equipment
        fields = ["code", "name", "serial_number", "is_active", "connection", "opcua_endpoint", "opcua_state_node",
                  "opcua_reason_node", "opcua_good_node", "opcua_scrap_node", "machine_state", "state_reason",
                  "state_since", "last_signal_at"]
        read_only_fields = ["machine_state", "state_reason", "state_since", "last_signal_at"]


class WorkCenterSerializer(SuiteModelSerializer):
    shifts = WorkCenterShiftSerializer(many=True, required=False)
    equipment = EquipmentSerializer(many=True, required=False)

    class Meta:
        model = WorkCenter
        fields = ["id", "company", "code", "name", "description", "hourly_rate", "machine_hourly_rate",
                  "capacity_hours_per_day", "status", "is_active", "shifts", "equipment", "created_at", "updated_at"]
        validators = []  # unique code per company: checked by the service, answered naming `code`


# ---- routings -------------------------------------------------------------------------------------
class RoutingOperationSerializer(SuiteChildSerializer):
    required_checks = ScopedPrimaryKeyRelatedField(
        many=True, required=False, queryset=InspectionPlan.objects.all(),
        help_text="Ids of the inspection plans (of the routing's item) that must pass before the operation "
                  "finishes.")

    class Meta:
        model = RoutingOperation
        fields = ["sequence", "work_center", "name", "setup_minutes", "run_minutes_per_unit", "instructions",
                  "required_checks"]


class RoutingSerializer(SuiteModelSerializer):
    operations = RoutingOperationSerializer(many=True)

    class Meta:
        model = Routing
        fields = ["id", "company", "item", "name", "is_active", "operations", "created_at", "updated_at"]
        validators = []  # one routing per item: the service answers with a message naming `item`


# ---- manufacturing definitions --------------------------------------------------------------------
class ManufacturingDefinitionLineSerializer(SuiteChildSerializer):
    component_number = serializers.CharField(source="component.number", read_only=True)
    uom = serializers.CharField(source="uom.code", read_only=True)

    class Meta:
        model = ManufacturingDefinitionLine
        fields = ["position", "component", "component_number", "quantity", "uom", "scrap_percent"]


class ManufacturingDefinitionSerializer(SuiteModelSerializer):
    lines = ManufacturingDefinitionLineSerializer(many=True, read_only=True)

    class Meta:
        model = ManufacturingDefinition
        fields = ["id", "company", "item", "revision", "eco_number", "effective_from", "source_event", "lines",
                  "created_at", "updated_at"]
        read_only_fields = fields


# ---- work orders and operations -------------------------------------------------------------------
class OperationTimeLogSerializer(SuiteChildSerializer):
    class Meta:
        model = OperationTimeLog
        fields = ["id", "operator", "kind", "started_at", "ended_at"]


class OperationSerializer(WorkflowFieldsMixin, SuiteModelSerializer):
    work_order_number = serializers.CharField(source="work_order.number", read_only=True)
    time_logs = OperationTimeLogSerializer(many=True, read_only=True)

    class Meta:
        model = Operation
        fields = ["id", "work_order", "work_order_number", "sequence", "work_center", "name", "setup_minutes",
                  "run_minutes_per_unit", "instructions", "required_checks", "status", "planned_start",
                  "planned_end", "actual_start", "actual_end", "quantity_good", "quantity_scrap", "scrap_reason",
                  "machine_good", "machine_scrap", "quality_blocked", "time_logs", "allowed_transitions", "created_at",
                  "updated_at"]
        read_only_fields = fields


class WorkOrderOperationSerializer(SuiteChildSerializer):
    class Meta:
        model = Operation
        fields = ["id", "sequence", "work_center", "name", "setup_minutes", "run_minutes_per_unit", "status",
                  "planned_start", "planned_end", "quantity_good", "quantity_scrap", "quality_blocked"]


class WorkOrderMaterialSerializer(SuiteChildSerializer):
    class Meta:
        model = WorkOrderMaterial
        fields = ["id", "component", "quantity_per", "scrap_percent", "quantity_required", "quantity_consumed",
                  "location"]


class WorkOrderSerializer(WorkflowFieldsMixin, SuiteModelSerializer):
    operations = WorkOrderOperationSerializer(many=True, read_only=True)
    materials = WorkOrderMaterialSerializer(many=True, read_only=True)

    class Meta:
        model = WorkOrder
        fields = ["id", "company", "number", "item", "revision", "definition", "quantity", "due_date", "priority",
                  "status", "source", "source_reference", "location", "finished_location",
                  "over_completion_percent", "quantity_good", "quantity_scrap", "needs_review", "review_reason",
                  "material_cost", "labour_cost", "machine_cost", "released_at", "completed_at", "notes",
                  "operations", "materials", "allowed_transitions", "created_at", "updated_at"]
        read_only_fields = ["number", "definition", "status", "quantity_good", "quantity_scrap", "needs_review",
                            "review_reason", "material_cost", "labour_cost", "machine_cost", "released_at",
                            "completed_at"]
        validators = []


class WorkOrderReleaseSerializer(SuiteSerializer):
    """Input of `release`: where to reserve the components, and whether shortages may be released."""

    location = ScopedPrimaryKeyRelatedField(
        queryset=WorkOrder._meta.get_field("location").related_model.objects.all(), required=False,
        allow_null=True, help_text="Internal location to reserve at; default: the order's or the first one.")
    allow_shortage = serializers.BooleanField(required=False, default=False)

    def validate_location(self, value):
        from apps.core.scoping import scope_queryset

        request = self.context.get("request")
        if value is not None and request is not None and not scope_queryset(
                type(value).objects.filter(pk=value.pk), request.user).exists():
            raise serializers.ValidationError("Unknown location.")
        return value


class ConsumedLotSerializer(SuiteSerializer):
    component = serializers.IntegerField(help_text="Component item id.")
    lot = serializers.CharField(help_text="Lot or serial code of that component.")
    quantity = serializers.DecimalField(**QUANTITY, min_value=Decimal("0.0001"))


class WorkOrderCompleteSerializer(SuiteSerializer):
    """Input of `complete`."""

    quantity_good = serializers.DecimalField(
        **QUANTITY, required=False, allow_null=True, default=None,
        help_text="Default: the good units the last operation passed that no completion reported yet.")
    quantity_scrap = serializers.DecimalField(
        **QUANTITY, required=False, allow_null=True, default=None,
        help_text="Default: the units scrapped on the operations that no completion reported yet.")
    lot_code = serializers.CharField(required=False, allow_blank=True, allow_null=True, max_length=60, default=None)
    serials = serializers.ListField(child=serializers.CharField(max_length=60), required=False, default=None,
                                    allow_null=True)
    consumed_lots = ConsumedLotSerializer(many=True, required=False, default=None, allow_null=True,
                                          help_text="Lots the operator chose; default: backflush the reserved ones.")


OVERRIDE_HELP = "Run it out of the routing sequence (supervisors: `mes.override_sequence`); audited."


class OperationStartSerializer(SuiteSerializer):
    kind = serializers.ChoiceField(choices=OperationTimeLog._meta.get_field("kind").choices, required=False,
                                   default=None, allow_null=True)
    override_sequence = serializers.BooleanField(required=False, default=False, help_text=OVERRIDE_HELP)


class OperationFinishSerializer(SuiteSerializer):
    """Input of `finish`."""

    quantity_good = serializers.DecimalField(**QUANTITY)
    quantity_scrap = serializers.DecimalField(**QUANTITY, required=False, default=Decimal(0))
    scrap_reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
    override_sequence = serializers.BooleanField(required=False, default=False, help_text=OVERRIDE_HELP)
    finished_at = serializers.DateTimeField(
        required=False, allow_null=True, default=None,
        help_text="When it finished, for a finish reported after the fact (not in the future, not before the "
                  "operation or an open time log started); open time logs end then. Default: now.")


class OperationRecordTimeSerializer(SuiteSerializer):
    """Input of `record_time`: time worked on the operation after the fact, recorded as a closed time log."""

    started_at = serializers.DateTimeField()
    ended_at = serializers.DateTimeField(help_text="After `started_at`, not in the future.")
    kind = serializers.ChoiceField(choices=TimeLogKind.choices, required=False, default=TimeLogKind.RUN)
    override_sequence = serializers.BooleanField(
        required=False, default=False,
        help_text="Start a pending operation out of the routing sequence (supervisors: `mes.override_sequence`); "
                  "audited.")


class WorkOrderCloseShortSerializer(SuiteSerializer):
    """Input of `close_short`."""

    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)


# ---- genealogy ------------------------------------------------------------------------------------
class GenealogyQuerySerializer(SuiteSerializer):
    lot = serializers.CharField(max_length=Lot._meta.get_field("code").max_length,
                                help_text="Lot or serial code.")
    item = IdQueryField(required=False, help_text="Item id, when the code is used by several.")


class GenealogyDocumentSerializer(SuiteSerializer):
    move_id = serializers.IntegerField()
    quantity = serializers.CharField()
    date = serializers.DateTimeField(allow_null=True)
    reference = serializers.CharField()
    receipt = serializers.CharField(required=False, allow_null=True)
    purchase_order = serializers.CharField(required=False, allow_null=True)
    supplier = serializers.CharField(required=False, allow_null=True)
    shipment = serializers.CharField(required=False, allow_null=True)
    sales_order = serializers.CharField(required=False, allow_null=True)
    customer = serializers.CharField(required=False, allow_null=True)


class GenealogyLotSerializer(SuiteSerializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    item_id = serializers.IntegerField()
    item = serializers.CharField()
    is_serial = serializers.BooleanField()
    receipts = GenealogyDocumentSerializer(many=True)
    shipments = GenealogyDocumentSerializer(many=True)


class GenealogyNodeSerializer(SuiteSerializer):
    depth = serializers.IntegerField()
    from_lot_id = serializers.IntegerField()
    lot_id = serializers.IntegerField()
    lot = serializers.CharField()
    is_serial = serializers.BooleanField()
    item_id = serializers.IntegerField()
    item = serializers.CharField()
    item_name = serializers.CharField()
    quantity = serializers.CharField()
    work_order = serializers.CharField(allow_null=True)
    is_leaf = serializers.BooleanField()
    receipts = GenealogyDocumentSerializer(many=True, required=False)
    shipments = GenealogyDocumentSerializer(many=True, required=False)


class GenealogySerializer(SuiteSerializer):
    lot = GenealogyLotSerializer()
    backward = GenealogyNodeSerializer(many=True, help_text="What the lot was made of, all levels.")
    forward = GenealogyNodeSerializer(many=True, help_text="What the lot went into, all levels.")
