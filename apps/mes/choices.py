"""Status and type choices of MES."""

from django.db import models


# ---- production -----------------------------------------------------------------------------------
class WorkCenterStatus(models.TextChoices):
    RUNNING = "running", "Running"
    IDLE = "idle", "Idle"
    DOWN = "down", "Down"
    UNKNOWN = "unknown", "Unknown"  # its machines fell silent (shop-floor connectivity)


class WorkOrderStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    RELEASED = "released", "Released"
    IN_PROGRESS = "in_progress", "In progress"
    COMPLETED = "completed", "Completed"
    CLOSED = "closed", "Closed"
    CANCELLED = "cancelled", "Cancelled"


class WorkOrderSource(models.TextChoices):
    MANUAL = "manual", "Manual"
    MRP = "mrp", "MRP planned order"
    SALES_ORDER = "sales_order", "Sales order"


class OperationStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    IN_PROGRESS = "in_progress", "In progress"
    PAUSED = "paused", "Paused"
    DONE = "done", "Done"


class TimeLogKind(models.TextChoices):
    SETUP = "setup", "Setup"
    RUN = "run", "Run"


# Work orders that still hold reservations and may be worked on.
OPEN_WORK_ORDER_STATUSES = (WorkOrderStatus.RELEASED, WorkOrderStatus.IN_PROGRESS)


# ---- quality and downtime ---------------------------------------------------------------------------
class CheckKind(models.TextChoices):
    PASS_FAIL = "pass_fail", "Pass / fail"
    MEASUREMENT = "measurement", "Measurement"


class CheckResult(models.TextChoices):
    PASS = "pass", "Pass"
    FAIL = "fail", "Fail"


class NonConformanceStatus(models.TextChoices):
    OPEN = "open", "Open"
    DISPOSITIONED = "dispositioned", "Dispositioned"
    CLOSED = "closed", "Closed"


class Disposition(models.TextChoices):
    REWORK = "rework", "Rework"
    SCRAP = "scrap", "Scrap"
    USE_AS_IS = "use_as_is", "Use as is"
    RETURN_TO_SUPPLIER = "return_to_supplier", "Return to supplier"


class DowntimeKind(models.TextChoices):
    PLANNED = "planned", "Planned"
    UNPLANNED = "unplanned", "Unplanned"


class RejectDestination(models.TextChoices):
    SCRAP = "scrap", "Scrap"
    SUPPLIER = "supplier", "Back to the supplier"


# ---- shop-floor connectivity ------------------------------------------------------------------------
class SignalKind(models.TextChoices):
    STATE = "state", "State"
    COUNT = "count", "Count"


class MachineState(models.TextChoices):
    RUNNING = "running", "Running"
    IDLE = "idle", "Idle"
    DOWN = "down", "Down"
    UNKNOWN = "unknown", "Unknown"  # silent longer than MES_MACHINE_SILENCE_SECONDS


class MachineConnection(models.TextChoices):
    NONE = "none", "Not connected"
    MQTT = "mqtt", "MQTT"
    OPCUA = "opcua", "OPC UA"


class DowntimeSource(models.TextChoices):
    MANUAL = "manual", "Reported"
    MACHINE = "machine", "Machine signal"


class SignalDropReason(models.TextChoices):
    MALFORMED = "malformed", "Malformed payload"
    UNKNOWN_EQUIPMENT = "unknown_equipment", "Unknown equipment"
    WRONG_COMPANY = "wrong_company", "Topic names another company"
    FUTURE_TS = "future_ts", "Timestamp in the future"
    TOO_OLD = "too_old", "Older than the retention"
