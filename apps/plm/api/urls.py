from rest_framework.routers import DefaultRouter

from apps.plm.api import views

router = DefaultRouter()
router.register("categories", views.ItemCategoryViewSet)
router.register("items", views.ItemViewSet)
router.register("revisions", views.RevisionViewSet)
router.register("bom-lines", views.BomLineViewSet)
router.register("documents", views.DocumentViewSet)
router.register("change-requests", views.ChangeRequestViewSet)
router.register("change-orders", views.ChangeOrderViewSet)
router.register("approval-rules", views.ChangeApprovalRuleViewSet)

urlpatterns = router.urls
