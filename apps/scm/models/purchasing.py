"""Purchasing: the company's policy, requisitions, purchase orders and goods receipts."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone

from apps.core.models import CompanyOwnedModel
from apps.core.ui.display import quantity_text
from apps.core.workflow import Transition, Workflow
from apps.scm.choices import PurchaseOrderStatus, ReceiptStatus, RequisitionSource, RequisitionStatus

ZERO = Decimal(0)
MAX_OVER_RECEIPT_PERCENT = 1000
S = PurchaseOrderStatus
QUANTITY = {"max_digits": 18, "decimal_places": 4}
MONEY = {"max_digits": 18, "decimal_places": 2}


class PurchasingPolicy(CompanyOwnedModel):
    """A company's purchasing rules: the approval threshold and the over-receipt tolerance.

    Approval rule: a purchase order whose total (in company currency) is at or below
    `approval_threshold` may be approved by anyone who may change purchase orders (a buyer), and
    `send` approves it automatically. Above the threshold only a user with the permission
    `scm.approve_purchaseorder` may approve it, and it must be approved before it is sent.
    """

    approval_threshold = models.DecimalField(**MONEY, default=Decimal("10000.00"),
                                             validators=[MinValueValidator(ZERO)],
                                             help_text="Orders above this total (company currency) need a "
                                                       "manager's approval.")
    over_receipt_tolerance_percent = models.DecimalField(
        max_digits=6, decimal_places=2, default=ZERO,
        validators=[MinValueValidator(ZERO), MaxValueValidator(MAX_OVER_RECEIPT_PERCENT)],
        help_text="How much more than ordered may be received, in percent of the ordered quantity.")
    quality_hold_location = models.ForeignKey("scm.Location", on_delete=models.PROTECT, null=True, blank=True,
                                              related_name="+", help_text="Where receipts on quality hold go; "
                                              "default: the quality-hold location of the receiving warehouse.")

    class Meta:
        verbose_name_plural = "purchasing policies"
        constraints = [models.UniqueConstraint(fields=["company"], name="scm_purchasingpolicy_one_per_company")]

    def __str__(self) -> str:
        return f"Purchasing policy of {self.company.code}"


class PurchaseRequisition(CompanyOwnedModel):
    """A request to buy an item, from a person, from replenishment or from MRP; ordered as a PO line."""

    number = models.CharField(max_length=30, editable=False)
    source = models.CharField(max_length=20, choices=RequisitionSource.choices, default=RequisitionSource.MANUAL)
    status = models.CharField(max_length=20, choices=RequisitionStatus.choices, default=RequisitionStatus.OPEN)
    item = models.ForeignKey("plm.Item", on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField(**QUANTITY, validators=[MinValueValidator(Decimal("0.0001"))])
    needed_by = models.DateField(null=True, blank=True)
    warehouse = models.ForeignKey("scm.Warehouse", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    supplier = models.ForeignKey("core.Party", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                 limit_choices_to={"is_supplier": True},
                                 help_text="Suggested supplier; default: the item's preferred supplier.")
    reorder_rule = models.ForeignKey("scm.ReorderRule", on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="requisitions")
    reference = models.CharField(max_length=100, blank=True, help_text="e.g. the MRP planned order.")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="+")
    purchase_order_line = models.ForeignKey("scm.PurchaseOrderLine", on_delete=models.SET_NULL, null=True,
                                            blank=True, related_name="requisitions")
    notes = models.TextField(blank=True)

    workflow = Workflow("status", {
        "order": Transition(sources=[RequisitionStatus.OPEN], target=RequisitionStatus.ORDERED,
                            label="Create purchase order", message="{object} ordered on a draft purchase order."),
        "cancel": Transition(sources=[RequisitionStatus.OPEN], target=RequisitionStatus.CANCELLED,
                             style="outline-danger", confirm="Cancel this requisition? Nothing will be ordered for it.",
                             message="{object} cancelled."),
    })

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["company", "number"], name="scm_requisition_number_unique"),
            # replenishment never proposes twice for the same rule while a proposal is open
            models.UniqueConstraint(fields=["reorder_rule"], condition=models.Q(status="open"),
                                    name="scm_requisition_one_open_per_rule"),
            models.CheckConstraint(condition=models.Q(quantity__gt=0), name="scm_requisition_quantity_positive"),
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("scm:purchaserequisition_detail", args=[self.pk])

    @property
    def is_locked(self) -> bool:
        return self.status != RequisitionStatus.OPEN


class PurchaseOrder(CompanyOwnedModel):
    """An order to a supplier: lines with items, quantities, prices and due dates; approved, sent, received."""

    number = models.CharField(max_length=30, editable=False)
    supplier = models.ForeignKey("core.Party", on_delete=models.PROTECT, related_name="purchase_orders",
                                 limit_choices_to={"is_supplier": True})
    currency = models.ForeignKey("core.Currency", on_delete=models.PROTECT, related_name="+")
    order_date = models.DateField(default=timezone.localdate)
    warehouse = models.ForeignKey("scm.Warehouse", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                  help_text="Where the goods are expected.")
    status = models.CharField(max_length=20, choices=PurchaseOrderStatus.choices, default=PurchaseOrderStatus.DRAFT)
    total = models.DecimalField(**MONEY, default=ZERO, editable=False)
    exchange_rate = models.DecimalField(max_digits=18, decimal_places=8, null=True, blank=True, editable=False,
                                        help_text="Company-currency units per unit of the order's currency, from the "
                                                  "company's own rates (empty until the company has one).")
    total_company_currency = models.DecimalField(**MONEY, null=True, blank=True, editable=False)
    notes = models.TextField(blank=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+", editable=False)
    approved_at = models.DateTimeField(null=True, blank=True, editable=False)
    sent_at = models.DateTimeField(null=True, blank=True, editable=False)

    workflow = Workflow("status", {
        "approve": Transition(sources=[S.DRAFT], target=S.APPROVED, user_guard="may_approve",
                              message="{object} approved."),
        "send": Transition(sources=[S.DRAFT, S.APPROVED], target=S.SENT, user_guard="may_send",
                           confirm="Send this purchase order to the supplier? Its lines and prices can no longer be "
                                   "changed.", message="{object} sent to the supplier."),
        "receive_partially": Transition(sources=[S.SENT, S.PARTIALLY_RECEIVED], target=S.PARTIALLY_RECEIVED),
        "receive_fully": Transition(sources=[S.SENT, S.PARTIALLY_RECEIVED], target=S.RECEIVED),
        "close": Transition(sources=[S.PARTIALLY_RECEIVED, S.RECEIVED], target=S.CLOSED, style="outline-secondary",
                            confirm="Close this purchase order? Nothing more will be received against it.",
                            message="{object} closed."),
        "cancel": Transition(sources=[S.DRAFT, S.APPROVED, S.SENT], target=S.CANCELLED, style="outline-danger",
                             confirm="Cancel this purchase order? Tell the supplier if it was already sent.",
                             message="{object} cancelled."),
    })
    # steps taken by goods receipts, not by a user's action
    internal_verbs = frozenset({"receive_partially", "receive_fully"})

    class Meta:
        ordering = ["-id"]
        permissions = [("approve_purchaseorder", "Can approve purchase orders above the approval threshold")]
        constraints = [models.UniqueConstraint(fields=["company", "number"], name="scm_purchaseorder_number_unique")]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("scm:purchaseorder_detail", args=[self.pk])

    def may_approve(self, user) -> bool:
        """The threshold rule of `purchase_order_approve`: above it, only a role that approves purchase orders."""
        from apps.core.permissions import has_company_perm
        from apps.scm.selectors_purchasing import needs_manager_approval

        return not needs_manager_approval(self) or has_company_perm(user, "scm.approve_purchaseorder", self)

    def may_send(self, user) -> bool:
        """A draft above the threshold is approved before it is sent (`purchase_order_send`)."""
        from apps.scm.selectors_purchasing import needs_manager_approval

        return self.status != PurchaseOrderStatus.DRAFT or not needs_manager_approval(self)

    @property
    def is_locked(self) -> bool:
        """Only a draft's lines and prices may be edited."""
        return self.status != PurchaseOrderStatus.DRAFT


class PurchaseOrderLine(models.Model):
    """One item ordered: quantity, unit price (from the supplier's price breaks by default), due date."""

    purchase_order = models.ForeignKey(PurchaseOrder, on_delete=models.CASCADE, related_name="lines")
    line_number = models.PositiveIntegerField(default=1)
    item = models.ForeignKey("plm.Item", on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField(**QUANTITY, validators=[MinValueValidator(Decimal("0.0001"))])
    unit_price = models.DecimalField(max_digits=18, decimal_places=4, default=ZERO, blank=True,
                                     validators=[MinValueValidator(ZERO)])
    due_date = models.DateField(null=True, blank=True)
    quantity_received = models.DecimalField(**QUANTITY, default=ZERO, editable=False)
    quantity_rejected = models.DecimalField(**QUANTITY, default=ZERO, editable=False)

    company_path = "purchase_order__company"

    class Meta:
        ordering = ["purchase_order", "line_number"]
        constraints = [
            models.CheckConstraint(condition=models.Q(quantity__gt=0), name="scm_poline_quantity_positive"),
            models.CheckConstraint(condition=models.Q(unit_price__gte=0), name="scm_poline_price_not_negative"),
            models.CheckConstraint(condition=models.Q(quantity_received__gte=0) & models.Q(quantity_rejected__gte=0),
                                   name="scm_poline_received_not_negative"),
            # received may exceed ordered by the company's over-receipt tolerance (checked when receiving), which
            # is at most MAX_OVER_RECEIPT_PERCENT: a direct write cannot cut a line far below what came in
            models.CheckConstraint(
                condition=models.Q(quantity_received__lte=models.F("quantity") * (1 + MAX_OVER_RECEIPT_PERCENT // 100)),
                name="scm_poline_received_within_max_tolerance"),
        ]

    def __str__(self) -> str:
        return f"{self.purchase_order.number}/{self.line_number} {self.item.number}"

    @property
    def amount(self) -> Decimal:
        return (self.quantity * self.unit_price).quantize(Decimal("0.01"))

    @property
    def quantity_open(self) -> Decimal:
        return max(self.quantity - self.quantity_received, ZERO)


class GoodsReceipt(CompanyOwnedModel):
    """What arrived against a purchase order; posting it writes the stock moves and tells ERP and MES."""

    number = models.CharField(max_length=30, editable=False)
    purchase_order = models.ForeignKey(PurchaseOrder, on_delete=models.PROTECT, related_name="receipts")
    received_on = models.DateField(default=timezone.localdate)
    status = models.CharField(max_length=20, choices=ReceiptStatus.choices, default=ReceiptStatus.DRAFT)
    delivery_note = models.CharField("supplier's delivery note", max_length=60, blank=True)
    notes = models.TextField(blank=True)
    posted_at = models.DateTimeField(null=True, blank=True, editable=False)
    posted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="+", editable=False)

    workflow = Workflow("status", {
        "post": Transition(sources=[ReceiptStatus.DRAFT], target=ReceiptStatus.POSTED,
                           confirm="Post this receipt? The goods go into stock and the purchase order is updated; a "
                                   "posted receipt cannot be changed.",
                           message="{object} posted: the goods are in stock."),
        "cancel": Transition(sources=[ReceiptStatus.DRAFT], target=ReceiptStatus.CANCELLED, style="outline-danger",
                             confirm="Cancel this receipt?", message="{object} cancelled."),
    })

    class Meta:
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["company", "number"], name="scm_receipt_number_unique")]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("scm:goodsreceipt_detail", args=[self.pk])

    @property
    def is_locked(self) -> bool:
        return self.status != ReceiptStatus.DRAFT


class GoodsReceiptLine(models.Model):
    """A quantity received for one PO line, with its lot/serial, destination and quality hold."""

    receipt = models.ForeignKey(GoodsReceipt, on_delete=models.CASCADE, related_name="lines")
    purchase_order_line = models.ForeignKey(PurchaseOrderLine, on_delete=models.PROTECT, related_name="receipt_lines")
    quantity = models.DecimalField(**QUANTITY, validators=[MinValueValidator(ZERO)],
                                   help_text="Accepted quantity, put into stock.")
    quantity_rejected = models.DecimalField(**QUANTITY, default=ZERO, blank=True, validators=[MinValueValidator(ZERO)],
                                            help_text="Refused at the dock and returned; not put into stock.")
    lot_code = models.CharField("lot / serial", max_length=60, blank=True)
    expires_on = models.DateField(null=True, blank=True)
    location = models.ForeignKey("scm.Location", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                 help_text="Destination; default: the warehouse's receiving location.")
    quality_hold = models.BooleanField(default=False, help_text="Put into the quality-hold location instead.")
    stock_move = models.ForeignKey("scm.StockMove", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                   editable=False)

    company_path = "receipt__company"

    class Meta:
        ordering = ["receipt", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(quantity__gte=0) & models.Q(quantity_rejected__gte=0),
                                   name="scm_receiptline_quantities_not_negative"),
        ]

    def __str__(self) -> str:
        item = self.purchase_order_line.item
        return f"{self.receipt.number}: {quantity_text(self.quantity, item.uom_id)} {item.number}"

    @property
    def unit_cost(self) -> Decimal:
        return self.purchase_order_line.unit_price
