"""ERP models, one file per sub-domain, re-exported here: the books (chart of accounts, journals, entries, fiscal
years and periods), HR, sales orders, invoices, bills and payments."""

from apps.erp.models.hr import Department, Employee, TimeOff
from apps.erp.models.invoicing import (
    Invoice,
    InvoiceLine,
    Payment,
    PaymentAllocation,
    VendorBill,
    VendorBillLine,
)
from apps.erp.models.ledger import (
    Account,
    AccountMapping,
    FiscalYear,
    Journal,
    JournalEntry,
    JournalLine,
    Period,
)
from apps.erp.models.matching import BillMatchPolicy
from apps.erp.models.mrp import (
    ItemPlanning,
    MrpItemPlan,
    MrpMessage,
    MrpRun,
    MrpRunStatus,
    Peg,
    PegKind,
    PlannedOrder,
    PlannedOrderKind,
    PlannedOrderStatus,
)
from apps.erp.models.sales import SalesOrder, SalesOrderLine, SalesOrderStatus
from apps.erp.models.snapshots import AccountBalanceSnapshot

__all__ = ["Account", "AccountBalanceSnapshot", "AccountMapping", "BillMatchPolicy", "Department", "Employee",
           "FiscalYear", "Invoice", "InvoiceLine", "ItemPlanning", "Journal", "JournalEntry", "JournalLine",
           "MrpItemPlan", "MrpMessage", "MrpRun", "MrpRunStatus", "Payment", "PaymentAllocation", "Peg", "PegKind",
           "Period", "PlannedOrder", "PlannedOrderKind", "PlannedOrderStatus", "SalesOrder", "SalesOrderLine",
           "SalesOrderStatus", "TimeOff", "VendorBill", "VendorBillLine"]
