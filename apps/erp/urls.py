"""ERP browser URLs."""

from django.urls import path

from apps.erp import (
    bills_resources,
    bills_views,
    dashboard_views,
    invoice_resources,
    invoice_views,
    mrp_views,
    resources,
    sales_resources,
    sales_views,
    views,
)
from apps.erp.traceability import views as trace_views

app_name = "erp"

urlpatterns = [
    path("dashboard/", dashboard_views.finance_dashboard, name="dashboard"),
    path("reports/trial-balance/", views.trial_balance, name="trial_balance"),
    path("reports/profit-and-loss/", views.profit_and_loss, name="profit_and_loss"),
    path("reports/balance-sheet/", views.balance_sheet, name="balance_sheet"),
    path("reports/general-ledger/", views.general_ledger, name="general_ledger"),
    path("reports/inventory-valuation/", views.inventory_valuation, name="inventory_valuation"),
    path("reports/ar-aging/", invoice_views.receivables_aging, name="ar_aging"),
    path("reports/ap-aging/", invoice_views.payables_aging, name="ap_aging"),
    path("sales-orders/<int:pk>/pdf/", sales_views.sales_order_pdf_view, name="salesorder_pdf"),
    path("invoices/<int:pk>/pdf/", invoice_views.invoice_pdf_view, name="invoice_pdf"),
    *invoice_resources.InvoiceResource.urls("invoices/"),
    *invoice_resources.PaymentResource.urls("payments/"),
    *sales_resources.SalesOrderResource.urls("sales-orders/"),
    path("reports/grir/", bills_views.grir_report, name="grir"),
    path("bills/from-purchase-order/", bills_views.bill_from_purchase_order_view, name="vendorbill_from_po"),
    *bills_resources.VendorBillResource.urls("bills/"),
    *bills_resources.BillMatchPolicyResource.urls("bill-match-policies/"),
    *mrp_views.urlpatterns,
    *trace_views.urlpatterns,
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
