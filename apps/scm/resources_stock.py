"""Browser screens of the stock half of SCM, declared as Resources."""

from django import forms

from apps.core.services.records import record_update
from apps.core.ui.resource import Action, Related, Resource
from apps.scm.forms import active_warehouse_picker, internal_location_picker, lot_picker
from apps.scm.models import CycleCount, Location, Lot, Reservation, StockMove, Warehouse
from apps.scm.services.locations import location_create, location_update, warehouse_create
from apps.scm.services.stock import (
    cycle_count_cancel,
    cycle_count_create,
    cycle_count_post,
    lot_get_or_create,
    reservation_release,
    stock_move_cancel,
    stock_move_confirm,
    stock_move_reverse,
    stock_reserve,
)


class WarehouseResource(Resource):
    model = Warehouse
    namespace = "scm"
    list_fields = ["code", "name", "is_active"]
    search_fields = ["code", "name"]
    form_fields = ["code", "name", "address", "is_active"]
    related = [Related("Locations", "locations", ["code", "name", "kind", "barcode", "is_quality_hold"])]
    services = {"create": warehouse_create, "update": record_update}
    ordering = ["code"]


class LocationResource(Resource):
    model = Location
    namespace = "scm"
    list_fields = ["code", "name", "warehouse", "parent", "kind", "barcode", "is_quality_hold"]
    filter_fields = ["warehouse", "kind", "is_quality_hold"]
    search_fields = ["code", "name", "barcode"]
    form_fields = ["warehouse", "parent", "code", "name", "kind", "barcode", "is_quality_hold", "is_active"]
    widgets = {"warehouse": active_warehouse_picker(), "parent": internal_location_picker(warehouse_field="warehouse")}
    related = [Related("Stock", lambda obj: obj.quants.filter(on_hand__gt=0).select_related("item", "lot"),
                       ["item", "lot", "on_hand", "reserved"]),
               Related("Sub-locations", "children", ["code", "name", "barcode"])]
    services = {"create": location_create, "update": location_update}
    select_related = ["warehouse", "parent"]
    ordering = ["code"]


class LotResource(Resource):
    model = Lot
    namespace = "scm"
    title_plural = "Lots and serial numbers"
    list_fields = ["code", "item", "expires_on", "is_serial", "created_at"]
    filter_fields = ["is_serial"]
    search_fields = ["code", "item__number"]
    form_fields = ["item", "code", "expires_on"]
    detail_fields = ["code", "item", "expires_on", "is_serial"]
    related = [Related("Stock", lambda obj: obj.quants.filter(on_hand__gt=0).select_related("location"),
                       ["location", "on_hand", "reserved"])]
    services = {"create": lot_get_or_create, "update": record_update}
    select_related = ["item"]
    detail_template = "scm/lot_detail.html"  # with the Trace and Recall buttons (ERP's pages, linked by URL name)


class ReverseForm(forms.Form):
    reason = forms.CharField(max_length=200, required=False, help_text="Why the move is corrected (default: Reversal).")


class StockMoveResource(Resource):
    model = StockMove
    namespace = "scm"
    list_fields = ["id", "done_at", "item", "quantity", "from_location", "to_location", "lot", "value", "status",
                   "reference"]
    filter_fields = ["status", "from_location", "to_location"]
    search_fields = ["reference", "reason", "item__number", "lot__code"]
    detail_fields = ["item", "quantity", "from_location", "to_location", "lot", "unit_cost", "value", "status",
                     "reference", "reason", "source_type", "source_id", "done_at", "created_by", "reversed_by"]
    actions = {"post": Action(stock_move_confirm, label="Post"),
               "cancel": Action(stock_move_cancel, label="Cancel", style="danger"),
               "reverse": Action(stock_move_reverse, form_class=ReverseForm, label="Reverse", style="warning",
                                 confirm="Post a move the other way, at the original cost? A move is reversed once.",
                                 message="{object} reversed by {result}.")}
    can_create = can_edit = False
    select_related = ["item", "from_location", "to_location", "lot"]


class ReleaseForm(forms.Form):
    quantity = forms.DecimalField(max_digits=18, decimal_places=4, required=False,
                                  help_text="Leave empty to release everything still reserved.")


class ReservationForm(forms.ModelForm):
    class Meta:
        model = Reservation
        fields = ["item", "location", "lot", "quantity", "reference"]
        widgets = {"location": internal_location_picker(), "lot": lot_picker()}


class ReservationResource(Resource):
    model = Reservation
    namespace = "scm"
    list_fields = ["id", "item", "location", "lot", "quantity", "open_quantity", "status", "reference"]
    filter_fields = ["status", "location"]
    search_fields = ["reference", "item__number"]
    form_class = ReservationForm
    detail_fields = ["item", "location", "lot", "quantity", "open_quantity", "status", "reference", "source_type",
                     "source_id"]
    actions = {"release": Action(reservation_release, form_class=ReleaseForm, label="Release", style="warning")}
    services = {"create": stock_reserve}
    can_edit = False
    select_related = ["item", "location", "lot"]


class CycleCountForm(forms.ModelForm):
    class Meta:
        model = CycleCount
        fields = ["location", "reason"]
        widgets = {"location": internal_location_picker()}


class CycleCountResource(Resource):
    model = CycleCount
    namespace = "scm"
    list_fields = ["number", "location", "status", "reason", "posted_at"]
    filter_fields = ["status", "location"]
    search_fields = ["number", "reason"]
    form_class = CycleCountForm
    detail_fields = ["number", "location", "reason", "status", "posted_at"]
    related = [Related("Lines", "lines", ["item", "lot", "expected_quantity", "counted_quantity", "difference",
                                          "move"])]
    actions = {"post": Action(cycle_count_post, label="Post adjustments"),
               "cancel": Action(cycle_count_cancel, label="Cancel", style="danger")}
    services = {"create": cycle_count_create}
    can_edit = False
    detail_template = "scm/stock_cyclecount_detail.html"
    select_related = ["location"]
