"""The invoice API (API.md: erp/invoices/) and the AR/AP aging reports (erp/reports/ar-aging/, ap-aging/)."""

import django_filters
from django.db.models import Prefetch
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
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
from apps.core.http import pdf_response
from apps.core.models import Currency
from apps.crm.api.serializers import CreateOnlyMixin
from apps.erp import aging
from apps.erp.api.filters import OpenItemFilterSet
from apps.erp.api.serializers import AtDateQuerySerializer
from apps.erp.api.views import report_company
from apps.erp.models import Invoice, InvoiceLine, SalesOrder
from apps.erp.pdf import invoice_pdf
from apps.erp.services import invoices


class InvoiceLineSerializer(SuiteChildSerializer):
    item_number = serializers.CharField(source="item.number", read_only=True, allow_null=True)
    unit_price = serializers.DecimalField(max_digits=18, decimal_places=4, required=False, allow_null=True,
                                          help_text="Default: the customer's price list (CRM) for an item.")
    tax_rate = serializers.DecimalField(max_digits=5, decimal_places=2, required=False, allow_null=True,
                                        help_text="Percent; default: the company's default tax rate.")

    class Meta:
        model = InvoiceLine
        fields = ["id", "line_number", "item", "item_number", "description", "quantity", "unit_price",
                  "discount_percent", "tax_rate", "account", "sales_order_line", "credited_line", "net", "tax"]
        read_only_fields = ["line_number", "credited_line", "net", "tax"]


class InvoiceSerializer(CreateOnlyMixin, WorkflowFieldsMixin, SuiteModelSerializer):
    lines = InvoiceLineSerializer(many=True)
    party = serializers.IntegerField(source="customer_id", read_only=True, help_text="The customer (party id).")
    currency = serializers.SlugRelatedField(slug_field="code", queryset=Currency.objects.all(), required=False,
                                            help_text="Default: the sales order's, the customer's, the company's.")
    sales_order_number = serializers.CharField(source="sales_order.number", read_only=True, allow_null=True)
    shipment_number = serializers.CharField(source="shipment.number", read_only=True, allow_null=True)
    credited_invoice_number = serializers.CharField(source="credited_invoice.number", read_only=True,
                                                    allow_null=True)
    entry_number = serializers.CharField(source="entry.number", read_only=True, allow_null=True)

    class Meta:
        model = Invoice
        fields = ["id", "company", "number", "kind", "customer", "party", "currency", "invoice_date",
                  "payment_terms_days", "due_date", "sales_order", "sales_order_number", "shipment",
                  "shipment_number", "credited_invoice", "credited_invoice_number", "status", "lines", "total",
                  "total_tax", "total_with_tax", "amount_due", "exchange_rate", "entry", "entry_number", "notes",
                  "posted_at", "allowed_transitions", "created_at", "updated_at"]
        read_only_fields = ["number", "kind", "shipment", "credited_invoice", "status", "total", "total_tax",
                            "total_with_tax", "amount_due", "exchange_rate", "entry", "posted_at"]
        extra_kwargs = {"invoice_date": {"required": False}, "payment_terms_days": {"required": False}}
        create_only = ["sales_order"]


class InvoiceFilterSet(OpenItemFilterSet):
    """Status, customer (or `party`), overdue (unpaid and past due today), unpaid, date and due date ranges."""

    party = django_filters.NumberFilter(field_name="customer")
    invoice_date_from = django_filters.DateFilter(field_name="invoice_date", lookup_expr="gte")
    invoice_date_to = django_filters.DateFilter(field_name="invoice_date", lookup_expr="lte")

    class Meta:
        model = Invoice
        fields = ["status", "kind", "customer", "sales_order", "currency", "number"]


class CreditLineInputSerializer(SuiteSerializer):
    line = ScopedPrimaryKeyRelatedField(queryset=InvoiceLine.objects.all(), help_text="A line of the invoice.")
    quantity = serializers.DecimalField(max_digits=18, decimal_places=4, required=False,
                                        help_text="Default: what is not yet credited of the line.")


class CreditInputSerializer(SuiteSerializer):
    lines = CreditLineInputSerializer(many=True, required=False,
                                      help_text="Default: everything not yet credited.")
    invoice_date = serializers.DateField(required=False, help_text="Of the credit note; default: today.")
    notes = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class FromSalesOrderInputSerializer(SuiteSerializer):
    sales_order = ScopedPrimaryKeyRelatedField(queryset=SalesOrder.objects.all())
    invoice_date = serializers.DateField(required=False, help_text="Default: today.")


class InvoiceViewSet(SuiteModelViewSet):
    """Customer invoices and credit notes: `post` (books it, emits `erp.invoice.posted`), `cancel` (a draft),
    `credit` (a draft credit note of a posted invoice: all, or some lines and quantities), `pdf`;
    `from-sales-order` drafts the delivered, not yet invoiced quantities of a sales order."""

    queryset = (Invoice.objects.select_related("currency", "sales_order", "shipment", "credited_invoice", "entry")
                .prefetch_related(Prefetch("lines", InvoiceLine.objects.select_related("item"))))
    serializer_class = InvoiceSerializer
    filterset_class = InvoiceFilterSet
    search_fields = ["number", "customer__name", "notes"]
    ordering_fields = ["number", "invoice_date", "due_date", "total", "total_with_tax", "amount_due", "created_at",
                       "updated_at"]
    services = {"create": invoices.invoice_create, "update": invoices.invoice_update,
                "delete": invoices.invoice_delete}
    action_permissions = {"from_sales_order": "erp.add_invoice", "credit": "erp.add_invoice"}

    post = workflow_action("post", invoices.invoice_post, summary="Post (books it; emits erp.invoice.posted)")
    cancel = workflow_action("cancel", invoices.invoice_cancel, summary="Cancel a draft")
    credit = workflow_action("credit", invoices.credit_note_create, input_serializer=CreditInputSerializer,
                             summary="Create a draft credit note of the posted invoice (returns the credit note)")

    @extend_schema(request=FromSalesOrderInputSerializer, responses={201: InvoiceSerializer},
                   summary="Draft the invoice of a sales order's delivered, not yet invoiced quantities")
    @action(detail=False, methods=["post"], url_path="from-sales-order")
    def from_sales_order(self, request):
        incoming = FromSalesOrderInputSerializer(data=request.data, context=self.get_serializer_context())
        incoming.is_valid(raise_exception=True)
        order = incoming.validated_data["sales_order"]
        self.check_object_permissions(request, Invoice(company=order.company))
        invoice = invoices.invoice_from_sales_order(sales_order=order, actor=request.user,
                                                    invoice_date=incoming.validated_data.get("invoice_date"))
        return Response(self.get_serializer(invoice).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={(200, "application/pdf"): bytes}, summary="The invoice as a PDF")
    @action(detail=True, methods=["get"], url_path="pdf")
    def pdf(self, request, pk=None):
        invoice = self.get_object()
        return pdf_response(invoice_pdf(invoice), f"{invoice.number}.pdf")


# ---- aging ------------------------------------------------------------------------------------------------------
class AgingAmountsSerializer(SuiteSerializer):
    not_due = serializers.DecimalField(max_digits=18, decimal_places=2)
    days_1_30 = serializers.DecimalField(max_digits=18, decimal_places=2)
    days_31_60 = serializers.DecimalField(max_digits=18, decimal_places=2)
    days_61_90 = serializers.DecimalField(max_digits=18, decimal_places=2)
    over_90 = serializers.DecimalField(max_digits=18, decimal_places=2)
    total = serializers.DecimalField(max_digits=18, decimal_places=2)


class AgingRowSerializer(AgingAmountsSerializer):
    party = serializers.IntegerField()
    number = serializers.CharField()
    name = serializers.CharField()
    documents = serializers.IntegerField()
    links = serializers.DictField(child=serializers.CharField(allow_null=True),
                                  help_text="Per bucket and `total`: the screen listing its documents.")


class AgingBucketSerializer(SuiteSerializer):
    key = serializers.CharField()
    label = serializers.CharField()
    url = serializers.CharField(allow_null=True)


class AgingSerializer(SuiteSerializer):
    company = serializers.IntegerField()
    currency = serializers.CharField()
    date = serializers.DateField()
    buckets = AgingBucketSerializer(many=True)
    rows = AgingRowSerializer(many=True)
    totals = AgingAmountsSerializer()


class AgingView(APIView):
    side = aging.RECEIVABLES

    def aging(self, request):
        query = validated_query(request, AtDateQuerySerializer)
        company = report_company(request, query)
        data = aging.aging_data(company=company, side=self.side, date=query.get("date") or timezone.localdate())
        return Response(AgingSerializer(data).data)


class ReceivablesAgingView(AgingView):
    """`GET ?date=`: what each customer owes, by days overdue (not due, 1-30, 31-60, 61-90, over 90)."""

    @extend_schema(parameters=[AtDateQuerySerializer], responses=AgingSerializer, summary="AR aging at a date")
    def get(self, request):
        return self.aging(request)


class PayablesAgingView(AgingView):
    """`GET ?date=`: what is owed to each supplier, by days overdue."""

    side = aging.PAYABLES

    @extend_schema(parameters=[AtDateQuerySerializer], responses=AgingSerializer, summary="AP aging at a date")
    def get(self, request):
        return self.aging(request)
