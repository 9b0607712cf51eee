"""CRM API routes, mounted under /api/v1/crm/."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from apps.crm.api import views

router = DefaultRouter()
# ---- customers
router.register("customers", views.CustomerProfileViewSet, basename="crm-customer")
router.register("segments", views.SegmentViewSet, basename="crm-segment")
router.register("timeline", views.TimelineEntryViewSet, basename="crm-timeline")
# ---- sales
router.register("leads", views.LeadViewSet, basename="crm-lead")
router.register("pipeline-stages", views.PipelineStageViewSet, basename="crm-stage")
router.register("opportunities", views.OpportunityViewSet, basename="crm-opportunity")
router.register("sales-targets", views.SalesTargetViewSet, basename="crm-target")
router.register("activities", views.ActivityViewSet, basename="crm-activity")
router.register("quotes", views.QuoteViewSet, basename="crm-quote")
router.register("price-lists", views.PriceListViewSet, basename="crm-pricelist")
# ---- service
router.register("cases", views.ServiceCaseViewSet, basename="crm-case")
router.register("sla-policies", views.SlaPolicyViewSet, basename="crm-sla")
router.register("settings", views.SalesSettingsViewSet, basename="crm-settings")

urlpatterns = [
    path("forecast/", views.ForecastView.as_view(), name="crm-forecast"),
    *router.urls,
]
