"""SCM browser URLs."""

from django.urls import path

from apps.scm import resources_purchasing as purchasing_resources
from apps.scm import resources_stock as stock_resources
from apps.scm import views_purchasing, views_stock

app_name = "scm"

urlpatterns = []

# ---- stock ----
urlpatterns += [
    path("stock/", views_stock.StockOverviewView.as_view(), name="stock_overview"),
    path("scan/", views_stock.ScanView.as_view(), name="scan"),
    path("stock/card/<int:item_id>/", views_stock.StockCardView.as_view(), name="stock_card"),
    path("stock/transfer/", views_stock.StockFormView.as_view(), name="stock_transfer"),
    path("stock/adjust/", views_stock.AdjustmentView.as_view(), name="stock_adjust"),
    path("cycle-counts/<int:pk>/count/", views_stock.CycleCountEntryView.as_view(), name="cyclecount_count"),
    *stock_resources.WarehouseResource.urls("warehouses/"),
    *stock_resources.LocationResource.urls("locations/"),
    *stock_resources.LotResource.urls("lots/"),
    *stock_resources.StockMoveResource.urls("moves/"),
    *stock_resources.ReservationResource.urls("reservations/"),
    *stock_resources.CycleCountResource.urls("cycle-counts/"),
]

# ---- purchasing and shipments ----
urlpatterns += [
    path("purchase-orders/defaults/", views_purchasing.purchase_defaults, name="purchase_defaults"),
    path("purchase-orders/<int:pk>/pdf/", views_purchasing.purchase_order_pdf_view, name="purchaseorder_pdf"),
    path("shipments/<int:pk>/pick/", views_purchasing.shipment_picking_view, name="shipment_picking"),
    path("shipments/<int:pk>/delivery-note/", views_purchasing.delivery_note_view, name="shipment_delivery_note"),
    path("replenishment/", views_purchasing.replenishment_proposals_view, name="replenishment_proposals"),
    path("supplier-performance/", views_purchasing.supplier_performance_view, name="supplier_performance"),
    *purchasing_resources.SupplierItemResource.urls("supplier-items/"),
    *purchasing_resources.PurchaseRequisitionResource.urls("requisitions/"),
    *purchasing_resources.PurchaseOrderResource.urls("purchase-orders/"),
    *purchasing_resources.GoodsReceiptResource.urls("receipts/"),
    *purchasing_resources.ReorderRuleResource.urls("reorder-rules/"),
    *purchasing_resources.ShipmentResource.urls("shipments/"),
]
