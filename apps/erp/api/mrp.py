"""The MRP API (API.md: erp/mrp-runs/, erp/planned-orders/), and item planning parameters (erp/item-planning/)."""

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from apps.core.api.filtersets import SuiteFilterSet
from apps.core.api.serializers import (
    ScopedPrimaryKeyRelatedField,
    SuiteChildSerializer,
    SuiteModelSerializer,
    SuiteSerializer,
    WorkflowFieldsMixin,
)
from apps.core.api.viewsets import SuiteModelViewSet, SuiteReadOnlyViewSet, workflow_action
from apps.core.errors import PermissionDeniedError
from apps.core.workflow import may_take_step
from apps.erp.models import ItemPlanning, MrpMessage, MrpRun, PegKind, PlannedOrder, PlannedOrderStatus
from apps.erp.models.mrp import load_pegs
from apps.erp.services.mrp import planning
from apps.erp.services.mrp.release import planned_order_release, planned_orders_release
from apps.erp.services.mrp.run import mrp_run_cancel, mrp_run_start


# ---- item planning -----------------------------------------------------------------------------------------------
class ItemPlanningSerializer(SuiteModelSerializer):
    item_number = serializers.CharField(source="item.number", read_only=True)

    class Meta:
        model = ItemPlanning
        fields = ["id", "company", "item", "item_number", "lot_sizing", "fixed_quantity", "minimum_quantity",
                  "multiple", "safety_stock", "lead_time_days", "created_at", "updated_at"]


class ItemPlanningViewSet(SuiteModelViewSet):
    """How MRP orders each item: lot sizing, minimum, multiple, safety stock, fixed lead time."""

    queryset = ItemPlanning.objects.select_related("item")
    serializer_class = ItemPlanningSerializer
    filterset_fields = ["item", "lot_sizing"]
    search_fields = ["item__number", "item__name"]
    services = {"create": planning.item_planning_create, "update": planning.item_planning_update,
                "delete": planning.item_planning_delete}


# ---- runs --------------------------------------------------------------------------------------------------------
class MrpRunSerializer(WorkflowFieldsMixin, SuiteModelSerializer):
    progress = serializers.IntegerField(read_only=True, help_text="Percent of the items planned.")
    planned_orders = serializers.SerializerMethodField(help_text="How many planned orders the run proposed.")
    start_date = serializers.DateField(required=False, help_text="The first day bucket; default: today.")

    class Meta:
        model = MrpRun
        fields = ["id", "company", "number", "status", "start_date", "horizon_days", "progress", "items_planned",
                  "items_total", "planned_orders", "inputs", "results", "error", "started_by", "started_at",
                  "finished_at", "allowed_transitions", "created_at", "updated_at"]
        read_only_fields = ["number", "status", "items_planned", "items_total", "inputs", "results", "error",
                            "started_by", "started_at", "finished_at"]


    def get_planned_orders(self, run) -> int:
        return int(run.results.get("planned_orders", 0))


def _start(*, company, actor, start_date=None, horizon_days: int = 120, **_ignored) -> MrpRun:
    return mrp_run_start(company=company, actor=actor, start_date=start_date, horizon_days=horizon_days)


class MrpRunFilterSet(SuiteFilterSet):
    class Meta:
        model = MrpRun
        fields = ["status", "number"]


class MrpRunViewSet(SuiteModelViewSet):
    """MRP runs: `POST` starts one (a Celery task; 409 while the company has one queued or running); its `progress`
    and `status` show how far it got; `cancel` stops it."""

    queryset = MrpRun.objects.all()
    serializer_class = MrpRunSerializer
    filterset_class = MrpRunFilterSet
    search_fields = ["number"]
    ordering_fields = ["number", "start_date", "created_at", "updated_at"]
    http_method_names = ["get", "post", "head", "options"]
    services = {"create": _start}

    cancel = workflow_action("cancel", mrp_run_cancel, summary="Cancel a queued or running run")


# ---- planned orders ----------------------------------------------------------------------------------------------
class PegSerializer(SuiteSerializer):
    """One demand a planned order covers, and how much of it; the ids and numbers of its document (null when it has
    none: safety stock, the lot-size excess)."""

    kind = serializers.ChoiceField(choices=PegKind.choices, read_only=True)
    quantity = serializers.DecimalField(max_digits=18, decimal_places=4, read_only=True)
    due_date = serializers.DateField(read_only=True, help_text="When the demand needs it.")
    sales_order_line = serializers.IntegerField(source="sales_order_line.pk", read_only=True, allow_null=True,
                                                default=None)
    sales_order = serializers.CharField(source="sales_order_line.order.number", read_only=True, allow_null=True,
                                        default=None)
    parent_planned_order = serializers.IntegerField(source="parent_planned_order.pk", read_only=True,
                                                    allow_null=True, default=None)
    parent_planned_order_number = serializers.CharField(source="parent_planned_order.number", read_only=True,
                                                        allow_null=True, default=None)
    work_order = serializers.IntegerField(source="work_order.pk", read_only=True, allow_null=True, default=None)
    work_order_number = serializers.CharField(source="work_order.number", read_only=True, allow_null=True,
                                              default=None)


class PlannedOrderSerializer(WorkflowFieldsMixin, SuiteModelSerializer):
    item_number = serializers.CharField(source="item.number", read_only=True)
    pegging = PegSerializer(source="pegs", many=True, read_only=True,
                            help_text="The demands it covers; the quantities add up to its quantity.")
    requisition_number = serializers.CharField(source="requisition.number", read_only=True, allow_null=True,
                                               default=None)
    work_order_number = serializers.CharField(source="work_order.number", read_only=True, allow_null=True,
                                              default=None)
    status = serializers.ChoiceField(source="current_status", choices=PlannedOrderStatus.choices, read_only=True,
                                     help_text="superseded: not released, and a later run of the company replaced "
                                               "its run.")

    class Meta:
        model = PlannedOrder
        fields = ["id", "company", "number", "run", "item", "item_number", "kind", "quantity", "due_date",
                  "start_date", "low_level_code", "is_late", "supplier", "status", "pegging", "released_at",
                  "released_by", "requisition", "requisition_number", "work_order", "work_order_number",
                  "allowed_transitions", "created_at", "updated_at"]
        read_only_fields = fields


class PlannedOrderFilterSet(SuiteFilterSet):
    late = django_filters.BooleanFilter(field_name="is_late")
    status = django_filters.ChoiceFilter(choices=PlannedOrderStatus.choices, method="filter_status")

    class Meta:
        model = PlannedOrder
        fields = ["run", "item", "kind", "status", "is_late", "supplier", "low_level_code"]

    def filter_status(self, queryset, name, value):
        return queryset.with_status(value)


class ReleaseManySerializer(SuiteSerializer):
    planned_orders = serializers.ListField(child=serializers.IntegerField(min_value=1), min_length=1,
                                           max_length=500, help_text="Ids of planned orders to release together.")


class PlannedOrderViewSet(SuiteReadOnlyViewSet):
    """Planned orders of the runs: `release` one (`POST {id}/release/`) or several (`POST release/`) into SCM
    purchase order drafts / requisitions and MES work order drafts, exactly once."""

    queryset = PlannedOrder.objects.select_related("item", "run", "requisition", "work_order")
    serializer_class = PlannedOrderSerializer
    filterset_class = PlannedOrderFilterSet
    search_fields = ["number", "item__number", "item__name"]
    ordering_fields = ["number", "due_date", "start_date", "quantity", "created_at", "updated_at"]
    ordering = ["start_date", "id"]

    release = workflow_action("release", planned_order_release,
                              summary="Release into a purchase order draft / requisition or a work order draft")

    def paginate_queryset(self, queryset):
        """A page of planned orders, their pegs' documents loaded for the whole page at once."""
        page = super().paginate_queryset(queryset)
        if page is not None:
            load_pegs(page)
        return page

    @extend_schema(request=ReleaseManySerializer, responses=PlannedOrderSerializer(many=True),
                   operation_id="erp_planned_orders_release_many",
                   summary="Release several planned orders at once (purchases grouped per supplier)")
    @action(detail=False, methods=["post"], url_path="release")
    def release_many(self, request):
        incoming = ReleaseManySerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        wanted = incoming.validated_data["planned_orders"]
        orders = list(self.filter_queryset(self.get_queryset()).filter(pk__in=wanted))
        missing = sorted(set(wanted) - {o.pk for o in orders})
        if missing:
            raise serializers.ValidationError({"planned_orders": [f"Not found: {missing}."]})
        for order in orders:
            if not may_take_step(order, "release", request.user):
                raise PermissionDeniedError("planned_orders", f"Your role in {order.company} may not release "
                                                              "planned orders.")
        released = planned_orders_release(planned_orders=orders, actor=request.user)
        load_pegs(released)
        return Response(self.get_serializer(released, many=True).data)


class MrpMessageSerializer(SuiteChildSerializer):
    item_number = serializers.CharField(source="item.number", read_only=True)
    planned_order = ScopedPrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = MrpMessage
        fields = ["id", "run", "item", "item_number", "kind", "planned_order", "document", "due_date",
                  "suggested_date", "quantity", "text", "created_at", "updated_at"]
        read_only_fields = fields


class MrpMessageViewSet(SuiteReadOnlyViewSet):
    """A run's exception messages: late, expedite, defer, cancel."""

    queryset = MrpMessage.objects.select_related("item")
    serializer_class = MrpMessageSerializer
    filterset_fields = ["run", "item", "kind"]
    search_fields = ["text", "document", "item__number"]
    ordering = ["id"]
