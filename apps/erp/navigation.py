"""ERP's sidebar entries and global search."""

from apps.core.navigation import register
from apps.core.search import register_search
from apps.erp.models import Account, Employee, Invoice, JournalEntry, Payment, SalesOrder, VendorBill

register("ERP", "Finance dashboard", "erp:dashboard", "erp.view_journalentry")
register("ERP", "Sales orders", "erp:salesorder_list", "erp.view_salesorder")
register("ERP", "Vendor bills", "erp:vendorbill_list", "erp.view_vendorbill")
register("ERP", "Bill from purchase order", "erp:vendorbill_from_po", "erp.add_vendorbill")
register("ERP", "Open GR/IR", "erp:grir", "erp.view_journalentry")
register("ERP", "Bill match policy", "erp:billmatchpolicy_list", "erp.view_billmatchpolicy")
register("ERP", "Invoices", "erp:invoice_list", "erp.view_invoice")
register("ERP", "Payments", "erp:payment_list", "erp.view_payment")
register("ERP", "AR aging", "erp:ar_aging", "erp.view_journalentry")
register("ERP", "AP aging", "erp:ap_aging", "erp.view_journalentry")
register("ERP", "Traceability", "erp:trace", "erp.view_salesorder")
register("ERP", "Recall", "erp:recall", "erp.recall_lot")
register("ERP", "MRP runs", "erp:mrprun_list", "erp.view_mrprun")
register("ERP", "Planned orders", "erp:plannedorder_list", "erp.view_plannedorder")
register("ERP", "Item planning", "erp:itemplanning_list", "erp.view_itemplanning")
register("ERP", "Journal entries", "erp:journalentry_list", "erp.view_journalentry")
register("ERP", "Trial balance", "erp:trial_balance", "erp.view_journalentry")
register("ERP", "Profit and loss", "erp:profit_and_loss", "erp.view_journalentry")
register("ERP", "Balance sheet", "erp:balance_sheet", "erp.view_journalentry")
register("ERP", "General ledger", "erp:general_ledger", "erp.view_journalentry")
register("ERP", "Inventory valuation", "erp:inventory_valuation", "erp.view_journalentry")
register("ERP", "Chart of accounts", "erp:account_list", "erp.view_account")
register("ERP", "Account mappings", "erp:accountmapping_list", "erp.view_accountmapping")
register("ERP", "Journals", "erp:journal_list", "erp.view_journal")
register("ERP", "Periods", "erp:period_list", "erp.view_period")
register("ERP", "Fiscal years", "erp:fiscalyear_list", "erp.view_fiscalyear")
register("ERP", "Employees", "erp:employee_list", "erp.view_employee")
register("ERP", "Departments", "erp:department_list", "erp.view_department")
register("ERP", "Time off", "erp:timeoff_list", "erp.view_timeoff")

register_search(SalesOrder, ["number", "customer__name"], module="ERP", label="Sales orders",
                select_related=["customer"],
                describe=lambda order: f"{order.customer.name} · {order.get_status_display()}")
register_search(VendorBill, ["number", "supplier__name", "supplier_reference"], module="ERP", label="Vendor bills",
                select_related=["supplier"],
                describe=lambda bill: f"{bill.supplier.name} · {bill.get_status_display()}")
register_search(Invoice, ["number", "customer__name"], module="ERP", label="Invoices", select_related=["customer"],
                describe=lambda invoice: f"{invoice.customer.name} · {invoice.get_status_display()}")
register_search(Payment, ["number", "party__name", "reference"], module="ERP", label="Payments",
                select_related=["party"], describe=lambda payment: f"{payment.party.name} · {payment.amount}")
register_search(JournalEntry, ["number", "memo"], module="ERP", label="Journal entries")
register_search(Account, ["code", "name"], module="ERP", label="Accounts")
register_search(Employee, ["number", "name"], module="ERP", label="Employees")
