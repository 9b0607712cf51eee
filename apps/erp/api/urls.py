"""ERP API routes, mounted under /api/v1/erp/."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from apps.erp.api import bills, invoices, mrp, payments, sales, views
from apps.erp.traceability import api as trace

router = DefaultRouter()
# ---- the books
router.register("accounts", views.AccountViewSet, basename="erp-account")
router.register("account-mappings", views.AccountMappingViewSet, basename="erp-accountmapping")
router.register("journals", views.JournalViewSet, basename="erp-journal")
router.register("journal-entries", views.JournalEntryViewSet, basename="erp-journalentry")
router.register("fiscal-years", views.FiscalYearViewSet, basename="erp-fiscalyear")
router.register("periods", views.PeriodViewSet, basename="erp-period")
# ---- sales
router.register("sales-orders", sales.SalesOrderViewSet, basename="erp-salesorder")
# ---- vendor bills (AP)
router.register("bills", bills.VendorBillViewSet, basename="erp-vendorbill")
router.register("bill-match-policies", bills.BillMatchPolicyViewSet, basename="erp-billmatchpolicy")
# ---- receivables and payments
router.register("invoices", invoices.InvoiceViewSet, basename="erp-invoice")
router.register("payments", payments.PaymentViewSet, basename="erp-payment")
# ---- MRP planning
router.register("item-planning", mrp.ItemPlanningViewSet, basename="erp-itemplanning")
router.register("mrp-runs", mrp.MrpRunViewSet, basename="erp-mrprun")
router.register("planned-orders", mrp.PlannedOrderViewSet, basename="erp-plannedorder")
router.register("mrp-messages", mrp.MrpMessageViewSet, basename="erp-mrpmessage")
# ---- HR
router.register("departments", views.DepartmentViewSet, basename="erp-department")
router.register("employees", views.EmployeeViewSet, basename="erp-employee")
router.register("time-off", views.TimeOffViewSet, basename="erp-timeoff")

urlpatterns = [
    path("reports/trial-balance/", views.TrialBalanceView.as_view(), name="erp-trial-balance"),
    path("reports/profit-and-loss/", views.ProfitAndLossView.as_view(), name="erp-profit-and-loss"),
    path("reports/balance-sheet/", views.BalanceSheetView.as_view(), name="erp-balance-sheet"),
    path("reports/general-ledger/", views.GeneralLedgerView.as_view(), name="erp-general-ledger"),
    path("reports/grir/", bills.GrirView.as_view(), name="erp-grir"),
    path("reports/inventory-valuation/", views.InventoryValuationView.as_view(), name="erp-inventory-valuation"),
    path("reports/ar-aging/", invoices.ReceivablesAgingView.as_view(), name="erp-ar-aging"),
    path("reports/ap-aging/", invoices.PayablesAgingView.as_view(), name="erp-ap-aging"),
    path("trace/<str:kind>/<int:id>/", trace.TraceView.as_view(), name="erp-trace"),
    path("recall/<int:id>/", trace.RecallView.as_view(), name="erp-recall"),
    *router.urls,
]
