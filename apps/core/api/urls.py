from rest_framework.routers import DefaultRouter

from apps.core.api import views

router = DefaultRouter()
router.register("companies", views.CompanyViewSet)
router.register("parties", views.PartyViewSet)
router.register("currencies", views.CurrencyViewSet)
router.register("exchange-rates", views.ExchangeRateViewSet)
router.register("uom-categories", views.UomCategoryViewSet)
router.register("uoms", views.UnitOfMeasureViewSet)
router.register("events", views.EventViewSet)
router.register("memberships", views.MembershipViewSet)
router.register("roles", views.RoleViewSet)
router.register("notes", views.NoteViewSet)
router.register("attachments", views.AttachmentViewSet)
router.register("audit", views.AuditRecordViewSet)

urlpatterns = router.urls
