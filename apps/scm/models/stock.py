"""The stock ledger: lots and serials, moves, on-hand quants, reservations, valuation, cycle counts."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse

from apps.core.models import CompanyOwnedModel
from apps.core.ui.display import quantity_text
from apps.core.workflow import Transition, Workflow
from apps.scm.choices import CycleCountStatus, MoveStatus, ReservationStatus

QUANTITY = {"max_digits": 18, "decimal_places": 4}
UNIT_COST = {"max_digits": 18, "decimal_places": 6}
AMOUNT = {"max_digits": 18, "decimal_places": 2}


class Lot(CompanyOwnedModel):
    """A lot (batch) or, for serial-tracked items, one serial number of an item."""

    item = models.ForeignKey("plm.Item", on_delete=models.PROTECT, related_name="+")
    code = models.CharField(max_length=60)
    expires_on = models.DateField(null=True, blank=True)
    is_serial = models.BooleanField(default=False)

    class Meta:
        ordering = ["item_id", "code"]
        constraints = [models.UniqueConstraint(fields=["item", "code"], name="scm_lot_code_unique")]

    def __str__(self) -> str:
        return self.code

    def get_absolute_url(self) -> str:
        return reverse("scm:lot_detail", args=[self.pk])


class StockMove(CompanyOwnedModel):
    """One quantity change of the ledger: `quantity` of an item (in its unit) from one location to
    another. Done moves are immutable; corrections are new moves."""

    # indexed by scm_move_item_done (item, done_at): a second index on item alone only slows posting
    item = models.ForeignKey("plm.Item", on_delete=models.PROTECT, related_name="+", db_index=False)
    quantity = models.DecimalField(**QUANTITY)
    from_location = models.ForeignKey("scm.Location", on_delete=models.PROTECT, related_name="+")
    to_location = models.ForeignKey("scm.Location", on_delete=models.PROTECT, related_name="+")
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    unit_cost = models.DecimalField(**UNIT_COST, null=True, blank=True,
                                    help_text="Cost per unit in the company currency; receipts set it.")
    value = models.DecimalField(**AMOUNT, default=Decimal(0), help_text="quantity x unit cost, for the books.")
    status = models.CharField(max_length=10, choices=MoveStatus.choices, default=MoveStatus.DRAFT)
    reference = models.CharField(max_length=100, blank=True)
    reason = models.CharField(max_length=200, blank=True)
    source_type = models.CharField(max_length=100, blank=True, help_text="app_label.model of the source document")
    source_id = models.CharField(max_length=40, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", db_index=False)
    reversed_by = models.OneToOneField("self", on_delete=models.PROTECT, null=True, blank=True, editable=False,
                                       related_name="reversal_of",
                                       help_text="The move that reversed this one (a move is reversed once).")

    workflow = Workflow("status", {
        "post": Transition(sources=[MoveStatus.DRAFT], target=MoveStatus.DONE, label="Post",
                           confirm="Post this move? Done moves are never edited, only reversed.",
                           message="{object} posted."),
        "cancel": Transition(sources=[MoveStatus.DRAFT], target=MoveStatus.CANCELLED, label="Cancel",
                             style="danger", confirm="Cancel this draft move?", message="{object} cancelled."),
        "reverse": Transition(sources=[MoveStatus.DONE], target=MoveStatus.DONE, label="Reverse", style="warning",
                              guard=lambda move: move.reversal_refusal(),
                              confirm="Reverse this move? A mirror move is posted; a move is reversed once.",
                              message="{object} reversed."),
    })

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["item", "done_at"], name="scm_move_item_done"),
            models.Index(fields=["source_type", "source_id"], name="scm_move_source"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="scm_move_quantity_positive"),
            models.CheckConstraint(condition=~Q(from_location=F("to_location")), name="scm_move_locations_differ"),
            # only a done move is reversed, and never by itself
            models.CheckConstraint(condition=Q(reversed_by__isnull=True) | (Q(status=MoveStatus.DONE)
                                                                            & ~Q(reversed_by=F("id"))),
                                   name="scm_move_reversed_when_done"),
            models.CheckConstraint(condition=~Q(status=MoveStatus.DONE) | Q(done_at__isnull=False),
                                   name="scm_move_done_has_date"),
        ]

    def __str__(self) -> str:
        """"Move 8 ea M-100 from WH/STOCK to CUSTOMERS"."""
        return (f"Move {quantity_text(self.quantity, self.item.uom_id)} {self.item.number} from {self.from_location} "
                f"to {self.to_location}")

    def get_absolute_url(self) -> str:
        return reverse("scm:stockmove_detail", args=[self.pk])

    @property
    def is_locked(self) -> bool:
        return self.status != MoveStatus.DRAFT

    @property
    def is_reversal(self) -> bool:
        """True for a move written by `stock_move_reverse` (its source is the move it reverses)."""
        return self.source_type == REVERSAL_SOURCE

    def reversal_refusal(self) -> str | None:
        """Why this move cannot be reversed now, or None: a correction happens once, and a reversal is not
        itself reversed (that would re-post the original; post a new move instead)."""
        if self.status != MoveStatus.DONE:
            return f"Move #{self.pk} is {self.status}: only done moves are reversed."
        if self.reversed_by_id is not None:
            return f"Move #{self.pk} was already reversed by move #{self.reversed_by_id}."
        if self.is_reversal:
            return (f"Move #{self.pk} is the reversal of move #{self.source_id}; it is not reversed in turn: "
                    "post a new move instead.")
        if self.source_type:
            # the document (receipt, shipment, work order, count) keeps its own quantities and values: reversing
            # its ledger line alone would make the two (and the books posted from the document) disagree
            return (f"Move #{self.pk} was posted by {self.source_type} {self.source_id}; correct it on that document "
                    "or post an adjustment.")
        return None


REVERSAL_SOURCE = "scm.stockmove"


class StockQuant(CompanyOwnedModel):
    """On-hand and reserved quantity of an item (and lot) at an internal location; maintained only by
    the stock services, always equal to the sum of done moves, never negative (database checks)."""

    item = models.ForeignKey("plm.Item", on_delete=models.PROTECT, related_name="+", db_index=False)  # unique idx
    location = models.ForeignKey("scm.Location", on_delete=models.PROTECT, related_name="quants")
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, null=True, blank=True, related_name="quants")
    on_hand = models.DecimalField(**QUANTITY, default=Decimal(0))
    reserved = models.DecimalField(**QUANTITY, default=Decimal(0))

    class Meta:
        ordering = ["item_id", "location_id", "lot_id"]
        constraints = [
            models.UniqueConstraint(fields=["item", "location", "lot"], nulls_distinct=False,
                                    name="scm_quant_unique"),
            models.CheckConstraint(condition=Q(on_hand__gte=0), name="scm_quant_on_hand_not_negative"),
            models.CheckConstraint(condition=Q(reserved__gte=0), name="scm_quant_reserved_not_negative"),
            models.CheckConstraint(condition=Q(reserved__lte=F("on_hand")), name="scm_quant_reserved_within_on_hand"),
        ]

    def __str__(self) -> str:
        lot = f" lot {self.lot}" if self.lot_id else ""
        return f"{quantity_text(self.on_hand, self.item.uom_id)} {self.item.number}{lot} at {self.location}"

    @property
    def available(self) -> Decimal:
        return self.on_hand - self.reserved


class Reservation(CompanyOwnedModel):
    """Quantity of an item (optionally a lot) at a location held for a document (a delivery, a work order)."""

    item = models.ForeignKey("plm.Item", on_delete=models.PROTECT, related_name="+")
    location = models.ForeignKey("scm.Location", on_delete=models.PROTECT, related_name="+")
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    quantity = models.DecimalField(**QUANTITY, help_text="Quantity reserved originally.")
    open_quantity = models.DecimalField(**QUANTITY, help_text="Quantity still held (not released or consumed).")
    reference = models.CharField(max_length=100, blank=True)
    source_type = models.CharField(max_length=100, blank=True)
    source_id = models.CharField(max_length=40, blank=True)
    status = models.CharField(max_length=10, choices=ReservationStatus.choices, default=ReservationStatus.ACTIVE)

    workflow = Workflow("status", {
        "release": Transition(sources=[ReservationStatus.ACTIVE], target=ReservationStatus.RELEASED,
                              label="Release", style="warning"),
        "consume": Transition(sources=[ReservationStatus.ACTIVE], target=ReservationStatus.CONSUMED),
    })

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["source_type", "source_id"], name="scm_reservation_source")]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="scm_reservation_quantity_positive"),
            models.CheckConstraint(condition=Q(open_quantity__gte=0) & Q(open_quantity__lte=F("quantity")),
                                   name="scm_reservation_open_within_quantity"),
        ]

    def __str__(self) -> str:
        text = f"Reservation of {quantity_text(self.quantity, self.item.uom_id)} {self.item.number} at {self.location}"
        return f"{text} for {self.reference}" if self.reference else text

    def get_absolute_url(self) -> str:
        return reverse("scm:reservation_detail", args=[self.pk])


class ItemValuation(CompanyOwnedModel):
    """Moving-average inventory cost of an item in a company: quantity and value held in internal locations."""

    item = models.ForeignKey("plm.Item", on_delete=models.PROTECT, related_name="+")
    average_cost = models.DecimalField(**UNIT_COST, default=Decimal(0))
    quantity = models.DecimalField(**QUANTITY, default=Decimal(0))
    value = models.DecimalField(**AMOUNT, default=Decimal(0))

    class Meta:
        ordering = ["item_id"]
        constraints = [
            models.UniqueConstraint(fields=["company", "item"], name="scm_valuation_unique"),
            # the last unit out takes the remaining value: nothing in stock is ever worth less than nothing
            models.CheckConstraint(condition=Q(quantity__gte=0) & Q(value__gte=0) & Q(average_cost__gte=0),
                                   name="scm_valuation_not_negative"),
        ]

    def __str__(self) -> str:
        return f"Valuation of {self.item.number}"


class CycleCount(CompanyOwnedModel):
    """A count of the stock at one location; posting writes adjustment moves for the differences."""

    number = models.CharField(max_length=30)
    location = models.ForeignKey("scm.Location", on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=200, default="Cycle count")
    status = models.CharField(max_length=10, choices=CycleCountStatus.choices, default=CycleCountStatus.DRAFT)
    posted_at = models.DateTimeField(null=True, blank=True)

    workflow = Workflow("status", {
        "post": Transition(sources=[CycleCountStatus.DRAFT], target=CycleCountStatus.POSTED, label="Post",
                           confirm="Write adjustment moves for every difference?",
                           message="{object} posted: the differences are adjusted."),
        "cancel": Transition(sources=[CycleCountStatus.DRAFT], target=CycleCountStatus.CANCELLED,
                             label="Cancel", style="danger", confirm="Cancel this count? Nothing is adjusted.",
                             message="{object} cancelled."),
    })

    class Meta:
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["company", "number"], name="scm_cyclecount_number_unique")]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("scm:cyclecount_detail", args=[self.pk])

    @property
    def is_locked(self) -> bool:
        return self.status != CycleCountStatus.DRAFT


class CycleCountLine(models.Model):
    """One counted item (and lot) of a cycle count: the quantity expected when counting started and
    the quantity found."""

    count = models.ForeignKey(CycleCount, on_delete=models.CASCADE, related_name="lines")
    item = models.ForeignKey("plm.Item", on_delete=models.PROTECT, related_name="+")
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    expected_quantity = models.DecimalField(**QUANTITY, default=Decimal(0))
    counted_quantity = models.DecimalField(**QUANTITY, null=True, blank=True)
    difference = models.DecimalField(**QUANTITY, null=True, blank=True, help_text="Posted adjustment (+/-).")
    move = models.ForeignKey(StockMove, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    company_path = "count__company"

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["count", "item", "lot"], nulls_distinct=False,
                                    name="scm_cyclecountline_unique"),
            models.CheckConstraint(condition=Q(counted_quantity__isnull=True) | Q(counted_quantity__gte=0),
                                   name="scm_cyclecountline_counted_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.count.number}: {self.item.number}"
