"""API of quality (inspection plans, check results, non-conformances, incoming inspection), downtime and OEE."""

from django.db import transaction
from drf_spectacular.utils import extend_schema
from rest_framework import generics, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from apps.core.api.idempotency import IdempotencyMixin
from apps.core.api.viewsets import (
    ScopedQuerysetMixin,
    SuiteModelViewSet,
    workflow_action,
)
from apps.core.permissions import companies_with_perm, has_company_perm
from apps.mes.api import filters_quality as filters
from apps.mes.api import serializers_quality as s
from apps.mes.models import DowntimeEvent, DowntimeReason, InspectionPlan, NonConformance, QualityCheck, WorkCenter
from apps.mes.selectors_oee import work_center_oee
from apps.mes.selectors_quality import held_stock
from apps.mes.services.downtime import (
    downtime_delete,
    downtime_reason_create,
    downtime_reason_update,
    downtime_record,
    downtime_update,
)
from apps.mes.services.quality import (
    held_stock_reject,
    held_stock_release,
    inspection_plan_create,
    inspection_plan_update,
    nonconformance_close,
    nonconformance_disposition,
    nonconformance_raise,
    quality_check_record,
)


class InspectionPlanViewSet(SuiteModelViewSet):
    """What to check on an item, at an operation sequence or a work center (or, with neither, on receipt)."""

    queryset = InspectionPlan.objects.select_related("item", "work_center").prefetch_related("checks")
    serializer_class = s.InspectionPlanSerializer
    filterset_class = filters.InspectionPlanFilterSet
    search_fields = ["name", "item__number"]
    ordering_fields = ["name", "operation_sequence", "created_at", "updated_at"]
    services = {"create": inspection_plan_create, "update": inspection_plan_update}


class QualityCheckViewSet(SuiteModelViewSet):
    """Recorded check results (immutable): POST records one; a failure raises a non-conformance."""

    queryset = QualityCheck.objects.select_related("item").prefetch_related("nonconformances")
    serializer_class = s.QualityCheckSerializer
    filterset_class = filters.QualityCheckFilterSet
    search_fields = ["name", "item__number"]
    ordering_fields = ["checked_at", "created_at"]
    http_method_names = ["get", "post", "head", "options"]
    services = {"create": quality_check_record}


class NonConformanceViewSet(SuiteModelViewSet):
    """Non-conformances: raised by failed checks or by hand; dispositioned, then closed."""

    queryset = NonConformance.objects.select_related("item")
    serializer_class = s.NonConformanceSerializer
    filterset_class = filters.NonConformanceFilterSet
    search_fields = ["number", "description", "reference", "item__number"]
    ordering_fields = ["number", "created_at", "updated_at", "closed_on"]
    http_method_names = ["get", "post", "head", "options"]
    services = {"create": nonconformance_raise}

    disposition = workflow_action("disposition", nonconformance_disposition,
                                  input_serializer=s.NonConformanceDispositionSerializer,
                                  summary="Decide the disposition (rework, scrap, use as is, return to supplier)")
    close = workflow_action("close", nonconformance_close,
                            summary="Close; unblocks the operation when no other open non-conformance blocks it")


class DowntimeReasonViewSet(SuiteModelViewSet):
    queryset = DowntimeReason.objects.all()
    serializer_class = s.DowntimeReasonSerializer
    filterset_class = filters.DowntimeReasonFilterSet
    search_fields = ["code", "name"]
    ordering_fields = ["code", "name"]
    ordering = ["code"]
    services = {"create": downtime_reason_create, "update": downtime_reason_update}


class DowntimeEventViewSet(SuiteModelViewSet):
    """Periods work centers stood still; the end is after the start and periods never overlap."""

    queryset = DowntimeEvent.objects.select_related("reason")
    serializer_class = s.DowntimeEventSerializer
    filterset_class = filters.DowntimeEventFilterSet
    ordering_fields = ["start", "end", "created_at"]
    ordering = ["-start"]
    services = {"create": downtime_record, "update": downtime_update, "delete": downtime_delete}


class WorkCenterOeeView(ScopedQuerysetMixin, generics.GenericAPIView):
    """OEE of a work center per day and for the range (formulas: `apps.mes.selectors_oee`)."""

    queryset = WorkCenter.objects.all()
    serializer_class = s.OeeReportSerializer
    pagination_class = None
    filter_backends = []

    @extend_schema(parameters=[s.OeeQuerySerializer], responses=s.OeeReportSerializer,
                   summary="OEE = availability * performance * quality, per day and for the range")
    def get(self, request, pk: int):
        work_center = self.get_object()
        query = s.OeeQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        report = work_center_oee(work_center=work_center, **query.validated_data)
        return Response(s.OeeReportSerializer(report).data)


class HeldStockPermission(BasePermission):
    """Reading held stock needs `mes.view_qualitycheck`; deciding on it needs `mes.add_qualitycheck`, each in the
    company of the stock."""

    @staticmethod
    def needed(request) -> str:
        return "mes.view_qualitycheck" if request.method in ("GET", "HEAD", "OPTIONS") else "mes.add_qualitycheck"

    def has_permission(self, request, view):
        return bool(companies_with_perm(request.user, self.needed(request)))

    def has_object_permission(self, request, view, obj):
        return has_company_perm(request.user, self.needed(request), obj)


class HeldStockViewSet(ScopedQuerysetMixin, IdempotencyMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                       viewsets.GenericViewSet):
    """Incoming inspection: stock at quality-hold locations; `release` it into stock or `reject` it."""

    serializer_class = s.HeldStockSerializer
    permission_classes = [HeldStockPermission]
    filterset_fields = ["item", "location", "lot"]
    search_fields = ["item__number", "location__code", "lot__code"]
    ordering_fields = ["id"]
    ordering = ["id"]

    def get_queryset(self):
        return held_stock(company_ids=companies_with_perm(self.request.user, "mes.view_qualitycheck"))

    @extend_schema(request=s.HeldStockReleaseSerializer, responses=s.HeldStockSerializer,
                   summary="Release held stock into a normal internal location")
    @action(detail=True, methods=["post"])
    def release(self, request, pk=None):
        quant = self.get_object()
        incoming = s.HeldStockReleaseSerializer(data=request.data, context=self.get_serializer_context())
        incoming.is_valid(raise_exception=True)
        with transaction.atomic():
            held_stock_release(company=quant.company, item=quant.item, location=quant.location, lot=quant.lot,
                               actor=request.user, **incoming.validated_data)
        quant.refresh_from_db()
        return Response(s.HeldStockSerializer(quant).data)

    @extend_schema(request=s.HeldStockRejectSerializer, responses={201: s.NonConformanceSerializer},
                   summary="Reject held stock: scrap it or return it to the supplier, with a non-conformance")
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        quant = self.get_object()
        incoming = s.HeldStockRejectSerializer(data=request.data, context=self.get_serializer_context())
        incoming.is_valid(raise_exception=True)
        nc = held_stock_reject(company=quant.company, item=quant.item, location=quant.location, lot=quant.lot,
                               actor=request.user, **incoming.validated_data)
        return Response(s.NonConformanceSerializer(nc, context=self.get_serializer_context()).data,
                        status=status.HTTP_201_CREATED)
