"""Serializers of purchasing, receipts, replenishment and shipments."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.core.api.serializers import (
    IdQueryField,
    ScopedPrimaryKeyRelatedField,
    SuiteChildSerializer,
    SuiteModelSerializer,
    SuiteSerializer,
    WorkflowFieldsMixin,
)
from apps.core.workflow import allowed_transitions
from apps.scm.models import (
    GoodsReceipt,
    GoodsReceiptLine,
    Lot,
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseRequisition,
    PurchasingPolicy,
    ReorderRule,
    Shipment,
    ShipmentAllocation,
    ShipmentLine,
    SupplierItem,
    SupplierPriceBreak,
)
from apps.scm.models import Location as LocationModel


class UserFacingTransitionsMixin(WorkflowFieldsMixin):
    """`allowed_transitions` without the steps only the system takes (receiving a PO)."""

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_allowed_transitions(self, obj) -> list[str]:
        request = self.context.get("request")
        internal = getattr(type(obj), "internal_verbs", frozenset())
        return [v for v in allowed_transitions(obj, request.user if request else None) if v not in internal]


# ---- suppliers ---------------------------------------------------------------------------------
class SupplierPriceBreakSerializer(SuiteChildSerializer):
    class Meta:
        model = SupplierPriceBreak
        fields = ["min_quantity", "unit_price"]


class SupplierItemSerializer(SuiteModelSerializer):
    price_breaks = SupplierPriceBreakSerializer(many=True, required=False)
    currency = serializers.SlugRelatedField(slug_field="code", required=False,
                                            queryset=SupplierItem._meta.get_field("currency").related_model.objects)

    class Meta:
        model = SupplierItem
        fields = ["id", "company", "supplier", "item", "supplier_part_number", "currency", "lead_time_days",
                  "minimum_order_quantity", "is_preferred", "price_breaks", "created_at", "updated_at"]


class SupplierPerformanceQuerySerializer(SuiteSerializer):
    supplier = IdQueryField(help_text="The supplier (party id).")
    date_from = serializers.DateField(required=False, help_text="Receipts from this day (inclusive).")
    date_to = serializers.DateField(required=False, help_text="Receipts up to this day (inclusive).")


class SupplierPerformanceSerializer(SuiteSerializer):
    supplier = serializers.IntegerField()
    supplier_name = serializers.CharField()
    receipts = serializers.IntegerField()
    receipt_lines = serializers.IntegerField()
    on_time_percent = serializers.DecimalField(max_digits=7, decimal_places=2, allow_null=True)
    average_lead_time_days = serializers.DecimalField(max_digits=9, decimal_places=1, allow_null=True)
    quantity_received = serializers.DecimalField(max_digits=18, decimal_places=4)
    quantity_rejected = serializers.DecimalField(max_digits=18, decimal_places=4)
    rejected_percent = serializers.DecimalField(max_digits=7, decimal_places=2, allow_null=True)


# ---- policy and requisitions -------------------------------------------------------------------
class PurchasingPolicySerializer(SuiteModelSerializer):
    class Meta:
        model = PurchasingPolicy
        fields = ["id", "company", "approval_threshold", "over_receipt_tolerance_percent", "quality_hold_location",
                  "created_at", "updated_at"]


class PurchaseRequisitionSerializer(UserFacingTransitionsMixin, SuiteModelSerializer):
    purchase_order = serializers.SerializerMethodField()

    class Meta:
        model = PurchaseRequisition
        fields = ["id", "company", "number", "source", "status", "item", "quantity", "needed_by", "warehouse",
                  "supplier", "reorder_rule", "reference", "requested_by", "purchase_order_line", "purchase_order",
                  "notes", "allowed_transitions", "created_at", "updated_at"]
        read_only_fields = ["number", "status", "reorder_rule", "requested_by", "purchase_order_line"]

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_purchase_order(self, obj) -> int | None:
        return obj.purchase_order_line.purchase_order_id if obj.purchase_order_line_id else None


# ---- purchase orders ---------------------------------------------------------------------------
class PurchaseOrderLineSerializer(SuiteChildSerializer):
    item_number = serializers.CharField(source="item.number", read_only=True)
    unit_price = serializers.DecimalField(max_digits=18, decimal_places=4, required=False, allow_null=True,
                                          help_text="Default: the supplier item's price break for the quantity.")
    amount = serializers.DecimalField(max_digits=18, decimal_places=2, read_only=True)

    class Meta:
        model = PurchaseOrderLine
        fields = ["id", "line_number", "item", "item_number", "quantity", "unit_price", "due_date",
                  "quantity_received", "quantity_rejected", "amount"]
        read_only_fields = ["line_number", "quantity_received", "quantity_rejected"]


class PurchaseOrderSerializer(UserFacingTransitionsMixin, SuiteModelSerializer):
    lines = PurchaseOrderLineSerializer(many=True)
    currency = serializers.SlugRelatedField(slug_field="code", required=False,
                                            queryset=PurchaseOrder._meta.get_field("currency").related_model.objects)

    class Meta:
        model = PurchaseOrder
        fields = ["id", "company", "number", "supplier", "currency", "order_date", "warehouse", "status", "lines",
                  "total", "exchange_rate", "total_company_currency", "notes", "approved_by", "approved_at",
                  "sent_at", "allowed_transitions", "created_at", "updated_at"]
        read_only_fields = ["number", "status", "total", "exchange_rate", "total_company_currency", "approved_by",
                            "approved_at", "sent_at"]
        extra_kwargs = {"order_date": {"required": False}}


# ---- receipts ----------------------------------------------------------------------------------
class GoodsReceiptLineSerializer(SuiteChildSerializer):
    item = serializers.IntegerField(source="purchase_order_line.item_id", read_only=True)
    stock_move = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = GoodsReceiptLine
        fields = ["id", "purchase_order_line", "item", "quantity", "quantity_rejected", "lot_code", "expires_on",
                  "location", "quality_hold", "stock_move"]


class GoodsReceiptSerializer(UserFacingTransitionsMixin, SuiteModelSerializer):
    lines = GoodsReceiptLineSerializer(many=True)
    purchase_order_number = serializers.CharField(source="purchase_order.number", read_only=True)

    class Meta:
        model = GoodsReceipt
        fields = ["id", "company", "number", "purchase_order", "purchase_order_number", "received_on", "status",
                  "delivery_note", "notes", "lines", "posted_at", "posted_by", "allowed_transitions", "created_at",
                  "updated_at"]
        read_only_fields = ["number", "status", "posted_at", "posted_by"]
        extra_kwargs = {"received_on": {"required": False}}


# ---- replenishment -----------------------------------------------------------------------------
class ReorderRuleSerializer(SuiteModelSerializer):
    class Meta:
        model = ReorderRule
        fields = ["id", "company", "item", "warehouse", "min_quantity", "max_quantity", "multiple", "is_active",
                  "created_at", "updated_at"]


class ReplenishmentRunSerializer(SuiteSerializer):
    proposed = PurchaseRequisitionSerializer(many=True, read_only=True)


# ---- shipments ---------------------------------------------------------------------------------
class ShipmentAllocationSerializer(SuiteChildSerializer):
    location_code = serializers.CharField(source="location.code", read_only=True)
    lot_code = serializers.CharField(source="lot.code", read_only=True, default=None)

    class Meta:
        model = ShipmentAllocation
        fields = ["id", "reservation", "location", "location_code", "lot", "lot_code", "quantity", "quantity_picked",
                  "stock_move"]


class ShipmentLineSerializer(SuiteChildSerializer):
    item_number = serializers.CharField(source="item.number", read_only=True)
    allocations = ShipmentAllocationSerializer(many=True, read_only=True)

    class Meta:
        model = ShipmentLine
        fields = ["id", "line_number", "item", "item_number", "quantity", "lot", "due_date", "quantity_shipped",
                  "allocations"]
        read_only_fields = ["line_number", "quantity_shipped"]


class ShipmentSerializer(UserFacingTransitionsMixin, SuiteModelSerializer):
    lines = ShipmentLineSerializer(many=True)

    class Meta:
        model = Shipment
        fields = ["id", "company", "number", "sales_order_number", "customer", "warehouse", "status", "planned_date",
                  "carrier", "tracking_number", "package_count", "weight_kg", "backorder_of", "lines", "notes",
                  "shipped_at", "allowed_transitions", "created_at", "updated_at"]
        read_only_fields = ["number", "status", "package_count", "weight_kg", "backorder_of", "shipped_at"]
        extra_kwargs = {"warehouse": {"required": False}}


class ShipmentPickSerializer(SuiteSerializer):
    """One scan confirmed: an item (or a lot, which names its item), from a location, a quantity."""

    item = ScopedPrimaryKeyRelatedField(queryset=ShipmentLine._meta.get_field("item").related_model.objects,
                                        required=False, allow_null=True)
    location = ScopedPrimaryKeyRelatedField(queryset=LocationModel.objects, required=False, allow_null=True)
    lot = ScopedPrimaryKeyRelatedField(queryset=Lot.objects, required=False, allow_null=True)
    quantity = serializers.DecimalField(max_digits=18, decimal_places=4)

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        if request is not None:
            from apps.core.scoping import scope_queryset

            for name in ("item", "location", "lot"):
                fields[name].queryset = scope_queryset(fields[name].queryset.all(), request.user)
        return fields


class ShipmentPackSerializer(SuiteSerializer):
    package_count = serializers.IntegerField(min_value=1, default=1)
    weight_kg = serializers.DecimalField(max_digits=12, decimal_places=3, required=False, allow_null=True)


class ShipmentShipSerializer(SuiteSerializer):
    carrier = serializers.CharField(required=False, allow_blank=True, default="",
                                    max_length=Shipment._meta.get_field("carrier").max_length)
    tracking_number = serializers.CharField(required=False, allow_blank=True, default="",
                                            max_length=Shipment._meta.get_field("tracking_number").max_length)
