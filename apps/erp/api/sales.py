"""The sales-order API (API.md: erp/sales-orders/): serializers, filters and the viewset."""

import django_filters
from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from apps.core.api.filtersets import SuiteFilterSet
from apps.core.api.serializers import SuiteChildSerializer, SuiteModelSerializer, WorkflowFieldsMixin
from apps.core.api.viewsets import SuiteModelViewSet, workflow_action
from apps.core.http import pdf_response
from apps.core.models import Currency
from apps.crm.api.serializers import CreateOnlyMixin
from apps.erp.api.sales_read import sales_order_rows, sales_orders_as_json
from apps.erp.models import SalesOrder, SalesOrderLine
from apps.erp.pdf import sales_order_pdf
from apps.erp.services import sales


class SalesOrderLineSerializer(SuiteChildSerializer):
    item_number = serializers.CharField(source="item.number", read_only=True)
    unit_price = serializers.DecimalField(max_digits=18, decimal_places=4, required=False, allow_null=True,
                                          help_text="Default: the customer's price list (CRM) for the quantity.")
    tax_rate = serializers.DecimalField(max_digits=5, decimal_places=2, required=False, allow_null=True,
                                        help_text="Percent; default: the company's default tax rate.")

    class Meta:
        model = SalesOrderLine
        fields = ["id", "line_number", "item", "item_number", "description", "quantity", "unit_price",
                  "discount_percent", "tax_rate", "due_date", "net", "tax", "quantity_delivered"]
        read_only_fields = ["line_number", "net", "tax", "quantity_delivered"]


class SalesOrderSerializer(CreateOnlyMixin, WorkflowFieldsMixin, SuiteModelSerializer):
    lines = SalesOrderLineSerializer(many=True)
    currency = serializers.SlugRelatedField(slug_field="code", queryset=Currency.objects.all(), required=False,
                                            help_text="Default: the quote's, the customer's, the company's.")
    quote_number = serializers.CharField(source="quote.number", read_only=True, allow_null=True)

    class Meta:
        model = SalesOrder
        fields = ["id", "company", "number", "customer", "quote", "quote_number", "currency", "order_date",
                  "requested_delivery_date", "warehouse", "payment_terms_days", "status", "lines", "total",
                  "total_tax", "total_with_tax", "notes", "confirmed_at", "allowed_transitions", "created_at",
                  "updated_at"]
        read_only_fields = ["number", "status", "total", "total_tax", "total_with_tax", "confirmed_at"]
        extra_kwargs = {"order_date": {"required": False}}
        create_only = ["quote"]


class SalesOrderFilterSet(SuiteFilterSet):
    order_date_from = django_filters.DateFilter(field_name="order_date", lookup_expr="gte")
    order_date_to = django_filters.DateFilter(field_name="order_date", lookup_expr="lte")
    item = django_filters.NumberFilter(field_name="lines__item", distinct=True)

    class Meta:
        model = SalesOrder
        fields = ["status", "customer", "quote", "warehouse", "currency", "number"]


class SalesOrderViewSet(SuiteModelViewSet):
    """Sales orders: `confirm` (credit limit; SCM ships it), `cancel`, `close`; `pdf` (order acknowledgement)."""

    queryset = (SalesOrder.objects.select_related("currency", "quote")
                .prefetch_related(Prefetch("lines", SalesOrderLine.objects.select_related("item"))))
    serializer_class = SalesOrderSerializer
    filterset_class = SalesOrderFilterSet
    search_fields = ["number", "customer__name", "notes"]
    ordering_fields = ["number", "order_date", "requested_delivery_date", "total", "total_with_tax", "created_at",
                       "updated_at"]
    services = {"create": sales.sales_order_create, "update": sales.sales_order_update,
                "delete": sales.sales_order_delete}

    confirm = workflow_action("confirm", sales.sales_order_confirm,
                              summary="Confirm (checks the credit limit; tells SCM to ship)")
    cancel = workflow_action("cancel", sales.sales_order_cancel)
    close = workflow_action("close", sales.sales_order_close)

    def list(self, request, *args, **kwargs):
        """The same JSON as `SalesOrderSerializer(many=True)`, built from plain rows (`apps.erp.api.sales_read`):
        a count, the page's orders and all their lines, whatever the page size."""
        rows = sales_order_rows(self.filter_queryset(self.get_queryset()))
        page = self.paginate_queryset(rows)
        data = sales_orders_as_json(list(page if page is not None else rows), context=self.get_serializer_context())
        return self.get_paginated_response(data) if page is not None else Response(data)

    @extend_schema(responses={(200, "application/pdf"): bytes}, summary="The order acknowledgement as a PDF")
    @action(detail=True, methods=["get"], url_path="pdf")
    def pdf(self, request, pk=None):
        order = self.get_object()
        return pdf_response(sales_order_pdf(order), f"{order.number}.pdf")
