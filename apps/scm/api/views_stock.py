"""The stock half of SCM's API: warehouses, locations, lots, stock (read), moves, reservations, cycle counts."""

from rest_framework.exceptions import MethodNotAllowed

from apps.core.api.viewsets import SuiteModelViewSet, SuiteReadOnlyViewSet, workflow_action
from apps.scm.api import filters_stock as f
from apps.scm.api import serializers_stock as s
from apps.scm.models import CycleCount, Location, Lot, Reservation, StockMove, Warehouse
from apps.scm.selectors import stock_quants
from apps.scm.services.locations import location_create, location_update, warehouse_create
from apps.scm.services.stock import (
    cycle_count_cancel,
    cycle_count_create,
    cycle_count_post,
    cycle_count_record,
    lot_get_or_create,
    reservation_release,
    stock_move_cancel,
    stock_move_confirm,
    stock_move_create_draft,
    stock_move_post,
    stock_move_reverse,
    stock_reserve,
)


def move_create(*, status: str = "done", **data):
    """`POST scm/moves/`: post an adjustment or transfer at once, or record a draft."""
    return stock_move_create_draft(**data) if status == "draft" else stock_move_post(**data)


class NoUpdateMixin:
    """Ledger rows are never edited or deleted through the API: they are reversed or released."""

    http_method_names = ["get", "post", "head", "options"]

    def update(self, request, *args, **kwargs):
        raise MethodNotAllowed(request.method)

    def destroy(self, request, *args, **kwargs):
        raise MethodNotAllowed(request.method)


class WarehouseViewSet(SuiteModelViewSet):
    """Warehouses; creating one also creates its root stock location `<code>/STOCK`."""

    queryset = Warehouse.objects.all()
    serializer_class = s.WarehouseSerializer
    filterset_class = f.WarehouseFilterSet
    search_fields = ["code", "name"]
    ordering_fields = ["code", "name"]
    services = {"create": warehouse_create}


class LocationViewSet(SuiteModelViewSet):
    """Internal locations (zones, bins) and virtual ones (supplier, customer, production, scrap, …)."""

    queryset = Location.objects.all()
    serializer_class = s.LocationSerializer
    filterset_class = f.LocationFilterSet
    search_fields = ["code", "name", "barcode"]
    ordering_fields = ["code", "name", "kind"]
    services = {"create": location_create, "update": location_update}


class LotViewSet(SuiteModelViewSet):
    """Lots and serial numbers of tracked items, with their expiry dates."""

    queryset = Lot.objects.select_related("item")
    serializer_class = s.LotSerializer
    filterset_class = f.LotFilterSet
    search_fields = ["code", "item__number"]
    ordering_fields = ["code", "expires_on", "created_at"]
    services = {"create": lot_get_or_create}


class StockQuantViewSet(SuiteReadOnlyViewSet):
    """On hand, reserved and available per item, location and lot (internal locations, non-empty)."""

    queryset = stock_quants().order_by("item_id", "location_id", "lot_id")
    serializer_class = s.StockQuantSerializer
    filterset_class = f.StockQuantFilterSet
    search_fields = ["item__number", "location__code", "lot__code"]
    ordering_fields = ["on_hand", "reserved", "item__number", "location__code"]
    ordering = ["item_id", "location_id", "lot_id"]


class StockMoveViewSet(NoUpdateMixin, SuiteModelViewSet):
    """The stock ledger. POST writes an adjustment (to/from the inventory-loss location) or a transfer."""

    queryset = StockMove.objects.all()
    serializer_class = s.StockMoveSerializer
    filterset_class = f.StockMoveFilterSet
    search_fields = ["reference", "reason", "item__number"]
    ordering_fields = ["done_at", "created_at", "quantity", "value"]
    services = {"create": move_create}

    post = workflow_action("post", stock_move_confirm, summary="Post a draft move")
    cancel = workflow_action("cancel", stock_move_cancel, summary="Cancel a draft move")
    reverse = workflow_action("reverse", stock_move_reverse, input_serializer=s.ReverseSerializer,
                              summary="Reverse a done move, once, with a new move the other way (returns it)")


class ReservationViewSet(NoUpdateMixin, SuiteModelViewSet):
    """Stock held for documents. More than available answers 409 with `available`."""

    queryset = Reservation.objects.all()
    serializer_class = s.ReservationSerializer
    filterset_class = f.ReservationFilterSet
    search_fields = ["reference"]
    ordering_fields = ["created_at", "quantity"]
    services = {"create": stock_reserve}

    release = workflow_action("release", reservation_release, input_serializer=s.ReleaseSerializer,
                              summary="Release a reservation (all, or `quantity`)")


class CycleCountViewSet(NoUpdateMixin, SuiteModelViewSet):
    """Cycle counts of a location; `post` writes the adjustments for the differences."""

    queryset = CycleCount.objects.select_related("location").prefetch_related("lines")
    serializer_class = s.CycleCountSerializer
    filterset_class = f.CycleCountFilterSet
    search_fields = ["number", "reason"]
    ordering_fields = ["created_at", "number"]
    services = {"create": cycle_count_create}

    record = workflow_action("record", cycle_count_record, input_serializer=s.CountLinesSerializer,
                             summary="Enter counted quantities")
    post = workflow_action("post", cycle_count_post, summary="Post the count's adjustments")
    cancel = workflow_action("cancel", cycle_count_cancel, summary="Cancel the count")
