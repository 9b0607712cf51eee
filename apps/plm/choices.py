"""Status and type choices of PLM."""

from django.db import models


class ItemType(models.TextChoices):
    MAKE = "make", "Make"
    BUY = "buy", "Buy"
    PHANTOM = "phantom", "Phantom"


class Tracking(models.TextChoices):
    NONE = "none", "None"
    LOT = "lot", "Lot"
    SERIAL = "serial", "Serial"


class LifecycleState(models.TextChoices):
    DRAFT = "draft", "Draft"
    IN_REVIEW = "in_review", "In review"
    RELEASED = "released", "Released"
    OBSOLETE = "obsolete", "Obsolete"


class RevisionStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    IN_REVIEW = "in_review", "In review"
    RELEASED = "released", "Released"
    SUPERSEDED = "superseded", "Superseded"
    OBSOLETE = "obsolete", "Obsolete"


class ChangeOrderStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    RELEASED = "released", "Released"
    CANCELLED = "cancelled", "Cancelled"


class ChangeRequestStatus(models.TextChoices):
    OPEN = "open", "Open"
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Rejected"
    CLOSED = "closed", "Closed"


class ChangeRequestSource(models.TextChoices):
    MANUAL = "manual", "Entered by hand"
    CRM_FEEDBACK = "crm_feedback", "Customer feedback (CRM)"
    MES_NONCONFORMANCE = "mes_nonconformance", "Non-conformance (MES)"


class ApprovalDecision(models.TextChoices):
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


# Revisions whose BOM is still being worked on (at most one per item).
OPEN_REVISION_STATUSES = (RevisionStatus.DRAFT, RevisionStatus.IN_REVIEW)
# ECOs that still hold their revisions.
OPEN_CHANGE_ORDER_STATUSES = (ChangeOrderStatus.DRAFT, ChangeOrderStatus.SUBMITTED, ChangeOrderStatus.APPROVED)
