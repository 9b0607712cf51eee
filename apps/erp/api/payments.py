"""The payment API (API.md: erp/payments/): `lines` are the allocations [`invoice` or `bill`, `amount`], `total` is
the amount."""

import functools

import django_filters
from django.db.models import Prefetch
from rest_framework import serializers

from apps.core.api.filtersets import SuiteFilterSet
from apps.core.api.serializers import SuiteChildSerializer, SuiteModelSerializer, WorkflowFieldsMixin
from apps.core.api.viewsets import SuiteModelViewSet, workflow_action
from apps.core.errors import DomainError
from apps.core.models import Currency
from apps.erp.api.serializers import ReverseInputSerializer
from apps.erp.models import Payment, PaymentAllocation
from apps.erp.services import payments


def _as_lines(service):
    """The service with its errors named as the API names the allocations: `lines` (the UI's `allocations`)."""

    def rename(field):
        return f"lines{field[len('allocations'):]}" if field and field.startswith("allocations") else field

    @functools.wraps(service)
    def run(**kwargs):
        try:
            return service(**kwargs)
        except DomainError as error:
            raise type(error)(rename(error.field), error.message, code=error.code, extra=error.extra,
                              errors=[(rename(f), c, m) for f, c, m in error.errors]) from error

    return run


class PaymentAllocationSerializer(SuiteChildSerializer):
    invoice_number = serializers.CharField(source="invoice.number", read_only=True, allow_null=True)
    bill_number = serializers.CharField(source="bill.number", read_only=True, allow_null=True)

    class Meta:
        model = PaymentAllocation
        fields = ["id", "invoice", "invoice_number", "bill", "bill_number", "amount"]


class PaymentSerializer(WorkflowFieldsMixin, SuiteModelSerializer):
    lines = PaymentAllocationSerializer(many=True, source="allocations", required=False,
                                        help_text="The allocations: a received payment's to the party's invoices, a "
                                                  "paid one's to its bills.")
    total = serializers.DecimalField(source="amount", max_digits=18, decimal_places=2, read_only=True)
    currency = serializers.SlugRelatedField(slug_field="code", queryset=Currency.objects.all(), required=False,
                                            help_text="Default: the party's, else the company's.")
    entry_number = serializers.CharField(source="entry.number", read_only=True, allow_null=True)

    class Meta:
        model = Payment
        fields = ["id", "company", "number", "direction", "party", "payment_date", "currency", "amount", "total",
                  "amount_unallocated", "account", "reference", "status", "lines", "exchange_rate", "entry",
                  "entry_number", "notes", "posted_at", "allowed_transitions", "created_at", "updated_at"]
        read_only_fields = ["number", "status", "amount_unallocated", "exchange_rate", "entry", "posted_at"]
        extra_kwargs = {"payment_date": {"required": False}}


class PaymentFilterSet(SuiteFilterSet):
    payment_date_from = django_filters.DateFilter(field_name="payment_date", lookup_expr="gte")
    payment_date_to = django_filters.DateFilter(field_name="payment_date", lookup_expr="lte")
    invoice = django_filters.NumberFilter(field_name="allocations__invoice", distinct=True)
    bill = django_filters.NumberFilter(field_name="allocations__bill", distinct=True)

    class Meta:
        model = Payment
        fields = ["status", "direction", "party", "currency", "number"]


class PaymentViewSet(SuiteModelViewSet):
    """Payments received and paid: drafts with their allocations, `post` (books it, settles the documents; a
    received one emits `erp.payment.received`), `reverse` (once: the entry's mirror, the documents due again)."""

    queryset = (Payment.objects.select_related("currency", "entry")
                .prefetch_related(Prefetch("allocations",
                                           PaymentAllocation.objects.select_related("invoice", "bill"))))
    serializer_class = PaymentSerializer
    filterset_class = PaymentFilterSet
    search_fields = ["number", "party__name", "reference", "notes"]
    ordering_fields = ["number", "payment_date", "amount", "created_at", "updated_at"]
    services = {"create": _as_lines(payments.payment_create), "update": _as_lines(payments.payment_update),
                "delete": payments.payment_delete}

    post = workflow_action("post", _as_lines(payments.payment_post),
                           summary="Post (books it and settles the documents)")
    reverse = workflow_action("reverse", payments.payment_reverse, input_serializer=ReverseInputSerializer,
                              summary="Reverse the posted payment (once)")
