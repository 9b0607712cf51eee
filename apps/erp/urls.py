"""ERP browser URLs."""

from django.urls import path

from apps.erp import mrp_views, resources, sales_resources, sales_views, views

app_name = "erp"

urlpatterns = [
    path("reports/trial-balance/", views.trial_balance, name="trial_balance"),
    path("reports/profit-and-loss/", views.profit_and_loss, name="profit_and_loss"),
    path("reports/balance-sheet/", views.balance_sheet, name="balance_sheet"),
    path("reports/general-ledger/", views.general_ledger, name="general_ledger"),
    path("sales-orders/<int:pk>/pdf/", sales_views.sales_order_pdf_view, name="salesorder_pdf"),
    *sales_resources.SalesOrderResource.urls("sales-orders/"),
    *mrp_views.urlpatterns,
    *resources.AccountResource.urls("accounts/"),
    *resources.AccountMappingResource.urls("account-mappings/"),
    *resources.JournalResource.urls("journals/"),
    *resources.JournalEntryResource.urls("entries/"),
    *resources.FiscalYearResource.urls("fiscal-years/"),
    *resources.PeriodResource.urls("periods/"),
    *resources.DepartmentResource.urls("departments/"),
    *resources.EmployeeResource.urls("employees/"),
    *resources.TimeOffResource.urls("time-off/"),
]
