"""Serializers of the stock half of SCM's API: warehouses, locations, lots, stock, moves, reservations, counts."""

from decimal import Decimal

from rest_framework import serializers

from apps.core.api.serializers import (
    ScopedPrimaryKeyRelatedField,
    SuiteChildSerializer,
    SuiteModelSerializer,
    SuiteSerializer,
    WorkflowFieldsMixin,
)
from apps.plm.models import Item
from apps.scm.models import CycleCount, CycleCountLine, Location, Lot, Reservation, StockMove, StockQuant, Warehouse

QUANTITY = {"max_digits": 18, "decimal_places": 4}


class WarehouseSerializer(SuiteModelSerializer):
    class Meta:
        model = Warehouse
        fields = ["id", "company", "code", "name", "address", "is_active", "created_at", "updated_at"]
        validators = []  # (company, code) is checked by the service once the company is resolved


class LocationSerializer(SuiteModelSerializer):
    class Meta:
        model = Location
        fields = ["id", "company", "code", "name", "warehouse", "parent", "kind", "barcode", "is_quality_hold",
                  "is_active", "created_at", "updated_at"]
        validators = []  # (company, code) and (company, barcode) are checked by the service


class LotSerializer(SuiteModelSerializer):
    class Meta:
        model = Lot
        fields = ["id", "company", "item", "code", "expires_on", "is_serial", "created_at", "updated_at"]
        read_only_fields = ["is_serial"]


class StockQuantSerializer(SuiteChildSerializer):
    """On hand, reserved and available of an item (lot) at an internal location."""

    available = serializers.DecimalField(**QUANTITY, read_only=True, source="available_quantity")

    class Meta:
        model = StockQuant
        fields = ["id", "company", "item", "location", "lot", "on_hand", "reserved", "available", "created_at",
                  "updated_at"]
        read_only_fields = fields


class StockMoveSerializer(WorkflowFieldsMixin, SuiteModelSerializer):
    """A move of the ledger. Creating one posts it (an adjustment or a transfer) unless `status` is `draft`."""

    status = serializers.ChoiceField(choices=[("draft", "Draft"), ("done", "Done")], default="done",
                                     help_text="`done` (default) posts at once; `draft` only records it.")

    class Meta:
        model = StockMove
        fields = ["id", "company", "item", "quantity", "from_location", "to_location", "lot", "unit_cost", "value",
                  "status", "reference", "reason", "source_type", "source_id", "done_at", "reversed_by",
                  "allowed_transitions", "created_at", "updated_at"]
        read_only_fields = ["value", "source_type", "source_id", "done_at", "reversed_by"]


class ReverseSerializer(SuiteSerializer):
    """Input of `reverse`: why the move is corrected."""

    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class ReservationSerializer(WorkflowFieldsMixin, SuiteModelSerializer):
    class Meta:
        model = Reservation
        fields = ["id", "company", "item", "location", "lot", "quantity", "open_quantity", "reference", "status",
                  "source_type", "source_id", "allowed_transitions", "created_at", "updated_at"]
        read_only_fields = ["open_quantity", "status", "source_type", "source_id"]


class ReleaseSerializer(SuiteSerializer):
    """Input of `release`: a part of the open quantity, or everything when omitted."""

    quantity = serializers.DecimalField(**QUANTITY, required=False, min_value=Decimal("0.0001"))


class CycleCountLineSerializer(SuiteChildSerializer):
    item = ScopedPrimaryKeyRelatedField(queryset=Item.objects.all())
    lot = ScopedPrimaryKeyRelatedField(queryset=Lot.objects.all(), required=False, allow_null=True)
    counted_quantity = serializers.DecimalField(**QUANTITY, required=False, allow_null=True,
                                                min_value=Decimal(0))

    class Meta:
        model = CycleCountLine
        fields = ["id", "item", "lot", "expected_quantity", "counted_quantity", "difference", "move"]
        read_only_fields = ["expected_quantity", "difference", "move"]


class CycleCountSerializer(WorkflowFieldsMixin, SuiteModelSerializer):
    """A count of one location; on create, lines default to everything on hand there."""

    lines = CycleCountLineSerializer(many=True, required=False)

    class Meta:
        model = CycleCount
        fields = ["id", "company", "number", "location", "reason", "status", "posted_at", "lines",
                  "allowed_transitions", "created_at", "updated_at"]
        read_only_fields = ["number", "status", "posted_at"]


class CountLinesSerializer(SuiteSerializer):
    """Input of `record`: counted quantities by item (and lot)."""

    lines = CycleCountLineSerializer(many=True)
