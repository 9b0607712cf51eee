"""Browser screens of purchasing, receipts, replenishment and shipments, declared as Resources."""

import django_filters
from django import forms
from django.db.models import Exists, F, OuterRef
from django.urls import path

from apps.core.ui.autocomplete import register_picker
from apps.core.ui.resource import Action, Inline, Related, Resource
from apps.core.ui.widgets import DefaultedNumberInput, PickerWidget
from apps.plm.forms import active_item_picker
from apps.scm.forms import (
    PURCHASE_LINE_DEFAULTS,
    SUPPLIER_DEFAULTS,
    active_warehouse_picker,
    internal_location_picker,
    lot_picker,
)
from apps.scm.models import (
    GoodsReceipt,
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseRequisition,
    ReorderRule,
    Shipment,
    SupplierItem,
)
from apps.scm.selectors_purchasing import RECEIVABLE_STATUSES
from apps.scm.services import purchasing, receipts, replenishment, shipments, suppliers

# purchase-order and receipt lines (a receipt's lines, a quality check's receipt line), searched by order and item
register_picker("scm.purchaseorderline", search=["item__number", "item__name", "purchase_order__number"],
                select_related=["purchase_order", "item"], ordering=["purchase_order", "line_number"])
register_picker("scm.goodsreceiptline", search=["receipt__number", "purchase_order_line__item__number"],
                select_related=["receipt", "purchase_order_line__item"], ordering=["receipt", "id"])

class ApproveForm(forms.Form):
    comment = forms.CharField(required=False, widget=forms.TextInput(attrs={"placeholder": "Comment"}))


class PackForm(forms.Form):
    package_count = forms.IntegerField(min_value=1, initial=1, widget=forms.NumberInput(attrs={"style": "width:5em"}))
    weight_kg = forms.DecimalField(required=False, widget=forms.NumberInput(attrs={"placeholder": "kg",
                                                                                   "style": "width:6em"}))


class ShipForm(forms.Form):
    carrier = forms.CharField(required=False, widget=forms.TextInput(attrs={"placeholder": "Carrier"}))
    tracking_number = forms.CharField(required=False, widget=forms.TextInput(attrs={"placeholder": "Tracking no."}))


class CharInFilter(django_filters.BaseInFilter, django_filters.CharFilter):
    """`?status__in=sent,partially_received`."""


class PurchaseOrderListFilterSet(django_filters.FilterSet):
    """The purchase order list's filters; `status__in` and `due_by` serve the home page's queues."""

    status__in = CharInFilter(field_name="status", label="Status (any of)")
    due_by = django_filters.DateFilter(method="filter_due_by", label="Lines due by",
                                       help_text="Orders with a line due on or before this date that is not fully "
                                                 "received.")

    class Meta:
        model = PurchaseOrder
        fields = ["status", "supplier", "warehouse"]

    def filter_due_by(self, queryset, name, value):
        open_lines = PurchaseOrderLine.objects.filter(purchase_order=OuterRef("pk"), due_date__lte=value,
                                                      quantity_received__lt=F("quantity"))
        return queryset.filter(Exists(open_lines))


class SupplierItemResource(Resource):
    model = SupplierItem
    namespace = "scm"
    list_fields = ["item", "supplier", "supplier_part_number", "currency", "lead_time_days", "minimum_order_quantity",
                   "is_preferred"]
    filter_fields = ["supplier", "is_preferred"]
    search_fields = ["supplier_part_number", "item__number", "item__name", "supplier__name"]
    form_fields = ["supplier", "item", "supplier_part_number", "currency", "lead_time_days", "minimum_order_quantity",
                   "is_preferred"]
    widgets = {"supplier": PickerWidget(defaults=SUPPLIER_DEFAULTS), "item": active_item_picker(),
               "currency": PickerWidget(default_hint="the supplier's currency")}
    inlines = [Inline("price_breaks", ["min_quantity", "unit_price"], label="Price breaks", extra=2)]
    services = {"create": suppliers.supplier_item_create, "update": suppliers.supplier_item_update}
    select_related = ["item", "supplier", "currency"]


class PurchaseRequisitionResource(Resource):
    model = PurchaseRequisition
    namespace = "scm"
    title_plural = "Purchase requisitions"
    list_fields = ["number", "item", "quantity", "needed_by", "source", "status", "supplier", "warehouse"]
    filter_fields = ["status", "source", "warehouse"]
    search_fields = ["number", "item__number", "reference"]
    form_fields = ["item", "quantity", "needed_by", "warehouse", "supplier", "reference", "notes"]
    widgets = {"item": active_item_picker(), "warehouse": active_warehouse_picker()}
    detail_fields = ["number", "source", "status", "item", "quantity", "needed_by", "warehouse", "supplier",
                     "reorder_rule", "reference", "requested_by", "purchase_order_line__purchase_order", "notes"]
    services = {"create": purchasing.requisition_create, "update": purchasing.requisition_update}
    actions = {"order": Action(purchasing.requisition_order, label="Create purchase order"),
               "cancel": Action(purchasing.requisition_cancel, style="outline-danger")}
    select_related = ["item", "supplier", "warehouse"]


class PurchaseOrderResource(Resource):
    model = PurchaseOrder
    namespace = "scm"
    list_fields = ["number", "supplier", "order_date", "status", "total", "currency", "warehouse"]
    filterset_class = PurchaseOrderListFilterSet
    search_fields = ["number", "supplier__name", "notes"]
    form_fields = ["supplier", "currency", "order_date", "warehouse", "notes"]
    widgets = {"supplier": PickerWidget(defaults=SUPPLIER_DEFAULTS),
               "currency": PickerWidget(default_hint="the supplier's currency"),
               "warehouse": active_warehouse_picker()}
    detail_fields = ["number", "supplier", "status", "order_date", "currency", "warehouse", "total", "exchange_rate",
                     "total_company_currency", "approved_by", "approved_at", "sent_at", "notes"]
    inlines = [Inline("lines", ["item", "quantity", "unit_price", "due_date"], label="Lines", extra=3,
                      widgets={"item": active_item_picker(defaults=PURCHASE_LINE_DEFAULTS),
                               "unit_price": DefaultedNumberInput(default_hint="From the price list"),
                               "due_date": forms.DateInput(attrs={"type": "date"})}, on_detail=False)]
    # on the page, the lines are listed once, with what was received of each (the related list below)
    related = [Related("Lines", "lines", ["line_number", "item", "quantity", "unit_price", "due_date",
                                          "quantity_received", "quantity_rejected"]),
               Related("Receipts", "receipts", ["number", "received_on", "status"])]
    services = {"create": purchasing.purchase_order_create, "update": purchasing.purchase_order_update}
    actions = {
        "approve": Action(purchasing.purchase_order_approve, form_class=ApproveForm, label="Approve"),
        "send": Action(purchasing.purchase_order_send, label="Send"),
        "close": Action(purchasing.purchase_order_close, label="Close", style="outline-secondary"),
        "cancel": Action(purchasing.purchase_order_cancel, label="Cancel", style="outline-danger"),
    }
    select_related = ["supplier", "currency", "warehouse"]
    detail_template = "scm/purchasing/purchaseorder_detail.html"


class GoodsReceiptResource(Resource):
    model = GoodsReceipt
    namespace = "scm"
    title, title_plural = "Goods receipt", "Goods receipts"
    list_fields = ["number", "purchase_order", "received_on", "status", "delivery_note"]
    filter_fields = ["status"]
    search_fields = ["number", "purchase_order__number", "delivery_note"]
    form_fields = ["purchase_order", "received_on", "delivery_note", "notes"]
    widgets = {"purchase_order": PickerWidget(filter={"status__in": RECEIVABLE_STATUSES})}  # sent, not all received
    detail_fields = ["number", "purchase_order", "purchase_order__supplier", "received_on", "status", "delivery_note",
                     "posted_at", "posted_by", "notes"]
    inlines = [Inline("lines", ["purchase_order_line", "quantity", "quantity_rejected", "lot_code", "expires_on",
                                "location", "quality_hold"], label="Lines", extra=3,
                      # the lines of the receipt's own order only (GoodsReceiptFormMixin): listed, not searched
                      widgets={"purchase_order_line": PickerWidget(remote=False),
                               "location": internal_location_picker()})]
    services = {"create": receipts.goods_receipt_create, "update": receipts.goods_receipt_update}
    actions = {"post": Action(receipts.goods_receipt_post, label="Post", style="success"),
               "cancel": Action(receipts.goods_receipt_cancel, style="outline-danger")}
    select_related = ["purchase_order"]

    @classmethod
    def urls(cls, prefix: str | None = None) -> list:
        """The generic screens, with forms that know the receipt's purchase order (see GoodsReceiptFormMixin)."""
        from django.urls import URLPattern

        from apps.scm.views_purchasing import GoodsReceiptCreateView, GoodsReceiptUpdateView

        views = {f"{cls.get_name()}_create": GoodsReceiptCreateView, f"{cls.get_name()}_update": GoodsReceiptUpdateView}
        patterns = super().urls(prefix)
        return [path(str(p.pattern), views[p.name].as_view(resource=cls), name=p.name)
                if isinstance(p, URLPattern) and p.name in views else p for p in patterns]


class ReorderRuleResource(Resource):
    model = ReorderRule
    namespace = "scm"
    list_fields = ["item", "warehouse", "min_quantity", "max_quantity", "multiple", "is_active"]
    filter_fields = ["warehouse", "is_active"]
    search_fields = ["item__number", "item__name"]
    form_fields = ["item", "warehouse", "min_quantity", "max_quantity", "multiple", "is_active"]
    widgets = {"item": active_item_picker(), "warehouse": active_warehouse_picker()}
    services = {"create": replenishment.reorder_rule_create, "update": replenishment.reorder_rule_update}
    select_related = ["item", "warehouse"]


class ShipmentResource(Resource):
    model = Shipment
    namespace = "scm"
    list_fields = ["number", "sales_order_number", "customer", "warehouse", "status", "planned_date"]
    filter_fields = {"status": ["exact", "in"], "warehouse": ["exact"], "planned_date": ["lte"]}
    search_fields = ["number", "sales_order_number", "customer__name", "tracking_number"]
    form_fields = ["customer", "warehouse", "sales_order_number", "planned_date", "carrier", "tracking_number",
                   "notes"]
    detail_fields = ["number", "sales_order_number", "customer", "warehouse", "status", "planned_date", "carrier",
                     "tracking_number", "package_count", "weight_kg", "backorder_of", "shipped_at", "notes"]
    widgets = {"warehouse": active_warehouse_picker()}
    # on the page, the lines are listed once, with what was shipped of each (the related list below)
    inlines = [Inline("lines", ["item", "quantity", "lot", "due_date"], label="Lines", extra=3,
                      widgets={"lot": lot_picker()}, on_detail=False)]
    related = [Related("Lines", "lines", ["line_number", "item", "lot", "due_date", "quantity", "quantity_shipped"]),
               Related("Backorders", "backorders", ["number", "status"])]
    services = {"create": shipments.shipment_create, "update": shipments.shipment_update}
    actions = {
        "reserve": Action(shipments.shipment_reserve, label="Reserve stock"),
        "reserve_shortage": Action(shipments.shipment_reserve_shortage, label="Reserve what's short"),
        "pack": Action(shipments.shipment_pack, form_class=PackForm, label="Pack"),
        "ship": Action(shipments.shipment_ship, form_class=ShipForm, label="Ship", style="success"),
        "cancel": Action(shipments.shipment_cancel, style="outline-danger"),
    }
    select_related = ["customer", "warehouse"]
    detail_template = "scm/shipments/shipment_detail.html"
