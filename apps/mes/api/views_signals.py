"""Machine signals API: read the stored signals, post a batch (gateways that speak HTTP)."""

from django.db import transaction
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.response import Response

from apps.core.api.filtersets import SuiteFilterSet
from apps.core.api.idempotency import IdempotencyMixin
from apps.core.api.serializers import validated_query
from apps.core.api.viewsets import ScopedQuerysetMixin
from apps.core.errors import DomainError, PermissionDeniedError
from apps.core.models import Company
from apps.core.permissions import default_company, has_company_perm
from apps.mes.api import serializers_signals as s
from apps.mes.models import Equipment, MachineSignal
from apps.mes.services.signals import signals_ingest
from apps.mes.signal_contract import EquipmentKey, SignalRejected, SignalRow, parse_values


class MachineSignalFilterSet(SuiteFilterSet):
    class Meta:
        model = MachineSignal
        fields = {"equipment": ["exact"], "work_center": ["exact"], "kind": ["exact"], "state": ["exact"],
                  "ts": ["gte", "lt"]}


def _rows(company: Company, data: list[dict]) -> list[SignalRow]:
    """The rows as SignalRows of the company's equipment; the first broken rule answers 400 naming the row."""
    keys = {(wc, code): EquipmentKey(pk, wc_id, company.pk) for pk, wc_id, wc, code in Equipment.objects.filter(
        work_center__company=company, is_active=True).values_list("id", "work_center_id", "work_center__code",
                                                                   "code")}
    rows = []
    for index, item in enumerate(data):
        key = keys.get((item["work_center"], item["equipment"]))
        if key is None:
            raise DomainError(f"{index}.equipment", f"No active equipment {item['equipment']} at work center "
                              f"{item['work_center']} in {company.code}.", code="unknown_equipment")
        try:
            values = parse_values(item["kind"], {**item, "ts": item["ts"].isoformat()})
        except SignalRejected as rejected:
            raise DomainError(f"{index}.{rejected.field or 'ts'}", rejected.detail, code=str(rejected.reason)) \
                from rejected
        rows.append(SignalRow(key=key, kind=item["kind"], **values))
    return rows


class MachineSignalViewSet(ScopedQuerysetMixin, IdempotencyMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                           viewsets.GenericViewSet):
    """Machine signals as stored (newest first); POST a JSON array of signals (the MQTT contract's rows)."""

    queryset = MachineSignal.objects.select_related("equipment", "work_center")
    serializer_class = s.MachineSignalSerializer
    filterset_class = MachineSignalFilterSet
    search_fields = ["equipment__code", "work_center__code", "reason"]
    ordering_fields = ["ts", "id"]
    ordering = ["-ts", "-id"]

    @extend_schema(request=s.MachineSignalInputSerializer(many=True), parameters=[s.CompanyQuerySerializer],
                   responses={201: s.MachineSignalBulkResultSerializer},
                   summary="Post a batch of machine signals (duplicates are ignored)")
    def create(self, request):
        query = validated_query(request, s.CompanyQuerySerializer)
        # the body: a JSON array of 1 to MAX_ROWS signals
        incoming = s.MachineSignalInputSerializer(data=request.data, many=True, min_length=1, max_length=s.MAX_ROWS,
                                                  context=self.get_serializer_context())
        incoming.is_valid(raise_exception=True)
        if query.get("company"):
            company = Company.objects.filter(pk=query["company"]).first()
            if company is None or not has_company_perm(request.user, "mes.add_machinesignal", company):
                raise PermissionDeniedError("company", "Your role in this company may not post machine signals.")
        else:
            company = default_company(request.user, "mes.add_machinesignal")
            if not has_company_perm(request.user, "mes.add_machinesignal", company):
                raise PermissionDeniedError("company", "Your role in this company may not post machine signals.")
        with transaction.atomic():
            result = signals_ingest(company=company, rows=_rows(company, incoming.validated_data), actor=request.user)
        body = {"stored": result.stored, "duplicates": result.duplicates}
        return Response(s.MachineSignalBulkResultSerializer(body).data, status=status.HTTP_201_CREATED)
