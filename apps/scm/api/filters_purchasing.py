"""FilterSets of purchasing, receipts, replenishment and shipments."""

import django_filters

from apps.core.api.filtersets import SuiteFilterSet
from apps.scm.models import GoodsReceipt, PurchaseOrder, PurchaseRequisition, ReorderRule, Shipment, SupplierItem


class SupplierItemFilterSet(SuiteFilterSet):
    class Meta:
        model = SupplierItem
        fields = ["supplier", "item", "is_preferred", "currency"]


class PurchaseRequisitionFilterSet(SuiteFilterSet):
    class Meta:
        model = PurchaseRequisition
        fields = ["status", "source", "item", "warehouse", "supplier", "reorder_rule"]


class PurchaseOrderFilterSet(SuiteFilterSet):
    order_date_from = django_filters.DateFilter(field_name="order_date", lookup_expr="gte")
    order_date_to = django_filters.DateFilter(field_name="order_date", lookup_expr="lte")
    item = django_filters.NumberFilter(field_name="lines__item", distinct=True)

    class Meta:
        model = PurchaseOrder
        fields = ["status", "supplier", "warehouse", "currency"]


class GoodsReceiptFilterSet(SuiteFilterSet):
    class Meta:
        model = GoodsReceipt
        fields = ["status", "purchase_order", "purchase_order__supplier"]


class ReorderRuleFilterSet(SuiteFilterSet):
    class Meta:
        model = ReorderRule
        fields = ["item", "warehouse", "is_active"]


class ShipmentFilterSet(SuiteFilterSet):
    class Meta:
        model = Shipment
        fields = ["status", "customer", "warehouse", "sales_order_number", "backorder_of"]
