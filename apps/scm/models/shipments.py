"""Shipments: deliveries to customers, reserved, picked, packed and shipped from a warehouse."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse

from apps.core.models import CompanyOwnedModel
from apps.core.ui.display import quantity_text
from apps.core.workflow import Transition, Workflow
from apps.scm.choices import ShipmentStatus

ZERO = Decimal(0)
QUANTITY = {"max_digits": 18, "decimal_places": 4}
H = ShipmentStatus


def _nothing_short(shipment) -> str | None:
    """The guard of `reserve_shortage`: why there is nothing to top up (every line fully reserved), or None."""
    if any(line.quantity_short > 0 for line in shipment.lines.all()):
        return None
    return f"Every line of {shipment} is fully reserved: nothing is short."


class Shipment(CompanyOwnedModel):
    """A delivery of a sales order's items to a customer; a partial shipment leaves a backorder."""

    number = models.CharField(max_length=30, editable=False)
    sales_order_number = models.CharField(max_length=30, blank=True, db_index=True)
    customer = models.ForeignKey("core.Party", on_delete=models.PROTECT, related_name="shipments",
                                 limit_choices_to={"is_customer": True})
    warehouse = models.ForeignKey("scm.Warehouse", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=20, choices=ShipmentStatus.choices, default=ShipmentStatus.DRAFT)
    planned_date = models.DateField(null=True, blank=True)
    shipped_at = models.DateTimeField(null=True, blank=True, editable=False)
    shipped_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", editable=False)
    package_count = models.PositiveIntegerField(default=0, editable=False)
    weight_kg = models.DecimalField(max_digits=12, decimal_places=3, null=True, blank=True, editable=False)
    carrier = models.CharField(max_length=100, blank=True)
    tracking_number = models.CharField(max_length=100, blank=True)
    backorder_of = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="backorders",
                                     editable=False)
    source_event = models.ForeignKey("core.Event", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                     editable=False, help_text="The erp.sales_order.confirmed event it came from.")
    notes = models.TextField(blank=True)

    workflow = Workflow("status", {
        "reserve": Transition(sources=[H.DRAFT], target=H.RESERVED, label="Reserve stock",
                              message="Stock reserved for {object}."),
        "reserve_shortage": Transition(sources=[H.RESERVED, H.PICKING], target=None, guard=_nothing_short,
                                       label="Reserve what's short",
                                       message="What is short on {object} reserved from the stock now available."),
        "pick": Transition(sources=[H.RESERVED, H.PICKING], target=H.PICKING),
        "pack": Transition(sources=[H.RESERVED, H.PICKING], target=H.PACKED, message="{object} packed."),
        "ship": Transition(sources=[H.RESERVED, H.PICKING, H.PACKED], target=H.SHIPPED, style="success",
                           confirm="Ship now? The stock leaves the warehouse and the customer is invoiced; what was "
                                   "not picked goes on a backorder.", message="{object} shipped."),
        "cancel": Transition(sources=[H.DRAFT, H.RESERVED, H.PICKING, H.PACKED], target=H.CANCELLED,
                             style="outline-danger", confirm="Cancel this shipment and give back its reservations?",
                             message="{object} cancelled."),
    })

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["company", "number"], name="scm_shipment_number_unique"),
            # one delivery per sales-order event, backed by the database
            models.UniqueConstraint(fields=["source_event"], name="scm_shipment_one_per_event"),
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("scm:shipment_detail", args=[self.pk])

    @property
    def is_locked(self) -> bool:
        return self.status != ShipmentStatus.DRAFT


class ShipmentLine(models.Model):
    """An item and quantity to deliver; optionally a specific lot the customer asked for."""

    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="lines")
    line_number = models.PositiveIntegerField(default=1)
    item = models.ForeignKey("plm.Item", on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField(**QUANTITY, validators=[MinValueValidator(Decimal("0.0001"))])
    lot = models.ForeignKey("scm.Lot", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    due_date = models.DateField(null=True, blank=True)
    quantity_shipped = models.DecimalField(**QUANTITY, default=ZERO, editable=False)

    company_path = "shipment__company"

    class Meta:
        ordering = ["shipment", "line_number"]
        constraints = [
            models.CheckConstraint(condition=models.Q(quantity__gt=0), name="scm_shipmentline_quantity_positive"),
            # a backorder carries what is left: a line never ships more than it asks for
            models.CheckConstraint(condition=models.Q(quantity_shipped__gte=0)
                                   & models.Q(quantity_shipped__lte=models.F("quantity")),
                                   name="scm_shipmentline_shipped_within_ordered"),
        ]

    def __str__(self) -> str:
        return f"{self.shipment.number}/{self.line_number} {self.item.number}"

    @property
    def quantity_short(self) -> Decimal:
        """What the line still needs and has not reserved (its allocations: prefetched or queried)."""
        return self.quantity - self.quantity_shipped - sum((a.quantity for a in self.allocations.all()), ZERO)


class ShipmentAllocation(models.Model):
    """The part of a line reserved at one location (and lot), and how much of it has been picked."""

    line = models.ForeignKey(ShipmentLine, on_delete=models.CASCADE, related_name="allocations")
    reservation = models.ForeignKey("scm.Reservation", on_delete=models.PROTECT, related_name="+")
    location = models.ForeignKey("scm.Location", on_delete=models.PROTECT, related_name="+")
    lot = models.ForeignKey("scm.Lot", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    quantity = models.DecimalField(**QUANTITY)
    quantity_picked = models.DecimalField(**QUANTITY, default=ZERO)
    stock_move = models.ForeignKey("scm.StockMove", on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    company_path = "line__shipment__company"

    class Meta:
        ordering = ["line", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(quantity_picked__lte=models.F("quantity"))
                                   & models.Q(quantity_picked__gte=0), name="scm_allocation_picked_within_reserved"),
        ]

    def __str__(self) -> str:
        return f"{quantity_text(self.quantity, self.line.item.uom_id)} of {self.line} at {self.location}"
