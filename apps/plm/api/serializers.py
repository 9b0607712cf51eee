"""PLM API serializers (field names as in API.md)."""

from decimal import Decimal

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.core.api.serializers import (
    IdQueryField,
    ScopedPrimaryKeyRelatedField,
    SuiteChildSerializer,
    SuiteModelSerializer,
    SuiteSerializer,
    WorkflowFieldsMixin,
    download_url,
)
from apps.core.limits import MAX_QUERY_DIGITS, QUERY_DECIMAL_PLACES
from apps.core.models import Company, UnitOfMeasure
from apps.plm.models import (
    BomLine,
    ChangeApproval,
    ChangeApprovalRule,
    ChangeOrder,
    ChangeRequest,
    Document,
    Item,
    ItemCategory,
    Revision,
)
from apps.plm.services.changes import approval_status, change_order_verbs


class ItemCategorySerializer(SuiteModelSerializer):
    class Meta:
        model = ItemCategory
        validators = []  # uniqueness is checked by the service, naming the field
        fields = ["id", "company", "name", "created_at", "updated_at"]


class ItemSerializer(WorkflowFieldsMixin, SuiteModelSerializer):
    current_revision_code = serializers.CharField(source="current_revision.code", read_only=True, default=None)

    class Meta:
        model = Item
        validators = []  # uniqueness is checked by the service, naming the field
        fields = ["id", "company", "number", "name", "description", "item_type", "uom", "tracking", "category",
                  "standard_cost", "lifecycle_state", "current_revision", "current_revision_code",
                  "allowed_transitions", "created_at", "updated_at"]
        read_only_fields = ["lifecycle_state", "current_revision"]


class BomLineSerializer(SuiteModelSerializer):
    component_number = serializers.CharField(source="component.number", read_only=True)
    uom = serializers.PrimaryKeyRelatedField(queryset=UnitOfMeasure.objects.all(), required=False, allow_null=True,
                                             help_text="Unit of the quantity; defaults to the component's unit.")

    class Meta:
        model = BomLine
        fields = ["id", "revision", "component", "component_number", "quantity", "uom", "scrap_percent", "position",
                  "reference_designators", "notes", "created_at", "updated_at"]
        extra_kwargs = {"position": {"required": False}}


class RevisionSerializer(WorkflowFieldsMixin, SuiteModelSerializer):
    bom_lines = BomLineSerializer(many=True, read_only=True)
    item_number = serializers.CharField(source="item.number", read_only=True)

    class Meta:
        model = Revision
        validators = []  # one open revision per item: the service answers 409 naming `item`
        fields = ["id", "company", "item", "item_number", "code", "status", "effective_from", "released_at",
                  "copied_from", "notes", "bom_lines", "allowed_transitions", "created_at", "updated_at"]
        read_only_fields = ["code", "status", "released_at", "copied_from"]

    def get_fields(self):
        fields = super().get_fields()
        if self.instance is not None and not isinstance(self.instance, list):
            fields["item"].read_only = True
        return fields


class DocumentSerializer(SuiteModelSerializer):
    item = ScopedPrimaryKeyRelatedField(queryset=Item.objects.all(), required=False,
                                        help_text="Defaults to the revision's item.")
    checksum = serializers.CharField(required=False, max_length=64,
                                     help_text="SHA-256 (hex) of the file; if given it must match the upload.")
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Document
        fields = ["id", "company", "item", "revision", "title", "version", "file", "file_name", "size", "checksum",
                  "uploaded_by", "download_url", "created_at", "updated_at"]
        read_only_fields = ["file_name", "size", "uploaded_by"]
        extra_kwargs = {"file": {"write_only": True}}  # the stored path is private: `download_url` serves it

    @extend_schema_field(serializers.URLField())
    def get_download_url(self, obj) -> str:
        return download_url(self.context.get("request"), f"/api/v1/plm/documents/{obj.pk}/download/")


class ChangeApprovalSerializer(SuiteChildSerializer):
    approver = serializers.CharField(source="approver.username", read_only=True)
    role = serializers.CharField(source="role.name", read_only=True)

    class Meta:
        model = ChangeApproval
        fields = ["id", "round", "approver", "role", "decision", "comment", "created_at"]


class ApprovalStatusSerializer(SuiteSerializer):
    role = serializers.CharField()
    role_id = serializers.IntegerField()
    required = serializers.IntegerField()
    approved = serializers.IntegerField()
    approvers = serializers.ListField(child=serializers.CharField())
    satisfied = serializers.BooleanField()


class ChangeOrderSerializer(WorkflowFieldsMixin, SuiteModelSerializer):
    approvals = ChangeApprovalSerializer(many=True, read_only=True)
    approval_status = serializers.SerializerMethodField()

    class Meta:
        model = ChangeOrder
        validators = []  # uniqueness is checked by the service, naming the field
        fields = ["id", "company", "number", "title", "reason", "status", "revisions", "change_request", "round",
                  "submitted_at", "approved_at", "released_at", "released_by", "approvals", "approval_status",
                  "allowed_transitions", "created_at", "updated_at"]
        read_only_fields = ["number", "status", "round", "submitted_at", "approved_at", "released_at",
                            "released_by"]
        extra_kwargs = {"revisions": {"required": False}}

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_allowed_transitions(self, obj) -> list[str]:
        request = self.context.get("request")
        return change_order_verbs(obj, request.user, cache=self._approval_cache()) if request else []

    @extend_schema_field(ApprovalStatusSerializer(many=True))
    def get_approval_status(self, obj) -> list[dict]:
        return approval_status(obj, cache=self._approval_cache())

    def _approval_cache(self) -> dict:
        """Rules and roles looked up once per response, not once per order of a list."""
        return self.context.setdefault("approval_cache", {})


class ChangeRequestSerializer(WorkflowFieldsMixin, SuiteModelSerializer):
    class Meta:
        model = ChangeRequest
        validators = []  # uniqueness is checked by the service, naming the field
        fields = ["id", "company", "number", "title", "problem", "requested_by", "affected_items", "status",
                  "source", "reference", "allowed_transitions", "created_at", "updated_at"]
        read_only_fields = ["number", "requested_by", "status", "source"]
        extra_kwargs = {"affected_items": {"required": False}}


class ChangeApprovalRuleSerializer(SuiteModelSerializer):
    class Meta:
        model = ChangeApprovalRule
        validators = []  # uniqueness is checked by the service, naming the field
        fields = ["id", "company", "role", "required_count", "created_at", "updated_at"]


# ---- query parameters and read models of the structure queries ----------------------------------

class QuantityQuerySerializer(SuiteSerializer):
    quantity = serializers.DecimalField(max_digits=MAX_QUERY_DIGITS, decimal_places=QUERY_DECIMAL_PLACES,
                                        min_value=Decimal("0.0001"), default=Decimal(1),
                                        help_text="How many of the item (default 1).")


class CompareQuerySerializer(SuiteSerializer):
    to = IdQueryField(help_text="The revision to compare with (the newer one).")


class ExplosionRowSerializer(SuiteSerializer):
    level = serializers.IntegerField()
    item = serializers.IntegerField(help_text="Component item id.")
    number = serializers.CharField()
    name = serializers.CharField()
    quantity_per = serializers.DecimalField(max_digits=18, decimal_places=4, help_text="Per parent unit, in `uom`.")
    uom = serializers.CharField(help_text="Unit of the line quantity.")
    scrap_percent = serializers.DecimalField(max_digits=7, decimal_places=4)
    position = serializers.IntegerField()
    total_quantity = serializers.DecimalField(max_digits=24, decimal_places=4,
                                              help_text="Rolled up for the requested quantity, in `item_uom`.")
    item_uom = serializers.CharField()
    path = serializers.ListField(child=serializers.IntegerField(), help_text="Item ids from the top down.")


class BomSummaryRowSerializer(SuiteSerializer):
    item = serializers.IntegerField()
    number = serializers.CharField()
    name = serializers.CharField()
    uom = serializers.CharField()
    total_quantity = serializers.DecimalField(max_digits=24, decimal_places=4)
    occurrences = serializers.IntegerField()


class WhereUsedRowSerializer(SuiteSerializer):
    level = serializers.IntegerField()
    item = serializers.IntegerField(help_text="The assembly that uses it.")
    number = serializers.CharField()
    name = serializers.CharField()
    revision = serializers.CharField()
    revision_status = serializers.CharField()
    quantity_per = serializers.DecimalField(max_digits=18, decimal_places=4)
    uom = serializers.CharField()
    path = serializers.ListField(child=serializers.IntegerField())


class CostLineSerializer(SuiteSerializer):
    item = serializers.IntegerField()
    number = serializers.CharField()
    uom = serializers.CharField()
    total_quantity = serializers.DecimalField(max_digits=24, decimal_places=4)
    unit_cost = serializers.DecimalField(max_digits=18, decimal_places=4)
    extended_cost = serializers.DecimalField(max_digits=24, decimal_places=4)


class CostRollupSerializer(SuiteSerializer):
    item = serializers.IntegerField()
    number = serializers.CharField()
    quantity = serializers.DecimalField(max_digits=18, decimal_places=4)
    unit_cost = serializers.DecimalField(max_digits=24, decimal_places=4)
    total_cost = serializers.DecimalField(max_digits=24, decimal_places=4)
    lines = CostLineSerializer(many=True)


class CompareLineSerializer(SuiteSerializer):
    component = serializers.IntegerField()
    number = serializers.CharField()
    name = serializers.CharField()
    quantity = serializers.DecimalField(max_digits=18, decimal_places=4, required=False)
    uom = serializers.CharField(required=False)
    scrap_percent = serializers.DecimalField(max_digits=7, decimal_places=4, required=False)
    position = serializers.IntegerField(required=False)
    reference_designators = serializers.CharField(required=False)


class CompareValuesSerializer(SuiteSerializer):
    quantity = serializers.DecimalField(max_digits=18, decimal_places=4)
    uom = serializers.CharField()
    scrap_percent = serializers.DecimalField(max_digits=7, decimal_places=4)
    position = serializers.IntegerField()
    reference_designators = serializers.CharField()


class CompareChangeSerializer(SuiteSerializer):
    component = serializers.IntegerField()
    number = serializers.CharField()
    name = serializers.CharField()
    fields = serializers.ListField(child=serializers.CharField())
    before = CompareValuesSerializer()
    after = CompareValuesSerializer()


class BomCompareSerializer(SuiteSerializer):
    from_revision = serializers.IntegerField()
    to_revision = serializers.IntegerField()
    added = CompareLineSerializer(many=True)
    removed = CompareLineSerializer(many=True)
    changed = CompareChangeSerializer(many=True)
    unchanged = serializers.IntegerField()


class ImpactSerializer(SuiteSerializer):
    revision = serializers.IntegerField()
    item = serializers.IntegerField()
    number = serializers.CharField()
    code = serializers.CharField()
    where_used = WhereUsedRowSerializer(many=True)


class ItemImportInputSerializer(SuiteSerializer):
    company = ScopedPrimaryKeyRelatedField(queryset=Company.objects.all(), required=False,
                                           help_text="Company to import into; defaults to the only company in which "
                                                     "your role may create items.")
    file = serializers.FileField(help_text="CSV or XLSX with columns number, name, description, item_type, uom, "
                                           "tracking, category, standard_cost.")
    dry_run = serializers.BooleanField(default=True, help_text="Only validate and preview (default).")


class ImportRowSerializer(SuiteSerializer):
    line = serializers.IntegerField()
    number = serializers.CharField()
    action = serializers.ChoiceField(choices=["create", "update", "unchanged", "error"])
    values = serializers.DictField()
    errors = serializers.DictField(child=serializers.CharField())


class ImportTotalsSerializer(SuiteSerializer):
    create = serializers.IntegerField()
    update = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    error = serializers.IntegerField()


class ItemImportResultSerializer(SuiteSerializer):
    dry_run = serializers.BooleanField()
    valid = serializers.BooleanField()
    totals = ImportTotalsSerializer()
    rows = ImportRowSerializer(many=True)
