from rest_framework.routers import DefaultRouter

from apps.scm.api import views_purchasing, views_stock

router = DefaultRouter()
# ---- purchasing and shipments ----
router.register("supplier-items", views_purchasing.SupplierItemViewSet)
router.register("requisitions", views_purchasing.PurchaseRequisitionViewSet)
router.register("purchase-orders", views_purchasing.PurchaseOrderViewSet)
router.register("receipts", views_purchasing.GoodsReceiptViewSet)
router.register("reorder-rules", views_purchasing.ReorderRuleViewSet)
router.register("shipments", views_purchasing.ShipmentViewSet)
# ---- stock ----
router.register("warehouses", views_stock.WarehouseViewSet)
router.register("locations", views_stock.LocationViewSet)
router.register("lots", views_stock.LotViewSet)
router.register("stock", views_stock.StockQuantViewSet, basename="stockquant")
router.register("moves", views_stock.StockMoveViewSet)
router.register("reservations", views_stock.ReservationViewSet)
router.register("cycle-counts", views_stock.CycleCountViewSet)

urlpatterns = router.urls
