"""Status and type choices of CRM."""

from django.db import models


class LeadSource(models.TextChoices):
    WEB = "web", "Web site"
    REFERRAL = "referral", "Referral"
    TRADE_SHOW = "trade_show", "Trade show"
    COLD_CALL = "cold_call", "Cold call"
    IMPORT = "import", "Import"
    OTHER = "other", "Other"


class LeadStatus(models.TextChoices):
    NEW = "new", "New"
    CONTACTED = "contacted", "Contacted"
    QUALIFIED = "qualified", "Qualified"
    DISQUALIFIED = "disqualified", "Disqualified"


class OpportunityStatus(models.TextChoices):
    """Follows the stage: an opportunity in a won (lost) stage is won (lost); every other stage is open."""

    OPEN = "open", "Open"
    WON = "won", "Won"
    LOST = "lost", "Lost"


class ActivityKind(models.TextChoices):
    CALL = "call", "Call"
    EMAIL = "email", "E-mail"
    MEETING = "meeting", "Meeting"
    TASK = "task", "Task"


class QuoteStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SENT = "sent", "Sent"
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Rejected"
    EXPIRED = "expired", "Expired"
    SUPERSEDED = "superseded", "Superseded"


class CasePriority(models.TextChoices):
    URGENT = "urgent", "Urgent"
    HIGH = "high", "High"
    NORMAL = "normal", "Normal"
    LOW = "low", "Low"


class CaseStatus(models.TextChoices):
    NEW = "new", "New"
    IN_PROGRESS = "in_progress", "In progress"
    WAITING = "waiting", "Waiting for the customer"
    RESOLVED = "resolved", "Resolved"
    CLOSED = "closed", "Closed"


OPEN_CASE_STATUSES = (CaseStatus.NEW, CaseStatus.IN_PROGRESS, CaseStatus.WAITING)


class TimelineKind(models.TextChoices):
    """What happened with a customer, one kind per event that feeds the timeline."""

    SALES_ORDER = "sales_order", "Sales order confirmed"
    SHIPMENT = "shipment", "Shipment shipped"
    INVOICE = "invoice", "Invoice posted"
    PAYMENT = "payment", "Payment received"
    QUOTE_SENT = "quote_sent", "Quote sent"
    QUOTE_ACCEPTED = "quote_accepted", "Quote accepted"
    OPPORTUNITY_WON = "opportunity_won", "Opportunity won"
    OPPORTUNITY_LOST = "opportunity_lost", "Opportunity lost"
    CASE_OPENED = "case_opened", "Case opened"
    CASE_RESOLVED = "case_resolved", "Case resolved"
    FEEDBACK = "feedback", "Feedback to engineering"
    WORK_ORDER = "work_order", "Work order completed"
