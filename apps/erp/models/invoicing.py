"""Open items of the books: customer invoices and credit notes (AR), vendor bills (AP) checked by a three-way
match against the purchase order and its receipts, and payments received or paid, allocated to them."""

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse

from apps.core.models import CompanyOwnedModel
from apps.core.workflow import Transition, Workflow
from apps.erp.choices import InvoiceKind, OpenItemStatus, PaymentDirection, PaymentStatus

MONEY = {"max_digits": 18, "decimal_places": 2}
PRICE = {"max_digits": 18, "decimal_places": 4}
QUANTITY = {"max_digits": 18, "decimal_places": 4}
RATE = {"max_digits": 18, "decimal_places": 8}
PERCENT = {"max_digits": 5, "decimal_places": 2, "validators": [MinValueValidator(0), MaxValueValidator(100)]}
ZERO = Decimal(0)
RELEASE_BILL_PERMISSION = "erp.release_vendorbill"


# posted and not fully paid: what ages in the AR/AP aging
UNPAID_STATUSES = (OpenItemStatus.POSTED, OpenItemStatus.PARTIALLY_PAID)
ST = OpenItemStatus
SETTLED_STATUSES = (ST.POSTED, ST.PARTIALLY_PAID, ST.PAID)
# the steps payments and credit notes take on an invoice or a bill as its amount due changes, not a user's action
# (`apps.erp.services.invoices.settle`)
SETTLEMENT_STEPS = {
    "settle_partially": Transition(sources=SETTLED_STATUSES, target=ST.PARTIALLY_PAID),
    "settle_fully": Transition(sources=SETTLED_STATUSES, target=ST.PAID),
    "reopen": Transition(sources=[ST.PARTIALLY_PAID, ST.PAID], target=ST.POSTED),
}


class OpenItem(CompanyOwnedModel):
    """What invoices and bills share: a numbered document of a party in a currency, dated, due, with totals
    before and with tax, the amount still due, and the journal entry its posting made."""

    number = models.CharField(max_length=30, editable=False)
    currency = models.ForeignKey("core.Currency", on_delete=models.PROTECT, related_name="+", blank=True,
                                 help_text="Default: the party's, else the company's currency.")
    exchange_rate = models.DecimalField(**RATE, default=Decimal(1), editable=False,
                                        help_text="Company currency per unit of the document's, fixed at posting.")
    payment_terms_days = models.PositiveSmallIntegerField(default=30, validators=[MaxValueValidator(365)])
    due_date = models.DateField(null=True, blank=True, help_text="Default: the date plus the payment terms.")
    status = models.CharField(max_length=20, choices=OpenItemStatus.choices, default=OpenItemStatus.DRAFT,
                              editable=False)
    total = models.DecimalField("total before tax", **MONEY, default=ZERO, editable=False)
    total_tax = models.DecimalField(**MONEY, default=ZERO, editable=False)
    total_with_tax = models.DecimalField(**MONEY, default=ZERO, editable=False)
    amount_due = models.DecimalField(**MONEY, default=ZERO, editable=False,
                                     help_text="Still to pay, in the document's currency.")
    entry = models.OneToOneField("erp.JournalEntry", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+", editable=False)
    notes = models.TextField(blank=True)
    posted_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.number

    @property
    def is_locked(self) -> bool:
        """Only a draft (or a held bill) is edited; a posted document is credited or reversed instead."""
        return self.status not in (OpenItemStatus.DRAFT, OpenItemStatus.HELD)


class Invoice(OpenItem):
    """A customer invoice, or a credit note that gives part of one back; from a shipment (the shipped quantities
    at the sales order's prices), from a sales order, or by hand. Posting books Dr receivables, Cr revenue and
    tax payable (a credit note the mirror) and emits `erp.invoice.posted`."""

    kind = models.CharField(max_length=12, choices=InvoiceKind.choices, default=InvoiceKind.INVOICE)
    customer = models.ForeignKey("core.Party", on_delete=models.PROTECT, related_name="erp_invoices",
                                 limit_choices_to={"is_customer": True})
    invoice_date = models.DateField(blank=True, help_text="Default: today.")
    sales_order = models.ForeignKey("erp.SalesOrder", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="invoices")
    shipment = models.ForeignKey("scm.Shipment", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+", help_text="The shipment whose quantities it bills.")
    source_event = models.OneToOneField("core.Event", on_delete=models.PROTECT, null=True, blank=True,
                                        related_name="+", editable=False,
                                        help_text="The `scm.shipment.shipped` event it was drafted from (once).")
    credited_invoice = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True,
                                         related_name="credit_notes", help_text="For a credit note: the invoice "
                                                                                "it credits.")

    workflow = Workflow("status", {
        "post": Transition(sources=[ST.DRAFT], target=ST.POSTED, style="success",
                           confirm="Post this document? It is booked (receivables, revenue, tax) and can then only "
                                   "be credited.", message="{object} posted."),
        "cancel": Transition(sources=[ST.DRAFT], target=ST.CANCELLED, style="outline-danger",
                             confirm="Cancel this draft?", message="{object} cancelled."),
        **SETTLEMENT_STEPS,
    })
    internal_verbs = frozenset(SETTLEMENT_STEPS)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["company", "number"], name="erp_invoice_number_unique"),
            models.CheckConstraint(condition=models.Q(kind=InvoiceKind.INVOICE, credited_invoice=None)
                                   | models.Q(kind=InvoiceKind.CREDIT_NOTE), name="erp_invoice_credit_kind"),
            models.CheckConstraint(condition=models.Q(amount_due__gte=0), name="erp_invoice_due_not_negative"),
        ]
        indexes = [models.Index(fields=["company", "status", "due_date"])]

    def get_absolute_url(self) -> str:
        return reverse("erp:invoice_detail", args=[self.pk])


class InvoiceLine(models.Model):
    """One billed item or service: quantity, unit price, discount, tax rate; the revenue account (default: the
    `revenue` posting rule's)."""

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    line_number = models.PositiveIntegerField(default=1)
    item = models.ForeignKey("plm.Item", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    description = models.CharField(max_length=200, blank=True)
    quantity = models.DecimalField(**QUANTITY, validators=[MinValueValidator(Decimal("0.0001"))])
    unit_price = models.DecimalField(**PRICE, validators=[MinValueValidator(ZERO)])
    discount_percent = models.DecimalField(**PERCENT, default=ZERO, blank=True)
    tax_rate = models.DecimalField("tax rate %", **PERCENT, blank=True,
                                   help_text="Empty: the company's default tax rate.")
    account = models.ForeignKey("erp.Account", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                help_text="Empty: the revenue account of the posting rules.")
    sales_order_line = models.ForeignKey("erp.SalesOrderLine", on_delete=models.PROTECT, null=True, blank=True,
                                         related_name="invoice_lines")
    credited_line = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True,
                                      related_name="credit_lines", editable=False,
                                      help_text="For a credit note's line: the invoice line it credits.")
    net = models.DecimalField(**MONEY, default=ZERO, editable=False)
    tax = models.DecimalField(**MONEY, default=ZERO, editable=False)

    company_path = "invoice__company"

    class Meta:
        ordering = ["invoice", "line_number"]
        constraints = [
            models.CheckConstraint(condition=models.Q(quantity__gt=0), name="erp_invoiceline_quantity_positive"),
            models.CheckConstraint(condition=models.Q(unit_price__gte=0), name="erp_invoiceline_price_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.invoice}/{self.line_number}"


class VendorBill(OpenItem):
    """A supplier's bill, usually against a purchase order: its lines are matched three ways (ordered, received,
    billed quantities and prices within the tolerance); a mismatch holds the bill with the reason until it is
    corrected or released. Posting books Dr GR/IR (at the received value) and purchase price variance, Dr tax,
    Cr payables."""

    supplier = models.ForeignKey("core.Party", on_delete=models.PROTECT, related_name="erp_bills",
                                 limit_choices_to={"is_supplier": True})
    supplier_reference = models.CharField(max_length=60, blank=True, help_text="The supplier's invoice number.")
    bill_date = models.DateField(blank=True, help_text="Default: today.")
    purchase_order = models.ForeignKey("scm.PurchaseOrder", on_delete=models.PROTECT, null=True, blank=True,
                                       related_name="+")
    hold_reason = models.TextField(blank=True, editable=False, help_text="Why the three-way match held it.")
    release_reason = models.TextField(blank=True, editable=False,
                                      help_text="Why a finance manager released it from the hold.")

    # match: runs the three-way match (a failure holds it, `hold`); post: matches again and posts (or holds);
    # release: a finance manager posts a held bill despite the mismatch; reverse: a posted, unpaid bill's entry
    # is reversed (the bill ends cancelled); pay_*: taken by payments
    workflow = Workflow("status", {
        "match": Transition(sources=[OpenItemStatus.DRAFT, OpenItemStatus.HELD], target=OpenItemStatus.DRAFT,
                            label="Match", style="outline-primary",
                            message="{object} matched against its purchase order."),
        "hold": Transition(sources=[OpenItemStatus.DRAFT], target=OpenItemStatus.HELD),
        "post": Transition(sources=[OpenItemStatus.DRAFT], target=OpenItemStatus.POSTED, style="success",
                           confirm="Post this bill? It is matched once more; a mismatch holds it, else it is booked "
                                   "to GR/IR and payables and can no longer be changed."),
        "release": Transition(sources=[OpenItemStatus.HELD], target=OpenItemStatus.POSTED, style="warning",
                              permission=RELEASE_BILL_PERMISSION,
                              confirm="Release this held bill? It is posted despite the mismatch.",
                              message="{object} released from the hold and posted."),
        "cancel": Transition(sources=[OpenItemStatus.DRAFT, OpenItemStatus.HELD], target=OpenItemStatus.CANCELLED,
                             style="outline-danger", confirm="Cancel this bill? It will not be posted.",
                             message="{object} cancelled."),
        "reverse": Transition(sources=[OpenItemStatus.POSTED], target=OpenItemStatus.CANCELLED, style="warning",
                              guard=lambda bill: None if bill.amount_due == bill.total_with_tax else
                              "A bill that is partly paid is not reversed; its payment is reversed first.",
                              confirm="Reverse this bill? Its journal entry is reversed and the bill is cancelled.",
                              message="{object} reversed."),
        **SETTLEMENT_STEPS,
    })
    internal_verbs = frozenset({"hold", *SETTLEMENT_STEPS})

    class Meta:
        ordering = ["-id"]
        permissions = [("release_vendorbill", "Can release vendor bills held by the three-way match")]
        constraints = [
            models.UniqueConstraint(fields=["company", "number"], name="erp_vendorbill_number_unique"),
            models.CheckConstraint(condition=models.Q(amount_due__gte=0), name="erp_vendorbill_due_not_negative"),
        ]
        indexes = [models.Index(fields=["company", "status", "due_date"])]

    def get_absolute_url(self) -> str:
        return reverse("erp:vendorbill_detail", args=[self.pk])


class VendorBillLine(models.Model):
    """One billed line, usually of a purchase order line: quantity and unit price as the supplier bills them;
    `match_note` says how it matched."""

    bill = models.ForeignKey(VendorBill, on_delete=models.CASCADE, related_name="lines")
    line_number = models.PositiveIntegerField(default=1)
    purchase_order_line = models.ForeignKey("scm.PurchaseOrderLine", on_delete=models.PROTECT, null=True,
                                            blank=True, related_name="+")
    item = models.ForeignKey("plm.Item", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    description = models.CharField(max_length=200, blank=True)
    quantity = models.DecimalField(**QUANTITY, validators=[MinValueValidator(Decimal("0.0001"))])
    unit_price = models.DecimalField(**PRICE, validators=[MinValueValidator(ZERO)])
    tax_rate = models.DecimalField("tax rate %", **PERCENT, blank=True,
                                   help_text="Empty: the company's default tax rate.")
    account = models.ForeignKey("erp.Account", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                help_text="For a line without a purchase order line: the expense account "
                                          "(default: general expenses).")
    net = models.DecimalField(**MONEY, default=ZERO, editable=False)
    tax = models.DecimalField(**MONEY, default=ZERO, editable=False)
    match_note = models.CharField(max_length=200, blank=True, editable=False)
    grir_amount = models.DecimalField("GR/IR amount", **MONEY, default=ZERO, editable=False,
                                      help_text="Company currency: the received value of the billed quantity, "
                                                "debited to GR/IR when the bill was posted.")

    company_path = "bill__company"

    class Meta:
        ordering = ["bill", "line_number"]
        constraints = [
            models.CheckConstraint(condition=models.Q(quantity__gt=0), name="erp_vendorbillline_quantity_positive"),
            models.CheckConstraint(condition=models.Q(unit_price__gte=0),
                                   name="erp_vendorbillline_price_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.bill}/{self.line_number}"


class Payment(CompanyOwnedModel):
    """Money received from a customer or paid to a supplier through the bank (or cash), allocated to one or more
    of the party's invoices or bills; what is not allocated stays on the party's account. Posting books Dr bank,
    Cr receivables (or Dr payables, Cr bank) and emits `erp.payment.received` for a received payment."""

    number = models.CharField(max_length=30, editable=False)
    direction = models.CharField(max_length=10, choices=PaymentDirection.choices)
    party = models.ForeignKey("core.Party", on_delete=models.PROTECT, related_name="erp_payments")
    payment_date = models.DateField(blank=True, help_text="Default: today.")
    currency = models.ForeignKey("core.Currency", on_delete=models.PROTECT, related_name="+", blank=True,
                                 help_text="Default: the party's, else the company's currency.")
    exchange_rate = models.DecimalField(**RATE, default=Decimal(1), editable=False)
    amount = models.DecimalField(**MONEY, validators=[MinValueValidator(Decimal("0.01"))])
    amount_unallocated = models.DecimalField(**MONEY, default=ZERO, editable=False)
    account = models.ForeignKey("erp.Account", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                help_text="The bank or cash account; default: the `bank` posting rule's.")
    reference = models.CharField(max_length=100, blank=True, help_text="Bank reference, cheque number...")
    status = models.CharField(max_length=10, choices=PaymentStatus.choices, default=PaymentStatus.DRAFT,
                              editable=False)
    entry = models.OneToOneField("erp.JournalEntry", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+", editable=False)
    notes = models.TextField(blank=True)
    posted_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["company", "number"], name="erp_payment_number_unique"),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="erp_payment_amount_positive"),
            models.CheckConstraint(condition=models.Q(amount_unallocated__gte=0),
                                   name="erp_payment_unallocated_not_negative"),
        ]

    workflow = Workflow("status", {
        "post": Transition(sources=[PaymentStatus.DRAFT], target=PaymentStatus.POSTED, style="success",
                           confirm="Post this payment? It is booked and settles the allocated documents.",
                           message="{object} posted."),
        "reverse": Transition(sources=[PaymentStatus.POSTED], target=PaymentStatus.REVERSED,
                              style="outline-danger", confirm="Reverse this payment? Its entry is reversed and the "
                                                              "documents are due again.",
                              message="{object} reversed."),
    })

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("erp:payment_detail", args=[self.pk])

    @property
    def is_locked(self) -> bool:
        return self.status != PaymentStatus.DRAFT


class PaymentAllocation(models.Model):
    """The part of a payment (in the payment's currency) that settles one invoice or one bill."""

    payment = models.ForeignKey(Payment, on_delete=models.CASCADE, related_name="allocations")
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="allocations")
    bill = models.ForeignKey(VendorBill, on_delete=models.PROTECT, null=True, blank=True,
                             related_name="allocations")
    amount = models.DecimalField(**MONEY, validators=[MinValueValidator(Decimal("0.01"))])

    company_path = "payment__company"

    class Meta:
        ordering = ["payment", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="erp_allocation_amount_positive"),
            models.CheckConstraint(condition=models.Q(invoice__isnull=False, bill=None)
                                   | models.Q(invoice=None, bill__isnull=False), name="erp_allocation_one_document"),
        ]

    def __str__(self) -> str:
        return f"{self.payment} → {self.invoice or self.bill}"
