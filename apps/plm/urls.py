"""PLM browser URLs."""

from django.urls import path

from apps.plm import resources, views

app_name = "plm"

urlpatterns = [
    path("items/import/", views.item_import_view, name="item_import"),
    path("items/defaults/", views.item_defaults, name="item_defaults"),
    path("compare/", views.bom_compare_view, name="bom_compare"),
    path("documents/<int:pk>/download/", views.document_download, name="document_download"),
    path("documents/<int:pk>/replace/", views.document_replace_view, name="document_replace"),
    path("documents/<int:pk>/delete/", views.document_delete_view, name="document_delete"),
    *resources.ItemResource.urls("items/"),
    *resources.RevisionResource.urls("revisions/"),
    *resources.DocumentResource.urls("documents/"),
    *resources.ChangeRequestResource.urls("change-requests/"),
    *resources.ChangeOrderResource.urls("change-orders/"),
    *resources.ChangeApprovalRuleResource.urls("approval-rules/"),
    *resources.ItemCategoryResource.urls("categories/"),
]
