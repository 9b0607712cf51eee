"""Traceability in the API: `GET /api/v1/erp/trace/<kind>/<id>/` (the typed graph of a record's chain) and
`GET /api/v1/erp/recall/<lot id>/` (what a supplier lot reached). Another company's record answers 404."""

from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.api.serializers import SuiteSerializer
from apps.core.errors import PermissionDeniedError
from apps.core.permissions import has_company_perm
from apps.core.scoping import scope_queryset
from apps.erp.choices import TraceNodeFlag, TraceNodeKind, TraceStartKind
from apps.erp.traceability.graph import KINDS, START_KINDS, trace_graph
from apps.erp.traceability.recall import recall_lot
from apps.scm.models import Lot

RECALL_PERMISSION = "erp.recall_lot"
QUANTITY = {"max_digits": 18, "decimal_places": 4}


class TraceNodeSerializer(SuiteSerializer):
    key = serializers.CharField(help_text="`<kind>:<id>`, what edges refer to.")
    kind = serializers.ChoiceField(choices=TraceNodeKind.choices)
    kind_display = serializers.CharField()
    id = serializers.IntegerField()
    label = serializers.CharField(help_text="The record's number (a lot's code, a party's name).")
    status = serializers.CharField(allow_null=True, help_text="The record's status; null for lots and parties.")
    status_display = serializers.CharField(allow_null=True)
    description = serializers.CharField(allow_blank=True)
    flags = serializers.ListField(child=serializers.ChoiceField(choices=TraceNodeFlag.choices))
    is_root = serializers.BooleanField(help_text="The record traced.")
    url = serializers.CharField(help_text="Its page in the browser UI.")
    api_url = serializers.CharField(help_text="Its resource in this API.")


class TraceEdgeSerializer(SuiteSerializer):
    """A link from upstream to downstream: `from` and `to` are node keys."""

    def get_fields(self):
        return {"from": serializers.CharField(help_text="Key of the upstream node."),
                "to": serializers.CharField(help_text="Key of the downstream node."),
                "relation": serializers.CharField(help_text="e.g. `consumed by`, `shipped in`, `paid by`.")}


class TraceSerializer(SuiteSerializer):
    root = serializers.CharField(help_text="Key of the record traced.")
    nodes = TraceNodeSerializer(many=True)
    edges = TraceEdgeSerializer(many=True)
    truncated = serializers.BooleanField(help_text="The chain was longer than a trace shows and was cut.")


KIND_PARAMETER = OpenApiParameter("kind", OpenApiTypes.STR, OpenApiParameter.PATH, enum=TraceStartKind.values,
                                  description="What the id is of.")
ID_PARAMETER = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH)


def _visible(request, queryset, pk: int, permission: str):
    """The record of one of the user's companies (else 404), if their role there grants `permission` (else 403)."""
    record = get_object_or_404(scope_queryset(queryset, request.user), pk=pk)
    if not has_company_perm(request.user, permission, record):
        raise PermissionDeniedError(None, "Your role in this record's company does not allow this.")
    return record


class TraceView(APIView):
    """`GET trace/<kind>/<id>/`: the record's chain both ways across the modules, as nodes and edges."""

    @extend_schema(parameters=[KIND_PARAMETER, ID_PARAMETER], responses=TraceSerializer,
                   summary="Trace a record across the modules")
    def get(self, request, kind: str, id: int):
        name = START_KINDS.get(kind)
        if name is None:
            raise Http404(f"Unknown kind {kind!r}: one of {', '.join(START_KINDS)}.")
        spec = KINDS[name]
        record = _visible(request, spec.model.objects.all(), id, spec.permission)
        trace = trace_graph(record=record, kind=name, user=request.user)
        return Response(TraceSerializer(trace).data)


class RecallLotSerializer(SuiteSerializer):
    id = serializers.IntegerField()
    lot = serializers.CharField()
    item = serializers.CharField()
    item_name = serializers.CharField()
    is_serial = serializers.BooleanField()


class RecallReceiptSerializer(SuiteSerializer):
    receipt = serializers.CharField(allow_null=True)
    receipt_id = serializers.IntegerField(allow_null=True)
    purchase_order = serializers.CharField(allow_null=True)
    supplier = serializers.CharField(allow_null=True)
    supplier_id = serializers.IntegerField(allow_null=True)
    quantity = serializers.DecimalField(**QUANTITY)
    date = serializers.DateTimeField(allow_null=True)


class RecallReachedLotSerializer(SuiteSerializer):
    id = serializers.IntegerField()
    level = serializers.IntegerField(help_text="1 = made directly from the recalled lot.")
    lot = serializers.CharField()
    is_serial = serializers.BooleanField()
    item = serializers.CharField()
    item_name = serializers.CharField()
    quantity = serializers.DecimalField(**QUANTITY, help_text="Of the lot below it used to make this one.")
    work_order = serializers.CharField(allow_null=True)
    work_order_id = serializers.IntegerField(allow_null=True)
    is_finished = serializers.BooleanField(help_text="Nothing was made from it (yet): an end product.")


class RecallShipmentSerializer(SuiteSerializer):
    shipment = serializers.CharField()
    shipment_id = serializers.IntegerField()
    date = serializers.DateTimeField(allow_null=True)
    quantity = serializers.DecimalField(**QUANTITY)
    lot_id = serializers.IntegerField()
    lot = serializers.CharField()
    item = serializers.CharField()
    sales_order = serializers.CharField(allow_blank=True)
    sales_order_id = serializers.IntegerField(allow_null=True)
    customer = serializers.CharField(allow_null=True)
    customer_id = serializers.IntegerField(allow_null=True)


class RecallWorkOrderSerializer(SuiteSerializer):
    id = serializers.IntegerField(allow_null=True)
    number = serializers.CharField()


class RecallCustomerSerializer(SuiteSerializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    shipments = serializers.IntegerField(help_text="How many shipments reached this customer.")


class RecallSerializer(SuiteSerializer):
    lot = RecallLotSerializer()
    receipts = RecallReceiptSerializer(many=True)
    lots = RecallReachedLotSerializer(many=True)
    work_orders = RecallWorkOrderSerializer(many=True)
    shipments = RecallShipmentSerializer(many=True)
    customers = RecallCustomerSerializer(many=True)


class RecallView(APIView):
    """`GET recall/<lot id>/`: every lot, serial, work order, shipment and customer the lot reached."""

    @extend_schema(parameters=[ID_PARAMETER], responses=RecallSerializer, summary="Recall of a supplier lot")
    def get(self, request, id: int):
        lot = _visible(request, Lot.objects.select_related("item"), id, RECALL_PERMISSION)
        return Response(RecallSerializer(recall_lot(lot=lot)).data)
