"""ERP browser URLs."""

from django.urls import path

from apps.erp import resources, sales_views

app_name = "erp"

urlpatterns = [
    path("sales-orders/<int:pk>/pdf/", sales_views.sales_order_pdf_view, name="salesorder_pdf"),
    *resources.SalesOrderResource.urls("sales-orders/"),
]
