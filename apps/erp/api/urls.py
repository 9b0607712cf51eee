"""ERP API routes, mounted under /api/v1/erp/."""

from rest_framework.routers import DefaultRouter

from apps.erp.api import sales

router = DefaultRouter()
# ---- sales
router.register("sales-orders", sales.SalesOrderViewSet, basename="erp-salesorder")

urlpatterns = [*router.urls]
