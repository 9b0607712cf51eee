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
from apps.erp.models.sales import SalesOrder, SalesOrderLine, SalesOrderStatus
from apps.erp.models.snapshots import AccountBalanceSnapshot

__all__ = ["Account", "AccountBalanceSnapshot", "AccountMapping", "Department", "Employee", "FiscalYear", "Journal",
           "JournalEntry", "JournalLine", "Period", "SalesOrder", "SalesOrderLine", "SalesOrderStatus", "TimeOff"]
