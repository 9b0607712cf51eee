"""Production: work centers and their calendars, routings, manufacturing definitions, work orders,
operations on the floor, time logs, completions and lot genealogy."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse

from apps.core.models import CompanyOwnedModel
from apps.core.ui.display import moment_text, quantity_text
from apps.core.workflow import Transition, Workflow
from apps.mes.choices import (
    MachineConnection,
    MachineState,
    OperationStatus,
    TimeLogKind,
    WorkCenterStatus,
    WorkOrderSource,
    WorkOrderStatus,
)

ZERO = Decimal(0)
QUANTITY = {"max_digits": 18, "decimal_places": 4}
AMOUNT = {"max_digits": 18, "decimal_places": 2}
RATE = {"max_digits": 12, "decimal_places": 2}
MINUTES = {"max_digits": 10, "decimal_places": 2}
W = WorkOrderStatus
O = OperationStatus  # noqa: E741


class WorkCenter(CompanyOwnedModel):
    """A machine, cell or team where operations run: its cost rates, daily capacity and status."""

    code = models.CharField(max_length=20)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    hourly_rate = models.DecimalField(**RATE, default=ZERO, validators=[MinValueValidator(ZERO)],
                                      help_text="Labour cost per operator hour, company currency.")
    machine_hourly_rate = models.DecimalField(**RATE, default=ZERO, validators=[MinValueValidator(ZERO)],
                                              help_text="Machine cost per run hour, company currency.")
    capacity_hours_per_day = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal(8),
                                                 validators=[MinValueValidator(ZERO), MaxValueValidator(24)],
                                                 help_text="Default hours per working day without a shift calendar.")
    status = models.CharField(max_length=10, choices=WorkCenterStatus.choices, default=WorkCenterStatus.IDLE)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["company", "code"], name="mes_workcenter_code_unique"),
            models.CheckConstraint(condition=Q(hourly_rate__gte=0) & Q(machine_hourly_rate__gte=0),
                                   name="mes_workcenter_rates_not_negative"),
            models.CheckConstraint(condition=Q(capacity_hours_per_day__gte=0) & Q(capacity_hours_per_day__lte=24),
                                   name="mes_workcenter_capacity_range"),
        ]

    def __str__(self) -> str:
        return self.code

    def get_absolute_url(self) -> str:
        return reverse("mes:workcenter_detail", args=[self.pk])


class WorkCenterShift(models.Model):
    """The shift calendar of a work center: one row per working weekday with its start and hours.

    A work center without rows works Monday to Friday for `capacity_hours_per_day` from 06:00."""

    work_center = models.ForeignKey(WorkCenter, on_delete=models.CASCADE, related_name="shifts")
    weekday = models.PositiveSmallIntegerField(
        choices=[(0, "Monday"), (1, "Tuesday"), (2, "Wednesday"), (3, "Thursday"), (4, "Friday"),
                 (5, "Saturday"), (6, "Sunday")])
    start_time = models.TimeField(default="06:00")
    hours = models.DecimalField(max_digits=5, decimal_places=2,
                                validators=[MinValueValidator(Decimal("0.25")), MaxValueValidator(24)])

    company_path = "work_center__company"

    class Meta:
        ordering = ["work_center", "weekday"]
        verbose_name = "work center shift"
        constraints = [
            models.UniqueConstraint(fields=["work_center", "weekday"], name="mes_shift_weekday_unique"),
            models.CheckConstraint(condition=Q(hours__gt=0) & Q(hours__lte=24), name="mes_shift_hours_range"),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start_time:%H:%M} +{self.hours}h"


class Equipment(models.Model):
    """A machine or tool that belongs to a work center."""

    work_center = models.ForeignKey(WorkCenter, on_delete=models.CASCADE, related_name="equipment")
    code = models.CharField(max_length=40)
    name = models.CharField(max_length=200)
    serial_number = models.CharField(max_length=60, blank=True)
    is_active = models.BooleanField(default=True)
    # how its signals arrive: MQTT topic millwright/<company>/<work center>/<code>/<kind>, or read by the gateway
    # from an OPC UA server (subscription to the state and counter nodes)
    connection = models.CharField(max_length=5, choices=MachineConnection.choices, default=MachineConnection.NONE)
    opcua_endpoint = models.CharField("OPC UA endpoint", max_length=300, blank=True,
                                      help_text="opc.tcp://host:4840/path")
    opcua_state_node = models.CharField("OPC UA state node", max_length=200, blank=True,
                                        help_text="Node id of the state (running/idle/down), e.g. ns=2;s=M1.State")
    opcua_reason_node = models.CharField("OPC UA reason node", max_length=200, blank=True)
    opcua_good_node = models.CharField("OPC UA good counter node", max_length=200, blank=True,
                                       help_text="A counter that only grows; the gateway sends the increments.")
    opcua_scrap_node = models.CharField("OPC UA scrap counter node", max_length=200, blank=True)
    # the counters' values as of the last count signal stored, written with it: the gateway's baseline after a
    # restart, so parts made while it was down are counted once ({"good", "scrap", "nodes": what they were read from})
    opcua_counters = models.JSONField("OPC UA counters last stored", default=dict, blank=True, editable=False)
    # what the signals say now (written by the signal services only)
    machine_state = models.CharField(max_length=10, choices=MachineState.choices, blank=True, editable=False)
    state_reason = models.CharField(max_length=40, blank=True, editable=False)
    state_since = models.DateTimeField(null=True, blank=True, editable=False)
    last_signal_at = models.DateTimeField(null=True, blank=True, editable=False,
                                          help_text="When the last signal arrived (silence turns it unknown).")

    company_path = "work_center__company"

    class Meta:
        ordering = ["work_center", "code"]
        verbose_name_plural = "equipment"
        constraints = [models.UniqueConstraint(fields=["work_center", "code"], name="mes_equipment_code_unique")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Routing(CompanyOwnedModel):
    """How an item is made: its ordered operations at work centers (one routing per item)."""

    item = models.ForeignKey("plm.Item", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=200, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["item__number"]
        constraints = [models.UniqueConstraint(fields=["item"], name="mes_routing_one_per_item")]

    def __str__(self) -> str:
        return f"Routing {self.item.number}"

    def get_absolute_url(self) -> str:
        return reverse("mes:routing_detail", args=[self.pk])


class RoutingOperation(models.Model):
    """One step of a routing: where, how long to set up, how long per unit, what to do and check."""

    routing = models.ForeignKey(Routing, on_delete=models.CASCADE, related_name="operations")
    sequence = models.PositiveIntegerField()
    work_center = models.ForeignKey(WorkCenter, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=200, blank=True)
    setup_minutes = models.DecimalField(**MINUTES, default=ZERO, validators=[MinValueValidator(ZERO)])
    run_minutes_per_unit = models.DecimalField(**MINUTES, validators=[MinValueValidator(Decimal("0.01"))])
    instructions = models.TextField(blank=True)
    required_checks = models.ManyToManyField(
        "mes.InspectionPlan", blank=True, related_name="routing_operations",
        help_text="Inspection plans that must pass before the operation can finish; copied to work orders.")

    company_path = "routing__company"

    class Meta:
        ordering = ["routing", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["routing", "sequence"], name="mes_routingoperation_sequence_unique"),
            models.CheckConstraint(condition=Q(setup_minutes__gte=0) & Q(run_minutes_per_unit__gt=0),
                                   name="mes_routingoperation_times_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.sequence} {self.name or self.work_center.code}"


class ManufacturingDefinition(CompanyOwnedModel):
    """The BOM of one released item revision as PLM published it; work orders build from this snapshot."""

    item = models.ForeignKey("plm.Item", on_delete=models.PROTECT, related_name="+")
    revision = models.OneToOneField("plm.Revision", on_delete=models.PROTECT, related_name="+")
    eco_number = models.CharField(max_length=30, blank=True)
    effective_from = models.DateField(null=True, blank=True)
    source_event = models.ForeignKey("core.Event", on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+", help_text="The plm.revision.released event it came from.")

    class Meta:
        ordering = ["item__number", "-id"]

    def __str__(self) -> str:
        return f"{self.item.number} rev {self.revision.code}"

    def get_absolute_url(self) -> str:
        return reverse("mes:manufacturingdefinition_detail", args=[self.pk])


class ManufacturingDefinitionLine(models.Model):
    """One component of a manufacturing definition (per one unit of the parent, with scrap)."""

    definition = models.ForeignKey(ManufacturingDefinition, on_delete=models.CASCADE, related_name="lines")
    component = models.ForeignKey("plm.Item", on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField(**QUANTITY)
    uom = models.ForeignKey("core.UnitOfMeasure", on_delete=models.PROTECT, related_name="+")
    scrap_percent = models.DecimalField(max_digits=7, decimal_places=4, default=ZERO)
    position = models.PositiveIntegerField(default=10)

    company_path = "definition__company"

    class Meta:
        ordering = ["definition", "position", "id"]
        constraints = [models.CheckConstraint(condition=Q(quantity__gt=0), name="mes_definitionline_quantity_positive")]

    def __str__(self) -> str:
        return f"{self.position}: {quantity_text(self.quantity, self.uom_id)} {self.component.number}"


class WorkOrder(CompanyOwnedModel):
    """An order to make a quantity of an item at a released revision by a due date.

    Completion may be partial: the order stays in progress until the good quantity reaches the
    ordered quantity; up to `over_completion_percent` more than ordered may be completed."""

    number = models.CharField(max_length=30, editable=False)
    item = models.ForeignKey("plm.Item", on_delete=models.PROTECT, related_name="+")
    revision = models.ForeignKey("plm.Revision", on_delete=models.PROTECT, related_name="+")
    definition = models.ForeignKey(ManufacturingDefinition, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="work_orders", editable=False,
                                   help_text="The BOM snapshot this order was released with.")
    quantity = models.DecimalField(**QUANTITY, validators=[MinValueValidator(Decimal("0.0001"))])
    due_date = models.DateField()
    priority = models.PositiveSmallIntegerField(default=5, help_text="1 = most urgent.")
    status = models.CharField(max_length=12, choices=WorkOrderStatus.choices, default=WorkOrderStatus.DRAFT)
    source = models.CharField(max_length=12, choices=WorkOrderSource.choices, default=WorkOrderSource.MANUAL)
    source_reference = models.CharField(max_length=60, blank=True)
    location = models.ForeignKey("scm.Location", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                 help_text="Where components are reserved and picked; default: the first "
                                           "internal location.")
    finished_location = models.ForeignKey("scm.Location", on_delete=models.PROTECT, null=True, blank=True,
                                          related_name="+", help_text="Where finished goods go; default: location.")
    over_completion_percent = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal(10),
                                                  validators=[MinValueValidator(ZERO)])
    quantity_good = models.DecimalField(**QUANTITY, default=ZERO, editable=False)
    quantity_scrap = models.DecimalField(**QUANTITY, default=ZERO, editable=False)
    needs_review = models.BooleanField(default=False, editable=False)
    review_reason = models.CharField(max_length=300, blank=True, editable=False)
    material_cost = models.DecimalField(**AMOUNT, default=ZERO, editable=False)
    labour_cost = models.DecimalField(**AMOUNT, default=ZERO, editable=False)
    machine_cost = models.DecimalField(**AMOUNT, default=ZERO, editable=False)
    released_at = models.DateTimeField(null=True, blank=True, editable=False)
    completed_at = models.DateTimeField(null=True, blank=True, editable=False)
    notes = models.TextField(blank=True)

    workflow = Workflow("status", {
        "release": Transition(sources=[W.DRAFT], target=W.RELEASED, permission="mes.change_workorder",
                              message="{object} released to the shop floor."),
        "start": Transition(sources=[W.RELEASED], target=W.IN_PROGRESS, message="{object} started."),
        "complete": Transition(sources=[W.RELEASED, W.IN_PROGRESS], target=W.COMPLETED, style="success",
                               confirm="Complete this work order? Its components are consumed and the product is "
                                       "received into stock; this cannot be undone.", message="{object} completed."),
        "close": Transition(sources=[W.COMPLETED], target=W.CLOSED, style="secondary",
                            confirm="Close this work order? No more time or completions can be booked on it.",
                            message="{object} closed."),
        # no more units will be made: finished with what was completed (scrap included), the rest unreserved
        "close_short": Transition(sources=[W.RELEASED, W.IN_PROGRESS], target=W.COMPLETED, label="Close short",
                                  style="outline-warning",
                                  confirm="Close this work order short? No more units will be made; unused "
                                          "reservations are given back.", message="{object} closed short."),
        "cancel": Transition(sources=[W.DRAFT, W.RELEASED], target=W.CANCELLED, style="outline-danger",
                             confirm="Cancel this work order and give back its reservations?",
                             message="{object} cancelled."),
    })

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["company", "status", "due_date"], name="mes_workorder_dispatch")]
        constraints = [
            models.UniqueConstraint(fields=["company", "number"], name="mes_workorder_number_unique"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="mes_workorder_quantity_positive"),
            models.CheckConstraint(condition=Q(quantity_good__gte=0) & Q(quantity_scrap__gte=0),
                                   name="mes_workorder_completed_not_negative"),
            models.CheckConstraint(condition=Q(over_completion_percent__gte=0),
                                   name="mes_workorder_tolerance_not_negative"),
            # over-completion within the order's own tolerance (the service checks it before writing)
            models.CheckConstraint(
                condition=Q(quantity_good__lte=F("quantity") * (1 + F("over_completion_percent") / 100)),
                name="mes_workorder_completed_within_tolerance"),
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("mes:workorder_detail", args=[self.pk])

    @property
    def is_locked(self) -> bool:
        return self.status != WorkOrderStatus.DRAFT

    @property
    def quantity_remaining(self) -> Decimal:
        return max(self.quantity - self.quantity_good, ZERO)


class Operation(models.Model):
    """One routing step copied onto a work order at release: planned times, floor status, quantities."""

    work_order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="operations")
    sequence = models.PositiveIntegerField()
    work_center = models.ForeignKey(WorkCenter, on_delete=models.PROTECT, related_name="operations")
    name = models.CharField(max_length=200, blank=True)
    setup_minutes = models.DecimalField(**MINUTES, default=ZERO)
    run_minutes_per_unit = models.DecimalField(**MINUTES, default=ZERO)
    instructions = models.TextField(blank=True)
    required_checks = models.ManyToManyField(
        "mes.InspectionPlan", blank=True, related_name="operations",
        help_text="Inspection plans that must pass (a passing result of each of their checks) before finish.")
    status = models.CharField(max_length=12, choices=OperationStatus.choices, default=OperationStatus.PENDING)
    planned_start = models.DateTimeField(null=True, blank=True)
    planned_end = models.DateTimeField(null=True, blank=True)
    actual_start = models.DateTimeField(null=True, blank=True)
    actual_end = models.DateTimeField(null=True, blank=True)
    quantity_good = models.DecimalField(**QUANTITY, default=ZERO)
    quantity_scrap = models.DecimalField(**QUANTITY, default=ZERO)
    scrap_reason = models.CharField(max_length=200, blank=True)
    quality_blocked = models.BooleanField(default=False, help_text="Set by a failed quality check; blocks finish.")
    machine_good = models.PositiveIntegerField(default=0, editable=False,
                                               help_text="Good parts the machines counted while it ran.")
    machine_scrap = models.PositiveIntegerField(default=0, editable=False,
                                                help_text="Scrap the machines counted while it ran.")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    company_path = "work_order__company"

    workflow = Workflow("status", {
        "start": Transition(sources=[O.PENDING], target=O.IN_PROGRESS),
        "pause": Transition(sources=[O.IN_PROGRESS], target=O.PAUSED, style="warning"),
        "resume": Transition(sources=[O.PAUSED], target=O.IN_PROGRESS),
        "finish": Transition(sources=[O.IN_PROGRESS, O.PAUSED], target=O.DONE, style="success"),
    })

    class Meta:
        ordering = ["work_order", "sequence"]
        permissions = [("override_sequence", "Can run operations out of the routing sequence (supervisor)")]
        indexes = [models.Index(fields=["work_center", "status"], name="mes_operation_dispatch")]
        constraints = [
            models.UniqueConstraint(fields=["work_order", "sequence"], name="mes_operation_sequence_unique"),
            models.CheckConstraint(condition=Q(quantity_good__gte=0) & Q(quantity_scrap__gte=0),
                                   name="mes_operation_quantities_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.work_order.number}/{self.sequence}"

    def get_absolute_url(self) -> str:
        return reverse("mes:operation_detail", args=[self.pk])


class OperationTimeLog(models.Model):
    """Time an operator spent on an operation (setup or run); open while `ended_at` is empty."""

    operation = models.ForeignKey(Operation, on_delete=models.CASCADE, related_name="time_logs")
    operator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=5, choices=TimeLogKind.choices, default=TimeLogKind.RUN)
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    completion = models.ForeignKey("mes.WorkOrderCompletion", on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="time_logs", help_text="The completion whose cost includes it.")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    company_path = "operation__work_order__company"

    class Meta:
        ordering = ["operation", "started_at"]
        constraints = [
            models.CheckConstraint(condition=Q(ended_at__isnull=True) | Q(ended_at__gte=models.F("started_at")),
                                   name="mes_timelog_ends_after_start"),
            # one open log per operator and operation
            models.UniqueConstraint(fields=["operation", "operator"], condition=Q(ended_at__isnull=True),
                                    name="mes_timelog_one_open"),
        ]

    def __str__(self) -> str:
        return f"{self.operator} {self.get_kind_display().lower()} from {moment_text(self.started_at)}"

    @property
    def hours(self) -> Decimal:
        if self.ended_at is None:
            return ZERO
        return Decimal((self.ended_at - self.started_at).total_seconds()) / Decimal(3600)


class WorkOrderMaterial(models.Model):
    """A component a work order needs, from its manufacturing definition: required (with scrap) and
    consumed quantities. Its stock reservations point back to it (`Reservation.source`)."""

    work_order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="materials")
    component = models.ForeignKey("plm.Item", on_delete=models.PROTECT, related_name="+")
    position = models.PositiveIntegerField(default=10)
    quantity_per = models.DecimalField(**QUANTITY, help_text="Per one unit of the product, in the component's unit.")
    scrap_percent = models.DecimalField(max_digits=7, decimal_places=4, default=ZERO)
    quantity_required = models.DecimalField(**QUANTITY, help_text="For the whole order, scrap included.")
    quantity_consumed = models.DecimalField(**QUANTITY, default=ZERO)
    location = models.ForeignKey("scm.Location", on_delete=models.PROTECT, related_name="+")

    company_path = "work_order__company"

    class Meta:
        ordering = ["work_order", "position", "id"]
        verbose_name = "work order material"
        constraints = [
            models.CheckConstraint(condition=Q(quantity_required__gt=0) & Q(quantity_consumed__gte=0),
                                   name="mes_material_quantities_valid"),
        ]

    def __str__(self) -> str:
        return (f"{self.work_order.number}: {quantity_text(self.quantity_required, self.component.uom_id)} "
                f"{self.component.number}")


class WorkOrderCompletion(models.Model):
    """One reported completion of a work order (partial or final): the quantities, the lot produced and
    the actual cost of what it consumed and the time booked since the previous completion."""

    work_order = models.ForeignKey(WorkOrder, on_delete=models.PROTECT, related_name="completions")
    quantity_good = models.DecimalField(**QUANTITY)
    quantity_scrap = models.DecimalField(**QUANTITY, default=ZERO)
    lot = models.ForeignKey("scm.Lot", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    material_cost = models.DecimalField(**AMOUNT, default=ZERO)
    labour_cost = models.DecimalField(**AMOUNT, default=ZERO)
    machine_cost = models.DecimalField(**AMOUNT, default=ZERO)
    total_cost = models.DecimalField(**AMOUNT, default=ZERO)
    unit_cost = models.DecimalField(max_digits=18, decimal_places=6, default=ZERO)
    completed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="+")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    company_path = "work_order__company"

    class Meta:
        ordering = ["work_order", "id"]
        constraints = [models.CheckConstraint(condition=Q(quantity_good__gt=0) & Q(quantity_scrap__gte=0),
                                              name="mes_completion_quantities_valid")]

    def __str__(self) -> str:
        return (f"{self.work_order.number}: {quantity_text(self.quantity_good, self.work_order.item.uom_id)} "
                "completed")


class GenealogyLink(CompanyOwnedModel):
    """`parent_lot` (a lot or serial made by a work order) contains `quantity` of `child_lot` (consumed)."""

    parent_lot = models.ForeignKey("scm.Lot", on_delete=models.PROTECT, related_name="+")
    child_lot = models.ForeignKey("scm.Lot", on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField(**QUANTITY)
    work_order = models.ForeignKey(WorkOrder, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="genealogy_links")

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["parent_lot", "child_lot"], name="mes_genealogy_down"),
            models.Index(fields=["child_lot", "parent_lot"], name="mes_genealogy_up"),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(parent_lot=models.F("child_lot")), name="mes_genealogy_not_self"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="mes_genealogy_quantity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.parent_lot} contains {self.child_lot}"
