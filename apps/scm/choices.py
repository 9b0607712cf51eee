"""Status and type choices of SCM."""

from django.db import models


class LocationKind(models.TextChoices):
    INTERNAL = "internal", "Internal"
    SUPPLIER = "supplier", "Supplier"
    CUSTOMER = "customer", "Customer"
    PRODUCTION = "production", "Production"
    SCRAP = "scrap", "Scrap"
    INVENTORY_LOSS = "inventory_loss", "Inventory loss"
    TRANSIT = "transit", "Transit"


VIRTUAL_KINDS = [k for k in LocationKind.values if k != LocationKind.INTERNAL]


class MoveStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"


class ReservationStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    RELEASED = "released", "Released"
    CONSUMED = "consumed", "Consumed"


class CycleCountStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    POSTED = "posted", "Posted"
    CANCELLED = "cancelled", "Cancelled"


# ---- purchasing and shipments -------------------------------------------------------------------
class RequisitionSource(models.TextChoices):
    MANUAL = "manual", "Manual"
    REPLENISHMENT = "replenishment", "Replenishment"
    MRP = "mrp", "MRP"


class RequisitionStatus(models.TextChoices):
    OPEN = "open", "Open"
    ORDERED = "ordered", "Ordered"
    CANCELLED = "cancelled", "Cancelled"


class PurchaseOrderStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    APPROVED = "approved", "Approved"
    SENT = "sent", "Sent"
    PARTIALLY_RECEIVED = "partially_received", "Partially received"
    RECEIVED = "received", "Received"
    CLOSED = "closed", "Closed"
    CANCELLED = "cancelled", "Cancelled"


class ReceiptStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    POSTED = "posted", "Posted"
    CANCELLED = "cancelled", "Cancelled"


class ShipmentStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    RESERVED = "reserved", "Reserved"
    PICKING = "picking", "Picking"
    PACKED = "packed", "Packed"
    SHIPPED = "shipped", "Shipped"
    CANCELLED = "cancelled", "Cancelled"
