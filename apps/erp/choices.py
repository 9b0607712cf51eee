"""Status and type choices of ERP (the books, HR, sales orders and MRP planning)."""

from django.db import models


class AccountKind(models.TextChoices):
    ASSET = "asset", "Asset"
    LIABILITY = "liability", "Liability"
    EQUITY = "equity", "Equity"
    INCOME = "income", "Income"
    EXPENSE = "expense", "Expense"


# kinds whose balance is normally a debit (the others are normally credits)
DEBIT_KINDS = (AccountKind.ASSET, AccountKind.EXPENSE)
RESULT_KINDS = (AccountKind.INCOME, AccountKind.EXPENSE)


class PostingRule(models.TextChoices):
    """The posting rules of the suite: which account each one uses is the company's `AccountMapping`."""

    CASH = "cash", "Cash"
    BANK = "bank", "Bank"
    RECEIVABLES = "receivables", "Receivables"
    INVENTORY = "inventory", "Inventory: raw material"
    WIP = "wip", "Inventory: work in progress"
    FINISHED_GOODS = "finished_goods", "Inventory: finished goods"
    GRIR = "grir", "GR/IR clearing"
    PAYABLES = "payables", "Payables"
    TAX_PAYABLE = "tax_payable", "Tax payable"
    EQUITY = "equity", "Equity"
    RETAINED_EARNINGS = "retained_earnings", "Retained earnings"
    REVENUE = "revenue", "Revenue"
    COGS = "cogs", "Cost of goods sold"
    LABOUR_ABSORBED = "labour_absorbed", "Labour absorbed"
    VARIANCE = "variance", "Production variances"
    PURCHASE_PRICE_VARIANCE = "purchase_price_variance", "Purchase price variance"
    INVENTORY_ADJUSTMENT = "inventory_adjustment", "Inventory adjustments and scrap"
    ROUNDING = "rounding", "Rounding differences"
    EXPENSES = "expenses", "General expenses"


class JournalKind(models.TextChoices):
    SALES = "sales", "Sales"
    PURCHASES = "purchases", "Purchases"
    BANK = "bank", "Bank"
    INVENTORY = "inventory", "Inventory"
    MANUFACTURING = "manufacturing", "Manufacturing"
    GENERAL = "general", "General"


class EntryStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    POSTED = "posted", "Posted"
    REVERSED = "reversed", "Reversed"


# the entries that count in the books (a reversed entry and its mirror cancel each other)
BOOKED_STATUSES = (EntryStatus.POSTED, EntryStatus.REVERSED)


class PeriodStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class TimeOffKind(models.TextChoices):
    VACATION = "vacation", "Vacation"
    SICK = "sick", "Sick leave"
    UNPAID = "unpaid", "Unpaid leave"
    OTHER = "other", "Other"


class InvoiceKind(models.TextChoices):
    INVOICE = "invoice", "Invoice"
    CREDIT_NOTE = "credit_note", "Credit note"


class OpenItemStatus(models.TextChoices):
    """The life of an invoice, a credit note or a bill: drafted, (held by the match: bills only), posted to the
    books, then paid in part or in full by allocations; a draft (or held bill) may be cancelled."""

    DRAFT = "draft", "Draft"
    HELD = "held", "Held"
    POSTED = "posted", "Posted"
    PARTIALLY_PAID = "partially_paid", "Partially paid"
    PAID = "paid", "Paid"
    CANCELLED = "cancelled", "Cancelled"


class PaymentDirection(models.TextChoices):
    RECEIVED = "received", "Received"
    PAID = "paid", "Paid"


class PaymentStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    POSTED = "posted", "Posted"
    REVERSED = "reversed", "Reversed"


class TraceNodeKind(models.TextChoices):
    """The kinds of record a trace links (`apps.erp.traceability`), in the order of the thread."""

    QUOTE = "quote", "Quote"
    SALES_ORDER = "sales_order", "Sales order"
    CHANGE_ORDER = "change_order", "Change order"
    REVISION = "revision", "Revision"
    WORK_ORDER = "work_order", "Work order"
    OPERATION = "operation", "Operation"
    NONCONFORMANCE = "nonconformance", "Non-conformance"
    LOT = "lot", "Lot"
    RECEIPT = "receipt", "Goods receipt"
    PURCHASE_ORDER = "purchase_order", "Purchase order"
    SUPPLIER = "supplier", "Supplier"
    SHIPMENT = "shipment", "Shipment"
    CUSTOMER = "customer", "Customer"
    INVOICE = "invoice", "Invoice"
    PAYMENT = "payment", "Payment"


class TraceStartKind(models.TextChoices):
    """The records a trace may start from, as they appear in its URL (`/erp/trace/sales-order/42/`)."""

    SALES_ORDER = "sales-order", "Sales order"
    LOT = "lot", "Lot or serial"
    WORK_ORDER = "work-order", "Work order"
    PURCHASE_ORDER = "purchase-order", "Purchase order"
    INVOICE = "invoice", "Invoice"
    SHIPMENT = "shipment", "Shipment"


class TraceNodeFlag(models.TextChoices):
    """What a trace marks on a record: a serial, stock on quality hold, a defect that reached a customer."""

    SERIAL = "serial", "Serial number"
    QUALITY_HOLD = "quality_hold", "On quality hold"
    CUSTOMER_FACING = "customer_facing", "Customer-facing"


# ---- sales orders ----

class SalesOrderStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    CONFIRMED = "confirmed", "Confirmed"
    PARTIALLY_DELIVERED = "partially_delivered", "Partially delivered"
    DELIVERED = "delivered", "Delivered"
    INVOICED = "invoiced", "Invoiced"
    CLOSED = "closed", "Closed"
    CANCELLED = "cancelled", "Cancelled"


# ---- MRP ----

class LotSizing(models.TextChoices):
    LOT_FOR_LOT = "lot_for_lot", "Lot for lot"
    FIXED = "fixed", "Fixed quantity"


class MrpRunStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


class PlannedOrderKind(models.TextChoices):
    PURCHASE = "purchase", "Purchase"
    PRODUCTION = "production", "Production"


class PlannedOrderStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    RELEASED = "released", "Released"
    SUPERSEDED = "superseded", "Superseded"


class PegKind(models.TextChoices):
    SALES_ORDER = "sales_order", "Sales order line"
    PLANNED_ORDER = "planned_order", "Parent planned order"
    WORK_ORDER = "work_order", "Open work order's components"
    SAFETY_STOCK = "safety_stock", "Safety stock"
    LOT_SIZE = "lot_size", "Lot-size excess (kept in stock)"


class MrpMessageKind(models.TextChoices):
    LATE = "late", "Late: cannot meet the due date"
    EXPEDITE = "expedite", "Expedite an open order"
    DEFER = "defer", "Defer an open order"
    CANCEL = "cancel", "Cancel an open order no longer needed"
