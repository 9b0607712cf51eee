"""Serializers of the CRM API (API.md: crm/leads/, crm/opportunities/, crm/activities/, crm/quotes/, crm/cases/)."""

from django.contrib.contenttypes.models import ContentType
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.core.api.serializers import (
    ScopedPrimaryKeyRelatedField,
    SuiteChildSerializer,
    SuiteModelSerializer,
    SuiteSerializer,
    WorkflowFieldsMixin,
)
from apps.core.models import Company, Currency, Party
from apps.crm.models import (
    ACTIVITY_TARGETS,
    Activity,
    CustomerProfile,
    Lead,
    Opportunity,
    PipelineStage,
    PriceBreak,
    PriceList,
    Quote,
    QuoteLine,
    SalesSettings,
    SalesTarget,
    Segment,
    ServiceCase,
    SlaPolicy,
    TimelineEntry,
)
from apps.plm.api.serializers import ItemImportResultSerializer
from apps.plm.models import Item

MONEY = {"max_digits": 18, "decimal_places": 2}


def currency_field(**kwargs) -> serializers.SlugRelatedField:
    return serializers.SlugRelatedField(slug_field="code", queryset=Currency.objects.all(), **kwargs)


class LineSerializer(SuiteChildSerializer):
    """A child row: its related ids are scoped like the parent's; the service checks they share its company."""


class CreateOnlyMixin:
    """Fields named in `Meta.create_only` are written when the record is created, read-only afterwards."""

    def get_fields(self):
        fields = super().get_fields()
        if self.instance is not None and not isinstance(self.instance, list):
            for name in getattr(self.Meta, "create_only", ()):
                fields[name].read_only = True
        return fields


# ---- customers -----------------------------------------------------------------------------------------------
class SegmentSerializer(SuiteModelSerializer):
    class Meta:
        model = Segment
        fields = ["id", "company", "name", "description", "created_at", "updated_at"]


class CustomerProfileSerializer(CreateOnlyMixin, SuiteModelSerializer):
    party_number = serializers.CharField(source="party.number", read_only=True)
    name = serializers.CharField(source="party.name", read_only=True)

    class Meta:
        model = CustomerProfile
        fields = ["id", "company", "party", "party_number", "name", "owner", "segment", "industry", "credit_limit",
                  "notes", "created_at", "updated_at"]
        create_only = ["party"]


class TimelineEntrySerializer(SuiteModelSerializer):
    url = serializers.CharField(read_only=True, allow_null=True, help_text="The document's page in the suite.")

    class Meta:
        model = TimelineEntry
        fields = ["id", "company", "customer", "kind", "occurred_at", "title", "reference", "amount", "currency_code",
                  "subject_type", "subject_id", "source_event_id", "url", "created_at", "updated_at"]
        read_only_fields = fields


class ImportInputSerializer(SuiteSerializer):
    company = ScopedPrimaryKeyRelatedField(queryset=Company.objects.all(), required=False,
                                           help_text="Company to import into; defaults to the only company in which "
                                                     "your role may create these records.")
    file = serializers.FileField(help_text="CSV or XLSX with a header row (columns: see the operation).")
    dry_run = serializers.BooleanField(default=True, help_text="Only validate and preview (default).")


class CrmImportResultSerializer(ItemImportResultSerializer):
    """Per row: its line, the action (create, update, unchanged = skipped, error), values and errors by column."""


# ---- leads ---------------------------------------------------------------------------------------------------
class LeadSerializer(WorkflowFieldsMixin, SuiteModelSerializer):
    class Meta:
        model = Lead
        fields = ["id", "company", "name", "company_name", "email", "phone", "source", "status", "owner", "notes",
                  "disqualified_reason", "merged_into", "customer", "contact", "opportunity", "qualified_at",
                  "allowed_transitions", "created_at", "updated_at"]
        read_only_fields = ["status", "disqualified_reason", "merged_into", "customer", "contact", "opportunity",
                            "qualified_at"]


class LeadQualifySerializer(SuiteSerializer):
    """Optional: an existing customer to attach the lead to, and the opportunity's data."""

    customer = ScopedPrimaryKeyRelatedField(queryset=Party.objects.filter(is_customer=True), required=False,
                                            allow_null=True, help_text="Default: a customer of the same name or "
                                                                       "e-mail, else a new one.")
    title = serializers.CharField(required=False, allow_blank=True, default="")
    amount = serializers.DecimalField(**MONEY, required=False, allow_null=True)
    currency = currency_field(required=False, allow_null=True)
    expected_close = serializers.DateField(required=False, allow_null=True)
    stage = ScopedPrimaryKeyRelatedField(queryset=PipelineStage.objects.all(), required=False, allow_null=True)


class LeadDisqualifySerializer(SuiteSerializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)


class LeadMergeSerializer(SuiteSerializer):
    duplicate = ScopedPrimaryKeyRelatedField(queryset=Lead.objects.all(),
                                             help_text="The lead merged into this one (then disqualified).")


# ---- pipeline ------------------------------------------------------------------------------------------------
class PipelineStageSerializer(SuiteModelSerializer):
    class Meta:
        model = PipelineStage
        fields = ["id", "company", "name", "order", "probability", "is_won", "is_lost", "created_at", "updated_at"]


class OpportunitySerializer(WorkflowFieldsMixin, SuiteModelSerializer):
    currency = currency_field(required=False, help_text="Default: the customer's currency, else the company's.")
    stage_name = serializers.CharField(source="stage.name", read_only=True)
    weighted_amount = serializers.DecimalField(**MONEY, read_only=True)

    class Meta:
        model = Opportunity
        fields = ["id", "company", "number", "customer", "contact", "title", "amount", "currency", "exchange_rate",
                  "amount_company_currency", "stage", "stage_name", "probability", "weighted_amount",
                  "expected_close", "owner", "status", "lost_reason", "closed_on", "notes", "allowed_transitions",
                  "created_at", "updated_at"]
        read_only_fields = ["number", "exchange_rate", "amount_company_currency", "status", "lost_reason",
                            "closed_on"]
        extra_kwargs = {"stage": {"required": False, "help_text": "Default: the first open stage."},
                        "probability": {"required": False, "help_text": "Default: the stage's probability."}}


class OpportunityLoseSerializer(SuiteSerializer):
    lost_reason = serializers.CharField(max_length=200)


class OpportunityMoveSerializer(SuiteSerializer):
    stage = ScopedPrimaryKeyRelatedField(queryset=PipelineStage.objects.all())
    lost_reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=200,
                                        help_text="Required when the stage is the lost one.")


class FeedbackSerializer(SuiteSerializer):
    description = serializers.CharField(help_text="What the customer reported.")
    items = ScopedPrimaryKeyRelatedField(queryset=Item.objects.all(), many=True, required=False,
                                         help_text="The products concerned; a case's default: its product.")


class BoardCardSerializer(SuiteChildSerializer):
    customer_name = serializers.CharField(source="customer.name")
    currency = serializers.CharField(source="currency.code")
    owner_name = serializers.CharField(source="owner.username", default=None, allow_null=True)
    weighted_amount = serializers.DecimalField(**MONEY)

    class Meta:
        model = Opportunity
        fields = ["id", "number", "title", "customer", "customer_name", "amount", "currency",
                  "amount_company_currency", "probability", "weighted_amount", "expected_close", "owner",
                  "owner_name", "status"]
        read_only_fields = fields


class BoardStageSerializer(SuiteChildSerializer):
    class Meta:
        model = PipelineStage
        fields = ["id", "name", "order", "probability", "is_won", "is_lost"]
        read_only_fields = fields


class BoardColumnSerializer(SuiteSerializer):
    stage = BoardStageSerializer()
    count = serializers.IntegerField()
    total = serializers.DecimalField(**MONEY)
    weighted_total = serializers.DecimalField(**MONEY)
    cards = BoardCardSerializer(many=True)


class BoardSerializer(SuiteSerializer):
    company = serializers.IntegerField()
    currency = serializers.CharField(help_text="Totals are in the company's currency.")
    columns = BoardColumnSerializer(many=True)


class SalesTargetSerializer(SuiteModelSerializer):
    class Meta:
        model = SalesTarget
        fields = ["id", "company", "owner", "month", "amount", "created_at", "updated_at"]


class ForecastCellSerializer(SuiteSerializer):
    pipeline = serializers.DecimalField(**MONEY)
    weighted = serializers.DecimalField(**MONEY)
    won = serializers.DecimalField(**MONEY)
    target = serializers.DecimalField(**MONEY)
    won_vs_target_percent = serializers.DecimalField(**MONEY, allow_null=True)
    open_count = serializers.IntegerField()
    won_count = serializers.IntegerField()


class ForecastRowSerializer(ForecastCellSerializer):
    month = serializers.DateField()
    owner = serializers.IntegerField(allow_null=True)
    owner_name = serializers.CharField()


class ForecastMonthSerializer(ForecastCellSerializer):
    month = serializers.DateField()


class ForecastOwnerSerializer(ForecastCellSerializer):
    owner = serializers.IntegerField(allow_null=True)
    owner_name = serializers.CharField()


class ForecastSerializer(SuiteSerializer):
    year = serializers.IntegerField()
    currency = serializers.CharField()
    rows = ForecastRowSerializer(many=True)
    months = ForecastMonthSerializer(many=True)
    owners = ForecastOwnerSerializer(many=True)
    totals = ForecastCellSerializer()


# ---- activities ----------------------------------------------------------------------------------------------
@extend_schema_field({"type": "string", "nullable": True, "enum": [*ACTIVITY_TARGETS, None],
                      "description": "What the activity is about: app_label.model."})
class TargetTypeField(serializers.Field):
    """A content type as `app_label.model` (the service checks it is one of ACTIVITY_TARGETS)."""

    def to_representation(self, value: ContentType) -> str:
        return f"{value.app_label}.{value.model}"

    def to_internal_value(self, data) -> str:
        return str(data)


class ActivitySerializer(CreateOnlyMixin, SuiteModelSerializer):
    target_type = TargetTypeField(required=False, allow_null=True)
    target_id = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    customer = ScopedPrimaryKeyRelatedField(queryset=Party.objects.filter(is_customer=True), required=False,
                                            allow_null=True, help_text="Default: the customer of the target.")
    overdue = serializers.BooleanField(read_only=True)

    class Meta:
        model = Activity
        fields = ["id", "company", "kind", "subject", "notes", "due_at", "owner", "done", "done_at", "is_overdue",
                  "overdue", "target_type", "target_id", "customer", "created_at", "updated_at"]
        read_only_fields = ["done_at", "is_overdue"]
        create_only = ["target_type", "target_id", "customer"]


# ---- quotes and prices ---------------------------------------------------------------------------------------
class QuoteLineSerializer(LineSerializer):
    item_number = serializers.CharField(source="item.number", read_only=True)
    unit_price = serializers.DecimalField(max_digits=18, decimal_places=4, required=False, allow_null=True,
                                          help_text="Default: the customer's price list for the quantity.")
    tax_rate = serializers.DecimalField(max_digits=5, decimal_places=2, required=False, allow_null=True,
                                        help_text="Percent; default: the company's default tax rate.")
    available_to_promise = serializers.SerializerMethodField(
        help_text="Available stock of the item over the company's internal locations (on the quote's detail; "
                  "null in lists).")

    class Meta:
        model = QuoteLine
        fields = ["id", "line_number", "item", "item_number", "description", "quantity", "unit_price",
                  "discount_percent", "tax_rate", "net", "tax", "price_list", "available_to_promise"]
        read_only_fields = ["line_number", "net", "tax", "price_list"]

    @extend_schema_field(serializers.DecimalField(max_digits=18, decimal_places=4, allow_null=True))
    def get_available_to_promise(self, line) -> str | None:
        availability = self.context.get("availability")
        if availability is None:
            return None
        return str(availability.of(line.item))


class QuoteSerializer(WorkflowFieldsMixin, SuiteModelSerializer):
    lines = QuoteLineSerializer(many=True)
    currency = currency_field(required=False, help_text="Default: the opportunity's, the customer's, the company's.")
    next_version = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)

    class Meta:
        model = Quote
        fields = ["id", "company", "number", "version", "customer", "contact", "opportunity", "currency",
                  "quote_date", "valid_until", "status", "lines", "total", "total_tax", "total_with_tax", "terms",
                  "notes", "owner", "previous_version", "next_version", "sent_at", "decided_at",
                  "allowed_transitions", "created_at", "updated_at"]
        read_only_fields = ["number", "version", "status", "total", "total_tax", "total_with_tax",
                            "previous_version", "sent_at", "decided_at"]
        extra_kwargs = {"quote_date": {"required": False}, "valid_until": {"required": False},
                        "terms": {"required": False, "allow_null": True}}


class PriceBreakSerializer(LineSerializer):
    item_number = serializers.CharField(source="item.number", read_only=True)

    class Meta:
        model = PriceBreak
        fields = ["id", "item", "item_number", "min_quantity", "unit_price"]


class PriceListSerializer(SuiteModelSerializer):
    breaks = PriceBreakSerializer(many=True, required=False)
    currency = currency_field()

    class Meta:
        model = PriceList
        fields = ["id", "company", "name", "currency", "customer", "segment", "valid_from", "valid_to", "is_active",
                  "breaks", "created_at", "updated_at"]


# ---- service -------------------------------------------------------------------------------------------------
class ServiceCaseSerializer(CreateOnlyMixin, WorkflowFieldsMixin, SuiteModelSerializer):
    overdue = serializers.BooleanField(read_only=True)
    genealogy_url = serializers.CharField(read_only=True, allow_null=True,
                                          help_text="The lot's genealogy page (MES), if a lot is given.")

    class Meta:
        model = ServiceCase
        fields = ["id", "company", "number", "customer", "contact", "subject", "description", "item", "lot",
                  "priority", "status", "owner", "opened_at", "due_at", "overdue", "resolved_at", "resolution",
                  "genealogy_url", "allowed_transitions", "created_at", "updated_at"]
        read_only_fields = ["number", "status", "opened_at", "due_at", "resolved_at", "resolution"]
        create_only = ["customer"]


class CaseResolveSerializer(SuiteSerializer):
    resolution = serializers.CharField(required=False, allow_blank=True, default="")


class SlaPolicySerializer(SuiteModelSerializer):
    class Meta:
        model = SlaPolicy
        fields = ["id", "company", "priority", "resolution_hours", "created_at", "updated_at"]


class SalesSettingsSerializer(SuiteModelSerializer):
    class Meta:
        model = SalesSettings
        fields = ["id", "company", "letterhead_address", "quote_terms", "quote_validity_days", "default_tax_rate",
                  "created_at", "updated_at"]
