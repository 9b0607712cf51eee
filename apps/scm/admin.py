"""SCM admin: every model registered; ledger rows are read-only, documents past draft too (SuiteModelAdmin);
saves, deletes and actions call services."""

from django.contrib import admin

from apps.core.admin_base import ReadOnlyAdmin, SuiteModelAdmin, SuiteTabularInline, run_per_record
from apps.scm.models import (
    CycleCount,
    CycleCountLine,
    ItemValuation,
    Location,
    Lot,
    Reservation,
    StockMove,
    StockQuant,
    Warehouse,
)
from apps.scm.services.stock import cycle_count_post, reservation_release, stock_move_confirm, stock_move_reverse


@admin.register(Warehouse)
class WarehouseAdmin(SuiteModelAdmin):
    list_display = ["code", "name", "company", "is_active"]
    list_filter = ["company", "is_active"]
    search_fields = ["code", "name"]


@admin.register(Location)
class LocationAdmin(SuiteModelAdmin):
    list_display = ["code", "name", "kind", "warehouse", "parent", "barcode", "is_quality_hold"]
    list_filter = ["company", "kind", "is_quality_hold"]
    search_fields = ["code", "name", "barcode"]
    raw_id_fields = ["parent"]


@admin.register(Lot)
class LotAdmin(SuiteModelAdmin):
    """A lot's identity (code, item, serial or not) is what genealogy and stock refer to: fixed once saved; its
    expiry may be corrected (audited)."""

    list_display = ["code", "item", "expires_on", "is_serial", "company"]
    list_filter = ["company", "is_serial"]
    search_fields = ["code", "item__number"]
    raw_id_fields = ["item"]

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        return [*readonly, "code", "item", "is_serial"] if obj is not None else readonly


@admin.register(StockMove)
class StockMoveAdmin(SuiteModelAdmin):
    """Done moves are immutable: only drafts can be posted (through the service)."""

    list_display = ["id", "done_at", "item", "quantity", "from_location", "to_location", "lot", "value", "status",
                    "reference"]
    list_filter = ["company", "status"]
    search_fields = ["reference", "item__number"]
    raw_id_fields = ["item", "lot"]
    actions = ["post_drafts", "reverse_moves"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Post selected draft moves", permissions=["view"])
    def post_drafts(self, request, queryset):
        run_per_record(self, request, queryset.filter(status="draft"), stock_move_confirm, "move", "Posted")

    @admin.action(description="Reverse selected done moves (once each)", permissions=["view"])
    def reverse_moves(self, request, queryset):
        run_per_record(self, request, queryset, stock_move_reverse, "move", "Reversed")


@admin.register(StockQuant)
class StockQuantAdmin(ReadOnlyAdmin):
    list_display = ["item", "location", "lot", "on_hand", "reserved", "company"]
    list_filter = ["company"]
    search_fields = ["item__number", "location__code", "lot__code"]


@admin.register(ItemValuation)
class ItemValuationAdmin(ReadOnlyAdmin):
    list_display = ["item", "company", "quantity", "average_cost", "value"]
    list_filter = ["company"]
    search_fields = ["item__number"]


@admin.register(Reservation)
class ReservationAdmin(ReadOnlyAdmin):
    list_display = ["id", "item", "location", "lot", "quantity", "open_quantity", "status", "reference"]
    list_filter = ["company", "status"]
    search_fields = ["reference", "item__number"]
    actions = ["release"]

    @admin.action(description="Release selected reservations", permissions=["view"])
    def release(self, request, queryset):
        run_per_record(self, request, queryset.filter(status="active"), reservation_release, "reservation", "Released")


class CycleCountLineInline(SuiteTabularInline):
    model = CycleCountLine
    raw_id_fields = ["item", "lot", "move"]
    readonly_fields = ["expected_quantity", "difference", "move"]


@admin.register(CycleCount)
class CycleCountAdmin(SuiteModelAdmin):
    list_display = ["number", "location", "status", "reason", "posted_at", "company"]
    list_filter = ["company", "status"]
    search_fields = ["number"]
    readonly_fields = ["number", "status", "posted_at"]
    inlines = [CycleCountLineInline]
    actions = ["post_counts"]

    @admin.action(description="Post selected counts (adjustment moves)")
    def post_counts(self, request, queryset):
        run_per_record(self, request, queryset.filter(status="draft"), cycle_count_post, "count", "Posted")


# ---- purchasing and shipments -------------------------------------------------------------------
from apps.scm import models as pm  # noqa: E402
from apps.scm.services import purchasing as purchasing_services  # noqa: E402
from apps.scm.services import receipts as receipt_services  # noqa: E402
from apps.scm.services import replenishment as replenishment_services  # noqa: E402
from apps.scm.services import shipments as shipment_services  # noqa: E402


class SupplierPriceBreakInline(SuiteTabularInline):
    model = pm.SupplierPriceBreak


@admin.register(pm.SupplierItem)
class SupplierItemAdmin(SuiteModelAdmin):
    list_display = ["item", "supplier", "supplier_part_number", "currency", "lead_time_days", "is_preferred"]
    list_filter = ["company", "is_preferred"]
    search_fields = ["supplier_part_number", "item__number", "supplier__name"]
    raw_id_fields = ["item", "supplier"]
    inlines = [SupplierPriceBreakInline]


@admin.register(pm.PurchasingPolicy)
class PurchasingPolicyAdmin(SuiteModelAdmin):
    list_display = ["company", "approval_threshold", "over_receipt_tolerance_percent", "quality_hold_location"]


@admin.register(pm.PurchaseRequisition)
class PurchaseRequisitionAdmin(SuiteModelAdmin):
    list_display = ["number", "item", "quantity", "source", "status", "supplier", "warehouse", "company"]
    list_filter = ["company", "status", "source"]
    search_fields = ["number", "item__number", "reference"]
    readonly_fields = ["number", "status", "purchase_order_line"]
    raw_id_fields = ["item", "supplier", "reorder_rule"]
    actions = ["order_requisitions"]
    services = {"update": purchasing_services.requisition_update}

    @admin.action(description="Create purchase orders from the selected open requisitions")
    def order_requisitions(self, request, queryset):
        run_per_record(self, request, queryset.filter(status="open"), purchasing_services.requisition_order,
                       "requisition", "Ordered")


class PurchaseOrderLineInline(SuiteTabularInline):
    model = pm.PurchaseOrderLine
    raw_id_fields = ["item"]
    readonly_fields = ["quantity_received", "quantity_rejected"]


@admin.register(pm.PurchaseOrder)
class PurchaseOrderAdmin(SuiteModelAdmin):
    list_display = ["number", "supplier", "order_date", "status", "total", "currency", "company"]
    list_filter = ["company", "status"]
    search_fields = ["number", "supplier__name"]
    readonly_fields = ["number", "status", "total", "exchange_rate", "total_company_currency", "approved_by",
                       "approved_at", "sent_at"]
    raw_id_fields = ["supplier"]
    inlines = [PurchaseOrderLineInline]
    # the service re-prices and re-totals the lines (and refuses anything but a draft)
    services = {"update": purchasing_services.purchase_order_update,
                "delete": purchasing_services.purchase_order_delete}
    actions = ["approve_orders", "send_orders", "cancel_orders"]

    @admin.action(description="Approve selected purchase orders")
    def approve_orders(self, request, queryset):
        run_per_record(self, request, queryset, purchasing_services.purchase_order_approve, "purchase_order",
                       "Approved")

    @admin.action(description="Send selected purchase orders")
    def send_orders(self, request, queryset):
        run_per_record(self, request, queryset, purchasing_services.purchase_order_send, "purchase_order", "Sent")

    @admin.action(description="Cancel selected purchase orders")
    def cancel_orders(self, request, queryset):
        run_per_record(self, request, queryset, purchasing_services.purchase_order_cancel, "purchase_order",
                       "Cancelled")


def _line_rows(lines, fields: list[str]) -> list[dict]:
    return [{name: getattr(line, name) for name in fields} for line in lines]


class GoodsReceiptLineInline(SuiteTabularInline):
    model = pm.GoodsReceiptLine
    raw_id_fields = ["purchase_order_line", "location"]
    readonly_fields = ["stock_move"]


@admin.register(pm.GoodsReceipt)
class GoodsReceiptAdmin(SuiteModelAdmin):
    list_display = ["number", "purchase_order", "received_on", "status", "company"]
    list_filter = ["company", "status"]
    search_fields = ["number", "purchase_order__number"]
    readonly_fields = ["number", "status", "posted_at", "posted_by"]
    raw_id_fields = ["purchase_order"]
    inlines = [GoodsReceiptLineInline]
    services = {"update": receipt_services.goods_receipt_update}

    def service_changes(self, form, formsets) -> dict:
        """The lines go through the service too: it checks them against the order and its tolerance."""
        lines = form.instance.lines.select_related("purchase_order_line", "location").order_by("pk")
        return {**super().service_changes(form, formsets), "lines": _line_rows(lines, [
            "purchase_order_line", "quantity", "quantity_rejected", "lot_code", "expires_on", "location",
            "quality_hold"])}
    actions = ["post_receipts"]

    @admin.action(description="Post selected receipts into stock")
    def post_receipts(self, request, queryset):
        run_per_record(self, request, queryset.filter(status="draft"), receipt_services.goods_receipt_post, "receipt",
                       "Posted")


@admin.register(pm.ReorderRule)
class ReorderRuleAdmin(SuiteModelAdmin):
    list_display = ["item", "warehouse", "min_quantity", "max_quantity", "multiple", "is_active", "company"]
    list_filter = ["company", "warehouse", "is_active"]
    raw_id_fields = ["item"]
    actions = ["propose"]

    @admin.action(description="Propose requisitions for the selected rules now")
    def propose(self, request, queryset):
        run_per_record(self, request, queryset, replenishment_services.replenishment_propose, "rule", "Checked")


class ShipmentLineInline(SuiteTabularInline):
    model = pm.ShipmentLine
    raw_id_fields = ["item", "lot"]
    readonly_fields = ["quantity_shipped"]


@admin.register(pm.Shipment)
class ShipmentAdmin(SuiteModelAdmin):
    list_display = ["number", "sales_order_number", "customer", "warehouse", "status", "company"]
    list_filter = ["company", "status", "warehouse"]
    search_fields = ["number", "sales_order_number", "customer__name"]
    readonly_fields = ["number", "status", "shipped_at", "shipped_by", "backorder_of", "source_event"]
    raw_id_fields = ["customer"]
    inlines = [ShipmentLineInline]
    services = {"update": shipment_services.shipment_update}

    def service_changes(self, form, formsets) -> dict:
        lines = form.instance.lines.select_related("item", "lot").order_by("line_number")
        return {**super().service_changes(form, formsets),
                "lines": _line_rows(lines, ["item", "quantity", "lot", "due_date"])}
    actions = ["reserve_shipments", "reserve_shortage_shipments", "ship_shipments", "cancel_shipments"]

    @admin.action(description="Reserve stock for selected draft shipments")
    def reserve_shipments(self, request, queryset):
        run_per_record(self, request, queryset, shipment_services.shipment_reserve, "shipment", "Reserved")

    @admin.action(description="Reserve what's short on selected shipments (check availability)")
    def reserve_shortage_shipments(self, request, queryset):
        run_per_record(self, request, queryset, shipment_services.shipment_reserve_shortage, "shipment",
                       "Reserved what was short on")

    @admin.action(description="Ship selected shipments")
    def ship_shipments(self, request, queryset):
        run_per_record(self, request, queryset, shipment_services.shipment_ship, "shipment", "Shipped")

    @admin.action(description="Cancel selected shipments")
    def cancel_shipments(self, request, queryset):
        run_per_record(self, request, queryset, shipment_services.shipment_cancel, "shipment", "Cancelled")


@admin.register(pm.ShipmentAllocation)
class ShipmentAllocationAdmin(ReadOnlyAdmin):
    """Written by reserving, picking and shipping (with the reservations and quants they hold)."""

    list_display = ["line", "location", "lot", "quantity", "quantity_picked", "stock_move"]
