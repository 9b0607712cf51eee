"""ERP models, one file per sub-domain, re-exported here: the books (chart of accounts, journals, entries, fiscal
years and periods), HR, and sales orders."""

from apps.erp.models.hr import Department, Employee, TimeOff
from apps.erp.models.ledger import (
    Account,
    AccountMapping,
    FiscalYear,
    Journal,
    JournalEntry,
    JournalLine,
    Period,
)
from apps.erp.models.mrp import (
    ItemPlanning,
    MrpItemPlan,
    MrpMessage,
    MrpRun,
    MrpRunStatus,
    Peg,
    PlannedOrder,
    PlannedOrderKind,
    PlannedOrderStatus,
)
from apps.erp.models.sales import SalesOrder, SalesOrderLine, SalesOrderStatus

__all__ = [
    "Account",
    "AccountMapping",
    "Department",
    "Employee",
    "FiscalYear",
    "ItemPlanning",
    "Journal",
    "JournalEntry",
    "JournalLine",
    "MrpItemPlan",
    "MrpMessage",
    "MrpRun",
    "MrpRunStatus",
    "Peg",
    "Period",
    "PlannedOrder",
    "PlannedOrderKind",
    "PlannedOrderStatus",
    "SalesOrder",
    "SalesOrderLine",
    "SalesOrderStatus",
    "TimeOff",
]
