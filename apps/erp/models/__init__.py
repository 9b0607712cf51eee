"""ERP models: the chart of accounts, journals, entries, fiscal years and periods; HR."""

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

__all__ = ["Account", "AccountMapping", "Department", "Employee", "FiscalYear", "Journal", "JournalEntry",
           "JournalLine", "Period", "TimeOff"]
