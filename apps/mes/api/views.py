"""MES production API: work centers, routings, definitions, work orders, operations, genealogy."""

from django.db.models import Prefetch
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.api.serializers import validated_query
from apps.core.api.viewsets import SuiteModelViewSet, SuiteReadOnlyViewSet, workflow_action
from apps.core.errors import DomainError
from apps.core.permissions import companies_with_perm
from apps.core.scoping import scope_queryset
from apps.mes import selectors
from apps.mes.api import filters
from apps.mes.api import serializers as s
from apps.mes.models import ManufacturingDefinition, Operation, OperationTimeLog, Routing, WorkCenter, WorkOrder
from apps.mes.services import masterdata, operations, workorders
from apps.scm.models import Lot


class WorkCenterViewSet(SuiteModelViewSet):
    """Work centers with their shift calendar and equipment."""

    queryset = WorkCenter.objects.prefetch_related("shifts", "equipment")
    serializer_class = s.WorkCenterSerializer
    filterset_class = filters.WorkCenterFilterSet
    search_fields = ["code", "name"]
    ordering_fields = ["code", "name", "created_at", "updated_at"]
    services = {"create": masterdata.work_center_create, "update": masterdata.work_center_update}


class RoutingViewSet(SuiteModelViewSet):
    """Routings: per item, ordered operations at work centers."""

    queryset = Routing.objects.select_related("item").prefetch_related("operations__required_checks")
    serializer_class = s.RoutingSerializer
    filterset_class = filters.RoutingFilterSet
    search_fields = ["item__number", "name"]
    ordering_fields = ["item__number", "created_at", "updated_at"]
    services = {"create": masterdata.routing_create, "update": masterdata.routing_update}


class ManufacturingDefinitionViewSet(SuiteReadOnlyViewSet):
    """BOM snapshots of released revisions, as received from PLM (read only)."""

    queryset = ManufacturingDefinition.objects.prefetch_related("lines__component", "lines__uom")
    serializer_class = s.ManufacturingDefinitionSerializer
    filterset_class = filters.ManufacturingDefinitionFilterSet
    search_fields = ["item__number", "eco_number"]
    ordering_fields = ["created_at", "updated_at"]


class WorkOrderViewSet(SuiteModelViewSet):
    """Work orders; workflow steps `release`, `start`, `complete`, `close`, `close_short`, `cancel`."""

    queryset = WorkOrder.objects.prefetch_related("operations", "materials")
    serializer_class = s.WorkOrderSerializer
    filterset_class = filters.WorkOrderFilterSet
    search_fields = ["number", "item__number", "source_reference"]
    ordering_fields = ["number", "due_date", "priority", "created_at", "updated_at"]
    services = {"create": workorders.work_order_create, "update": workorders.work_order_update}

    def perform_destroy(self, instance):
        if instance.status != "draft":
            raise DomainError("status", "Only draft work orders can be deleted; cancel it instead.")
        super().perform_destroy(instance)

    release = workflow_action("release", workorders.work_order_release, input_serializer=s.WorkOrderReleaseSerializer,
                              summary="Release: copy the routing, reserve components, schedule")
    start = workflow_action("start", workorders.work_order_start)
    complete = workflow_action("complete", workorders.work_order_complete,
                               input_serializer=s.WorkOrderCompleteSerializer,
                               summary="Complete (partially): consume, receive, record genealogy")
    close = workflow_action("close", workorders.work_order_close)
    close_short = workflow_action("close_short", workorders.work_order_close_short,
                                  input_serializer=s.WorkOrderCloseShortSerializer,
                                  summary="Close short: finish with what was completed, unreserve the rest")
    cancel = workflow_action("cancel", workorders.work_order_cancel)


def _record_time(*, operation: Operation, actor, **data) -> Operation:
    """`operation_time_record`, answered like the other steps: with the operation (its `time_logs` show the new
    one)."""
    return operations.operation_time_record(operation=operation, actor=actor, **data).operation


class OperationViewSet(SuiteReadOnlyViewSet):
    """Work order operations on the floor; actions `start`, `pause`, `resume`, `finish`, `record_time`."""

    queryset = Operation.objects.select_related("work_order").prefetch_related(
        Prefetch("time_logs", queryset=OperationTimeLog.objects.order_by("started_at")), "required_checks")
    serializer_class = s.OperationSerializer
    filterset_class = filters.OperationFilterSet
    search_fields = ["work_order__number", "name"]
    ordering_fields = ["sequence", "planned_start", "created_at", "updated_at"]

    start = workflow_action("start", operations.operation_start, input_serializer=s.OperationStartSerializer)
    pause = workflow_action("pause", operations.operation_pause)
    resume = workflow_action("resume", operations.operation_resume)
    finish = workflow_action("finish", operations.operation_finish, input_serializer=s.OperationFinishSerializer)
    record_time = workflow_action("record_time", _record_time, input_serializer=s.OperationRecordTimeSerializer,
                                  summary="Record time worked after the fact (a closed time log)")


class GenealogyView(APIView):
    """`GET ?lot=<code>[&item=<id>]`: what the lot was made of and what was made from it, all levels."""

    @extend_schema(parameters=[s.GenealogyQuerySerializer], responses=s.GenealogySerializer)
    def get(self, request):
        readable = companies_with_perm(request.user, "mes.view_genealogylink")
        if not readable:
            raise PermissionDenied()
        query = validated_query(request, s.GenealogyQuerySerializer)
        code = query["lot"]
        lots = scope_queryset(Lot.objects.filter(code=code), request.user, readable).select_related("item")
        if query.get("item"):
            lots = lots.filter(item_id=query["item"])
        lots = list(lots[:2])
        if not lots:
            raise Http404("No such lot.")
        if len(lots) > 1:
            raise DomainError("item", f"Several items have a lot {code}: add ?item=<id>.", code="ambiguous")
        return Response(s.GenealogySerializer(selectors.lot_genealogy(lot=lots[0])).data)
