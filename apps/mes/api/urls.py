"""MES API routes, mounted under /api/v1/mes/."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from apps.mes.api import views, views_quality, views_signals

router = DefaultRouter()
# ---- production
router.register("work-centers", views.WorkCenterViewSet, basename="mes-workcenter")
router.register("routings", views.RoutingViewSet, basename="mes-routing")
router.register("manufacturing-definitions", views.ManufacturingDefinitionViewSet, basename="mes-definition")
router.register("work-orders", views.WorkOrderViewSet, basename="mes-workorder")
router.register("operations", views.OperationViewSet, basename="mes-operation")
# ---- quality
router.register("inspection-plans", views_quality.InspectionPlanViewSet, basename="mes-inspectionplan")
router.register("quality-checks", views_quality.QualityCheckViewSet, basename="mes-qualitycheck")
router.register("nonconformances", views_quality.NonConformanceViewSet, basename="mes-nonconformance")
router.register("held-stock", views_quality.HeldStockViewSet, basename="mes-heldstock")
router.register("downtime-reasons", views_quality.DowntimeReasonViewSet, basename="mes-downtimereason")
router.register("downtime", views_quality.DowntimeEventViewSet, basename="mes-downtime")
# ---- shop-floor connectivity
router.register("machine-signals", views_signals.MachineSignalViewSet, basename="mes-machinesignal")

urlpatterns = [
    path("genealogy/", views.GenealogyView.as_view(), name="mes-genealogy"),
    path("work-centers/<int:pk>/oee/", views_quality.WorkCenterOeeView.as_view(), name="mes-workcenter-oee"),
    *router.urls,
]
