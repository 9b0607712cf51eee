"""MRP planning: item planning parameters, planning runs, and what a run proposes (planned purchase and production
orders with their pegging, exception messages, and the item's time-phased plan)."""

from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.functional import cached_property

from apps.core.models import CompanyOwnedModel, TimeStampedModel
from apps.core.models.base import CompanyScopedQuerySet
from apps.core.workflow import Transition, Workflow
from apps.erp.choices import (
    LotSizing,
    MrpMessageKind,
    MrpRunStatus,
    PegKind,
    PlannedOrderKind,
    PlannedOrderStatus,
)

QUANTITY = {"max_digits": 18, "decimal_places": 4}
ZERO = Decimal(0)
RELEASE_PERMISSION = "erp.release_plannedorder"


class ItemPlanning(CompanyOwnedModel):
    """How MRP orders one item: lot sizing (lot for lot or fixed lots, raised to a minimum and rounded up to a
    multiple), the safety stock to keep, and a fixed lead time. Items without a row are planned lot for lot,
    without safety stock or fixed lead time."""

    item = models.OneToOneField("plm.Item", on_delete=models.PROTECT, related_name="erp_planning")
    lot_sizing = models.CharField(max_length=12, choices=LotSizing.choices, default=LotSizing.LOT_FOR_LOT)
    fixed_quantity = models.DecimalField(**QUANTITY, null=True, blank=True,
                                         validators=[MinValueValidator(Decimal("0.0001"))],
                                         help_text="Fixed lots: each planned order is this quantity (as many as "
                                                   "needed).")
    minimum_quantity = models.DecimalField(**QUANTITY, default=ZERO, blank=True, validators=[MinValueValidator(ZERO)],
                                           help_text="No planned order is smaller (a bought item's supplier minimum "
                                                     "order quantity applies as well).")
    multiple = models.DecimalField(**QUANTITY, default=ZERO, blank=True, validators=[MinValueValidator(ZERO)],
                                   help_text="Round planned orders up to a multiple of this (0: no rounding).")
    safety_stock = models.DecimalField(**QUANTITY, default=ZERO, blank=True, validators=[MinValueValidator(ZERO)],
                                       help_text="Projected stock is kept at least this high.")
    lead_time_days = models.PositiveIntegerField(
        "fixed lead time (days)", default=0, blank=True, validators=[MaxValueValidator(3650)],
        help_text="Made items: working days (the first operation's calendar) before the routing's run time; bought "
                  "items without a preferred supplier: calendar days.")

    class Meta:
        ordering = ["item__number"]
        verbose_name = "item planning"
        verbose_name_plural = "item planning"
        constraints = [
            models.CheckConstraint(condition=~Q(lot_sizing="fixed") | Q(fixed_quantity__gt=0),
                                   name="erp_itemplanning_fixed_needs_quantity"),
            models.CheckConstraint(condition=Q(minimum_quantity__gte=0) & Q(multiple__gte=0) & Q(safety_stock__gte=0),
                                   name="erp_itemplanning_not_negative"),
        ]

    def __str__(self) -> str:
        return f"Planning of {self.item.number}"

    def get_absolute_url(self) -> str:
        return reverse("erp:itemplanning_detail", args=[self.pk])


R = MrpRunStatus
ACTIVE_RUN_STATUSES = (R.QUEUED, R.RUNNING)


class MrpRun(CompanyOwnedModel):
    """One MRP run of a company (a Celery task): its horizon, progress (items planned of the total), the summary of
    what it read and proposed, and its planned orders. One run per company at a time."""

    number = models.CharField(max_length=30, editable=False)
    status = models.CharField(max_length=10, choices=MrpRunStatus.choices, default=R.QUEUED, editable=False)
    start_date = models.DateField(blank=True, help_text="The first day bucket; default: today.")
    horizon_days = models.PositiveIntegerField(default=120, validators=[MinValueValidator(1), MaxValueValidator(730)],
                                               help_text="Daily buckets planned from the start date.")
    items_total = models.PositiveIntegerField(default=0, editable=False)
    items_planned = models.PositiveIntegerField(default=0, editable=False)
    inputs = models.JSONField(default=dict, blank=True, editable=False,
                              help_text="What the run read: items, demands, supplies, on-hand.")
    results = models.JSONField(default=dict, blank=True, editable=False,
                               help_text="What it proposed: planned orders, late ones, exception messages.")
    error = models.TextField(blank=True, editable=False)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   editable=False, related_name="+")
    started_at = models.DateTimeField(null=True, blank=True, editable=False)
    finished_at = models.DateTimeField(null=True, blank=True, editable=False)
    superseded_by = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, editable=False,
                                      related_name="+",
                                      help_text="The later run of the company that replaced this one's plan.")

    workflow = Workflow("status", {
        "start": Transition(sources=[R.QUEUED], target=R.RUNNING),
        "finish": Transition(sources=[R.RUNNING], target=R.DONE),
        "fail": Transition(sources=[R.QUEUED, R.RUNNING], target=R.FAILED),
        "cancel": Transition(sources=[R.QUEUED, R.RUNNING], target=R.CANCELLED, style="outline-danger",
                             confirm="Cancel this MRP run? Nothing it computed is kept.",
                             message="{object} cancelled."),
    })
    # taken by the Celery task, not by a user's action
    internal_verbs = frozenset({"start", "finish", "fail"})

    class Meta:
        ordering = ["-id"]
        verbose_name = "MRP run"
        constraints = [
            models.UniqueConstraint(fields=["company", "number"], name="erp_mrprun_number_unique"),
            models.UniqueConstraint(fields=["company"], condition=Q(status__in=["queued", "running"]),
                                    name="erp_mrprun_one_active_per_company"),
            models.CheckConstraint(condition=Q(items_planned__lte=models.F("items_total")),
                                   name="erp_mrprun_progress_within_total"),
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("erp:mrprun_detail", args=[self.pk])

    @property
    def progress(self) -> int:
        """Percent of the items planned (100 once done)."""
        if self.status == R.DONE:
            return 100
        return int(self.items_planned * 100 / self.items_total) if self.items_total else 0

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_RUN_STATUSES


P = PlannedOrderStatus


def _superseded(order) -> str | None:
    if order.run.superseded_by_id is None:
        return None
    return (f"Planned order {order} is superseded by MRP run {order.run.superseded_by}: release the orders of the "
            f"latest run.")


class PlannedOrderQuerySet(CompanyScopedQuerySet):
    def with_status(self, status: str):
        """The orders whose status (`PlannedOrder.current_status`) is `status`: an unreleased order of a run that a
        later run superseded is superseded, without being rewritten."""
        if status == P.PLANNED:
            return self.filter(status=P.PLANNED, run__superseded_by__isnull=True)
        if status == P.SUPERSEDED:
            return self.filter(Q(status=P.SUPERSEDED) | Q(status=P.PLANNED, run__superseded_by__isnull=False))
        return self.filter(status=status)


class PlannedOrder(CompanyOwnedModel):
    """What a run proposes to buy or make: item, quantity, when it must be there (`due_date`) and when it must start
    (`start_date`, lead time offset). Released once into an SCM purchase order draft (requisition for the preferred
    supplier) or an MES work order draft.

    A newer run supersedes the orders not released: the run is marked (`MrpRun.superseded_by`), its orders are not
    rewritten (a run writes ~100,000 of them); `current_status` and `PlannedOrder.objects.with_status()` say
    "superseded" for them, and the release step refuses them. The columns a run writes in bulk point at the company,
    run, item and supplier without a per-row database check (`db_constraint=False`): the writer checks and locks
    those rows set-based in the same transaction (`writer._lock_references`); deletes still go through Django.

    Its pegging (the demands it covers, `pegs`) is stored on the order itself, one entry per demand in four parallel
    arrays (kind, quantity, due date, document id), and the planned orders of its components that are pegged to it
    in `component_orders`: a run pegs ~850,000 demands, and one row each cost more than the whole planning."""

    # looked up through the (company, number) index
    company = models.ForeignKey("core.Company", on_delete=models.PROTECT, related_name="+", db_constraint=False,
                                db_index=False)
    # looked up through the (run, item) index
    run = models.ForeignKey(MrpRun, on_delete=models.CASCADE, related_name="planned_orders", db_constraint=False,
                            db_index=False)
    number = models.CharField(max_length=40, editable=False)
    item = models.ForeignKey("plm.Item", on_delete=models.PROTECT, related_name="+", db_constraint=False)
    kind = models.CharField(max_length=10, choices=PlannedOrderKind.choices)
    quantity = models.DecimalField(**QUANTITY)
    due_date = models.DateField()
    start_date = models.DateField(help_text="Order or start by this day to be ready on the due date.")
    low_level_code = models.PositiveSmallIntegerField(default=0)
    is_late = models.BooleanField("late", default=False, help_text="It should have started before the run's start.")
    supplier = models.ForeignKey("core.Party", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                 db_constraint=False, help_text="The item's preferred supplier (purchases).")
    status = models.CharField(max_length=10, choices=PlannedOrderStatus.choices, default=P.PLANNED, editable=False)
    released_at = models.DateTimeField(null=True, blank=True, editable=False)
    # no index: null on almost every row (a run writes ~100,000), and nobody looks orders up by who released them
    released_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    editable=False, related_name="+", db_index=False)
    requisition = models.OneToOneField("scm.PurchaseRequisition", on_delete=models.PROTECT, null=True, blank=True,
                                       editable=False, related_name="+")
    work_order = models.OneToOneField("mes.WorkOrder", on_delete=models.PROTECT, null=True, blank=True,
                                      editable=False, related_name="+")
    peg_kinds = ArrayField(models.CharField(max_length=15, choices=PegKind.choices), default=list, blank=True,
                           editable=False, help_text="Pegging: the kind of each demand covered.")
    peg_quantities = ArrayField(models.DecimalField(**QUANTITY), default=list, blank=True, editable=False,
                                help_text="Pegging: how much of each demand it covers (they add up to its quantity).")
    peg_due_dates = ArrayField(models.DateField(), default=list, blank=True, editable=False,
                               help_text="Pegging: when each demand needs it.")
    peg_documents = ArrayField(models.BigIntegerField(null=True), default=list, blank=True, editable=False,
                               help_text="Pegging: the id of each demand's sales order line, parent planned order or "
                                         "work order (by its kind); null for safety stock and the lot-size excess.")
    component_orders = ArrayField(models.BigIntegerField(), default=list, blank=True, editable=False,
                                  help_text="The planned orders of its components pegged to it.")

    workflow = Workflow("status", {
        "release": Transition(sources=[P.PLANNED], target=P.RELEASED, permission=RELEASE_PERMISSION,
                              style="success", guard=_superseded,
                              confirm="Release this planned order? A purchase order draft (or requisition) or a work "
                                      "order draft is created; it is released once.",
                              message="{object} released."),
    })

    objects = PlannedOrderQuerySet.as_manager()

    class Meta:
        ordering = ["run", "start_date", "item__number", "id"]
        permissions = [("release_plannedorder", "Can release planned orders")]
        indexes = [models.Index(fields=["run", "item"], name="erp_plannedorder_run_item")]
        constraints = [
            models.UniqueConstraint(fields=["company", "number"], name="erp_plannedorder_number_unique"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="erp_plannedorder_quantity_positive"),
            models.CheckConstraint(condition=Q(start_date__lte=models.F("due_date")),
                                   name="erp_plannedorder_start_not_after_due"),
            # a released order points at what it became, exactly once
            models.CheckConstraint(condition=~Q(status="released") | Q(requisition__isnull=False)
                                   | Q(work_order__isnull=False), name="erp_plannedorder_released_has_document"),
            # one entry per peg in each array
            models.CheckConstraint(condition=Q(peg_quantities__len=F("peg_kinds__len"),
                                               peg_due_dates__len=F("peg_kinds__len"),
                                               peg_documents__len=F("peg_kinds__len")),
                                   name="erp_plannedorder_pegs_aligned"),
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("erp:plannedorder_detail", args=[self.pk])

    @property
    def current_status(self) -> str:
        """`status`, or superseded for an unreleased order of a run that a later run replaced."""
        if self.status == P.PLANNED and self.run.superseded_by_id is not None:
            return P.SUPERSEDED
        return self.status

    def get_status_display(self) -> str:
        """The label of `current_status` (lists, detail pages and exports show it)."""
        return PlannedOrderStatus(self.current_status).label

    @cached_property
    def pegs(self) -> list["Peg"]:
        """The demands it covers, by due date, with their documents (`load_pegs` does it for many orders at once)."""
        load_pegs([self])
        return self.__dict__["pegs"]

    def component_pegs(self) -> list["Peg"]:
        """What the planned orders of its components cover of it (one entry per such order, its `planned_order`), by
        item number."""
        children = PlannedOrder.objects.filter(company_id=self.company_id, run_id=self.run_id,
                                               pk__in=self.component_orders).select_related("item")
        result = []
        for child in children:
            quantity = sum((q for k, q, d in zip(child.peg_kinds, child.peg_quantities, child.peg_documents,
                                                  strict=True) if k == PegKind.PLANNED_ORDER and d == self.pk), ZERO)
            result.append(Peg(kind=PegKind.PLANNED_ORDER, quantity=quantity, due_date=self.start_date,
                              parent_planned_order_id=self.pk, planned_order=child))
        return sorted(result, key=lambda peg: (peg.planned_order.item.number, peg.planned_order.pk))


class Peg:
    """One demand a planned order covers, and how much of it: a sales order line, a parent planned order, an open
    work order's components, safety stock, or the lot-size excess. Not a table: read from the planned order's
    arrays (`PlannedOrder.pegs`); its documents are loaded for many orders at once by `load_pegs`."""

    __slots__ = ("due_date", "kind", "parent_planned_order", "parent_planned_order_id", "planned_order", "quantity",
                 "sales_order_line", "sales_order_line_id", "work_order", "work_order_id")

    def __init__(self, *, kind: str, quantity: Decimal, due_date, sales_order_line_id: int | None = None,
                 parent_planned_order_id: int | None = None, work_order_id: int | None = None, planned_order=None):
        self.kind, self.quantity, self.due_date, self.planned_order = kind, quantity, due_date, planned_order
        self.sales_order_line_id, self.parent_planned_order_id, self.work_order_id = (
            sales_order_line_id, parent_planned_order_id, work_order_id)
        self.sales_order_line = self.parent_planned_order = self.work_order = None

    def __str__(self) -> str:
        return f"{self.planned_order}: {self.quantity} for {self.get_kind_display().lower()}"

    def __repr__(self) -> str:
        return f"Peg({self.kind!r}, {self.quantity}, {self.due_date})"

    def get_kind_display(self) -> str:
        return PegKind(self.kind).label


_PEG_DOCUMENT = {PegKind.SALES_ORDER: "sales_order_line_id", PegKind.PLANNED_ORDER: "parent_planned_order_id",
                 PegKind.WORK_ORDER: "work_order_id"}


def load_pegs(orders) -> None:
    """Set `pegs` on each of `orders` (the demands it covers, by due date) with their documents, in one query per
    kind of document for all of them (a page of the API, the detail page), each scoped to the order's company."""
    from apps.erp.models.sales import SalesOrderLine
    from apps.mes.models import WorkOrder

    wanted: dict[str, set[tuple[int, int]]] = {name: set() for name in _PEG_DOCUMENT.values()}
    for order in orders:
        pegs = []
        for kind, quantity, due, document in zip(order.peg_kinds, order.peg_quantities, order.peg_due_dates,
                                                 order.peg_documents, strict=True):
            peg = Peg(kind=kind, quantity=quantity, due_date=due, planned_order=order)
            name = _PEG_DOCUMENT.get(kind)
            if name is not None and document is not None:
                setattr(peg, name, document)
                wanted[name].add((order.company_id, document))
            pegs.append(peg)
        pegs.sort(key=lambda peg: peg.due_date)  # stable: on one day, in the order the run pegged them
        order.__dict__["pegs"] = pegs
    found: dict[str, dict[tuple[int, int], models.Model]] = {}
    for name, queryset, company in (
            ("sales_order_line_id", SalesOrderLine.objects.select_related("order"), "order__company_id"),
            ("parent_planned_order_id", PlannedOrder.objects.select_related("item"), "company_id"),
            ("work_order_id", WorkOrder.objects.all(), "company_id")):
        keys = wanted[name]
        rows = queryset.filter(pk__in={pk for _c, pk in keys}, **{f"{company}__in": {c for c, _pk in keys}}).annotate(
            _company=F(company)) if keys else ()
        found[name] = {(row._company, row.pk): row for row in rows}
    for order in orders:
        for peg in order.__dict__["pegs"]:
            name = _PEG_DOCUMENT.get(peg.kind)
            if name is not None:
                setattr(peg, name[:-3], found[name].get((order.company_id, getattr(peg, name))))


class MrpMessage(TimeStampedModel):
    """An exception message of a run: a planned order that cannot be ready in time, or an open purchase or work order
    to bring forward, push back or cancel."""

    run = models.ForeignKey(MrpRun, on_delete=models.CASCADE, related_name="messages")
    item = models.ForeignKey("plm.Item", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=10, choices=MrpMessageKind.choices)
    planned_order = models.ForeignKey(PlannedOrder, on_delete=models.CASCADE, null=True, blank=True,
                                      related_name="messages")
    document = models.CharField(max_length=60, blank=True, help_text="The open order concerned (PO line, work order).")
    due_date = models.DateField(null=True, blank=True)
    suggested_date = models.DateField(null=True, blank=True)
    quantity = models.DecimalField(**QUANTITY, default=ZERO)
    text = models.CharField(max_length=300)

    company_path = "run__company"

    class Meta:
        ordering = ["run", "kind", "id"]
        verbose_name = "MRP exception message"

    def __str__(self) -> str:
        return self.text


class MrpItemPlan(models.Model):
    """An item's time-phased plan in one run: per day with activity, the demand, scheduled receipts (open orders),
    planned receipts and the projected stock."""

    run = models.ForeignKey(MrpRun, on_delete=models.CASCADE, related_name="item_plans")
    item = models.ForeignKey("plm.Item", on_delete=models.PROTECT, related_name="+")
    low_level_code = models.PositiveSmallIntegerField(default=0)
    on_hand = models.DecimalField(**QUANTITY, default=ZERO)
    safety_stock = models.DecimalField(**QUANTITY, default=ZERO)
    buckets = models.JSONField(default=list, help_text="[[date, demand, scheduled receipts, planned receipts, "
                                                       "projected on hand]], days with activity only.")

    company_path = "run__company"

    class Meta:
        ordering = ["run", "low_level_code", "item__number"]
        verbose_name = "MRP item plan"
        constraints = [models.UniqueConstraint(fields=["run", "item"], name="erp_mrpitemplan_unique")]

    def __str__(self) -> str:
        return f"{self.run} {self.item.number}"
