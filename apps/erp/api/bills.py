"""The vendor-bill API (API.md: erp/bills/) and the open GR/IR report (erp/reports/grir/): serializers, filters, the
viewset and the report view."""

import django_filters
from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.api.serializers import (
    ScopedPrimaryKeyRelatedField,
    SuiteChildSerializer,
    SuiteModelSerializer,
    SuiteSerializer,
    WorkflowFieldsMixin,
    validated_query,
)
from apps.core.api.viewsets import SuiteModelViewSet, workflow_action
from apps.core.errors import PermissionDeniedError
from apps.core.models import Currency, Party
from apps.core.permissions import has_company_perm
from apps.crm.api.serializers import CreateOnlyMixin
from apps.erp.api.filters import OpenItemFilterSet
from apps.erp.api.serializers import AtDateQuerySerializer
from apps.erp.api.views import report_company
from apps.erp.grir import grir_data
from apps.erp.models import BillMatchPolicy, VendorBill, VendorBillLine
from apps.erp.models.invoicing import OpenItemStatus
from apps.erp.services import bills
from apps.scm.models import PurchaseOrder


class VendorBillLineSerializer(SuiteChildSerializer):
    item_number = serializers.CharField(source="item.number", read_only=True, allow_null=True)
    unit_price = serializers.DecimalField(max_digits=18, decimal_places=4, required=False, allow_null=True,
                                          help_text="Default: the purchase order line's unit price.")
    tax_rate = serializers.DecimalField(max_digits=5, decimal_places=2, required=False, allow_null=True,
                                        help_text="Percent; default: the company's default tax rate.")

    class Meta:
        model = VendorBillLine
        fields = ["id", "line_number", "purchase_order_line", "item", "item_number", "description", "quantity",
                  "unit_price", "tax_rate", "account", "net", "tax", "match_note", "grir_amount"]
        read_only_fields = ["line_number", "net", "tax", "match_note", "grir_amount"]


class VendorBillSerializer(CreateOnlyMixin, WorkflowFieldsMixin, SuiteModelSerializer):
    lines = VendorBillLineSerializer(many=True)
    party = serializers.PrimaryKeyRelatedField(source="supplier", read_only=True, help_text="The supplier (API.md).")
    currency = serializers.SlugRelatedField(slug_field="code", queryset=Currency.objects.all(), required=False,
                                            help_text="Default: the purchase order's, the supplier's, the "
                                                      "company's.")
    purchase_order_number = serializers.CharField(source="purchase_order.number", read_only=True, allow_null=True)
    entry_number = serializers.CharField(source="entry.number", read_only=True, allow_null=True)

    class Meta:
        model = VendorBill
        fields = ["id", "company", "number", "party", "supplier", "supplier_reference", "purchase_order",
                  "purchase_order_number", "currency", "bill_date", "payment_terms_days", "due_date", "status",
                  "hold_reason", "release_reason", "lines", "total", "total_tax", "total_with_tax", "amount_due",
                  "exchange_rate", "entry", "entry_number", "notes", "posted_at", "allowed_transitions",
                  "created_at", "updated_at"]
        read_only_fields = ["number", "status", "hold_reason", "release_reason", "total", "total_tax",
                            "total_with_tax", "amount_due", "exchange_rate", "entry", "posted_at"]
        extra_kwargs = {"bill_date": {"required": False}, "payment_terms_days": {"required": False}}
        create_only = ["purchase_order"]


class VendorBillFilterSet(OpenItemFilterSet):
    """Status, supplier (or `party`), purchase order, held, overdue, unpaid, bill and due date ranges."""

    party = django_filters.NumberFilter(field_name="supplier")
    bill_date_from = django_filters.DateFilter(field_name="bill_date", lookup_expr="gte")
    bill_date_to = django_filters.DateFilter(field_name="bill_date", lookup_expr="lte")
    held = django_filters.BooleanFilter(method="filter_held", help_text="true: held by the match; false: not held.")

    class Meta:
        model = VendorBill
        fields = ["status", "supplier", "purchase_order", "currency", "number"]

    def filter_held(self, queryset, name, value):
        return queryset.filter(status=OpenItemStatus.HELD) if value else queryset.exclude(status=OpenItemStatus.HELD)


class ReleaseInputSerializer(SuiteSerializer):
    reason = serializers.CharField(max_length=2000, help_text="Why the held bill is posted despite the mismatch.")


class BillReverseInputSerializer(SuiteSerializer):
    date = serializers.DateField(required=False, allow_null=True,
                                 help_text="Date of the reversal; default: the bill date (its period must be open).")


class FromPurchaseOrderSerializer(SuiteSerializer):
    purchase_order = ScopedPrimaryKeyRelatedField(queryset=PurchaseOrder.objects.all())
    supplier_reference = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")
    bill_date = serializers.DateField(required=False, allow_null=True, help_text="Default: today.")
    notes = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class VendorBillViewSet(SuiteModelViewSet):
    """Vendor bills: `match` (three-way match: a mismatch holds the bill), `post` (matches again; posts or holds),
    `release` (a finance manager posts a held bill, with a reason), `cancel`, `reverse`; `from-purchase-order`
    drafts the bill of a PO's received, not yet billed quantities."""

    queryset = (VendorBill.objects.select_related("currency", "purchase_order", "entry")
                .prefetch_related(Prefetch("lines", VendorBillLine.objects.select_related("item"))))
    serializer_class = VendorBillSerializer
    filterset_class = VendorBillFilterSet
    search_fields = ["number", "supplier__name", "supplier_reference", "notes"]
    ordering_fields = ["number", "bill_date", "due_date", "total", "total_with_tax", "amount_due", "created_at",
                       "updated_at"]
    services = {"create": bills.bill_create, "update": bills.bill_update, "delete": bills.bill_delete}
    action_permissions = {"from_purchase_order": "erp.add_vendorbill"}

    match = workflow_action("match", bills.bill_match, summary="Run the three-way match (a mismatch holds the bill)")
    post = workflow_action("post", bills.bill_post,
                           summary="Match again and post (Dr GR/IR, PPV, tax; Cr payables); a mismatch holds it")
    release = workflow_action("release", bills.bill_release, input_serializer=ReleaseInputSerializer,
                              summary="Release a held bill: post it despite the mismatch (finance manager)")
    cancel = workflow_action("cancel", bills.bill_cancel)
    reverse = workflow_action("reverse", bills.bill_reverse, input_serializer=BillReverseInputSerializer,
                              summary="Reverse a posted, unpaid bill (its entry is reversed; the bill is cancelled)")

    @extend_schema(request=FromPurchaseOrderSerializer, responses={201: VendorBillSerializer},
                   summary="Draft the bill of a purchase order's received, not yet billed quantities")
    @action(detail=False, methods=["post"], url_path="from-purchase-order")
    def from_purchase_order(self, request):
        incoming = FromPurchaseOrderSerializer(data=request.data, context=self.get_serializer_context())
        incoming.is_valid(raise_exception=True)
        data = dict(incoming.validated_data)
        company = data["purchase_order"].company
        if not has_company_perm(request.user, "erp.add_vendorbill", company):
            raise PermissionDeniedError("purchase_order", "Your role in this company may not create bills.")
        bill = bills.bill_from_purchase_order(company=company, actor=request.user, **data)
        return Response(self.get_serializer(bill).data, status=201)


class BillMatchPolicySerializer(SuiteModelSerializer):
    class Meta:
        model = BillMatchPolicy
        fields = ["id", "company", "price_tolerance_percent", "price_tolerance_amount", "created_at", "updated_at"]


class BillMatchPolicyViewSet(SuiteModelViewSet):
    """The company's price tolerance of the three-way match (one per company)."""

    queryset = BillMatchPolicy.objects.all()
    serializer_class = BillMatchPolicySerializer


# ---- the open GR/IR report ----------------------------------------------------------------------------------
class GrirQuerySerializer(AtDateQuerySerializer):
    date = serializers.DateField(required=False, help_text="Receipts and bills up to this day; default: all.")
    supplier = ScopedPrimaryKeyRelatedField(queryset=Party.objects.filter(is_supplier=True), required=False)
    purchase_order = ScopedPrimaryKeyRelatedField(queryset=PurchaseOrder.objects.all(), required=False)


class GrirRowSerializer(SuiteSerializer):
    purchase_order_line = serializers.IntegerField()
    purchase_order = serializers.IntegerField()
    purchase_order_number = serializers.CharField()
    line_number = serializers.IntegerField()
    item_number = serializers.CharField()
    supplier = serializers.CharField()
    received_quantity = serializers.DecimalField(max_digits=18, decimal_places=4)
    received_value = serializers.DecimalField(max_digits=18, decimal_places=2)
    billed_quantity = serializers.DecimalField(max_digits=18, decimal_places=4)
    billed_value = serializers.DecimalField(max_digits=18, decimal_places=2)
    difference = serializers.DecimalField(max_digits=18, decimal_places=2,
                                          help_text="Received value - billed value: the open GR/IR credit.")


class GrirTotalsSerializer(SuiteSerializer):
    received_not_billed = serializers.DecimalField(max_digits=18, decimal_places=2)
    billed_not_received = serializers.DecimalField(max_digits=18, decimal_places=2)
    balance = serializers.DecimalField(max_digits=18, decimal_places=2)


class GrirSerializer(SuiteSerializer):
    company = serializers.IntegerField()
    currency = serializers.CharField()
    date = serializers.DateField(allow_null=True)
    received_not_billed = GrirRowSerializer(many=True)
    billed_not_received = GrirRowSerializer(many=True)
    totals = GrirTotalsSerializer()


class GrirView(APIView):
    """`GET ?date=&supplier=&purchase_order=`: per PO line, received value vs billed value at receipt cost."""

    @extend_schema(parameters=[GrirQuerySerializer], responses=GrirSerializer, summary="Open GR/IR per PO line")
    def get(self, request):
        query = validated_query(request, GrirQuerySerializer)
        company = report_company(request, query)
        data = grir_data(company=company, date=query.get("date"), supplier=query.get("supplier"),
                         purchase_order=query.get("purchase_order"))
        return Response(GrirSerializer(data).data)
