"""Sales orders: what a customer ordered (often from an accepted CRM quote), confirmed against the credit limit,
shipped by SCM, invoiced by finance."""

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse

from apps.core.models import CompanyOwnedModel
from apps.core.workflow import Transition, Workflow
from apps.erp.choices import SalesOrderStatus

MONEY = {"max_digits": 18, "decimal_places": 2}
PRICE = {"max_digits": 18, "decimal_places": 4}
QUANTITY = {"max_digits": 18, "decimal_places": 4}
PERCENT = {"max_digits": 5, "decimal_places": 2, "validators": [MinValueValidator(0), MaxValueValidator(100)]}
ZERO = Decimal(0)
CONFIRM_PERMISSION = "erp.confirm_salesorder"


S = SalesOrderStatus
# confirmed and not yet invoiced: what the customer owes once delivered (the credit exposure)
OPEN_STATUSES = (S.CONFIRMED, S.PARTIALLY_DELIVERED, S.DELIVERED)


class SalesOrder(CompanyOwnedModel):
    """A customer's order: items, quantities and prices to deliver from a warehouse, with payment terms.

    Totals are in the order's currency, rounded per line to the currency's decimals exactly as CRM's quotes
    (`apps.crm.services.quotes.line_amounts`). Confirming checks the customer's credit limit and tells SCM to
    ship (`erp.sales_order.confirmed`); SCM's shipments move it to (partially) delivered.
    """

    number = models.CharField(max_length=30, editable=False)
    customer = models.ForeignKey("core.Party", on_delete=models.PROTECT, related_name="erp_sales_orders",
                                 limit_choices_to={"is_customer": True})
    quote = models.OneToOneField("crm.Quote", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="sales_order", help_text="The accepted quote this order comes from.")
    currency = models.ForeignKey("core.Currency", on_delete=models.PROTECT, related_name="+", blank=True,
                                 help_text="Default: the quote's, the customer's, else the company's currency.")
    order_date = models.DateField(blank=True, help_text="Default: today.")
    requested_delivery_date = models.DateField(null=True, blank=True)
    warehouse = models.ForeignKey("scm.Warehouse", on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+", help_text="Where the goods ship from; default: SCM's first "
                                                              "active warehouse.")
    payment_terms_days = models.PositiveSmallIntegerField(default=30, validators=[MaxValueValidator(365)],
                                                          help_text="Days after the invoice date.")
    status = models.CharField(max_length=20, choices=SalesOrderStatus.choices, default=S.DRAFT, editable=False)
    total = models.DecimalField("total before tax", **MONEY, default=ZERO, editable=False)
    total_tax = models.DecimalField(**MONEY, default=ZERO, editable=False)
    total_with_tax = models.DecimalField(**MONEY, default=ZERO, editable=False)
    notes = models.TextField(blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True, editable=False)
    shipments = models.JSONField(default=list, blank=True, editable=False,
                                 help_text="The SCM shipments delivered against it: number and event id.")

    workflow = Workflow("status", {
        "confirm": Transition(sources=[S.DRAFT], target=S.CONFIRMED, permission=CONFIRM_PERMISSION, style="success",
                              confirm="Confirm this sales order? Its lines and prices can no longer be changed and "
                                      "the warehouse is told to ship it.",
                              message="{object} confirmed: the warehouse will ship it."),
        "deliver_partially": Transition(sources=[S.CONFIRMED, S.PARTIALLY_DELIVERED], target=S.PARTIALLY_DELIVERED),
        "deliver_fully": Transition(sources=[S.CONFIRMED, S.PARTIALLY_DELIVERED], target=S.DELIVERED),
        "invoice": Transition(sources=[S.DELIVERED], target=S.INVOICED),
        "close": Transition(sources=[S.INVOICED], target=S.CLOSED, style="outline-secondary",
                            confirm="Close this sales order? Nothing more happens on it.",
                            message="{object} closed."),
        "cancel": Transition(sources=[S.DRAFT, S.CONFIRMED], target=S.CANCELLED, style="outline-danger",
                             confirm="Cancel this sales order? Its unshipped deliveries are cancelled too; tell the "
                                     "customer if it was confirmed.", message="{object} cancelled."),
    })
    # taken by SCM's shipments and by invoicing, not by a user's action
    internal_verbs = frozenset({"deliver_partially", "deliver_fully", "invoice"})

    class Meta:
        ordering = ["-id"]
        # a recall lists the customers a supplier lot reached through their orders (apps.erp.traceability)
        permissions = [("confirm_salesorder", "Can confirm sales orders"),
                       ("recall_lot", "Can run the recall of a supplier lot")]
        constraints = [
            models.UniqueConstraint(fields=["company", "number"], name="erp_salesorder_number_unique"),
            models.CheckConstraint(condition=models.Q(requested_delivery_date=None)
                                   | models.Q(requested_delivery_date__gte=models.F("order_date")),
                                   name="erp_salesorder_delivery_after_order"),
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("erp:salesorder_detail", args=[self.pk])

    @property
    def is_locked(self) -> bool:
        """Only a draft's lines and prices may be edited."""
        return self.status != S.DRAFT


class SalesOrderLine(models.Model):
    """One item ordered: quantity, unit price, discount, tax rate, due date, and how much was delivered."""

    order = models.ForeignKey(SalesOrder, on_delete=models.CASCADE, related_name="lines")
    line_number = models.PositiveIntegerField(default=1)
    item = models.ForeignKey("plm.Item", on_delete=models.PROTECT, related_name="+")
    description = models.CharField(max_length=200, blank=True)
    quantity = models.DecimalField(**QUANTITY, validators=[MinValueValidator(Decimal("0.0001"))])
    unit_price = models.DecimalField(**PRICE, blank=True, validators=[MinValueValidator(ZERO)],
                                     help_text="Empty: from the customer's price list (CRM).")
    discount_percent = models.DecimalField(**PERCENT, default=ZERO, blank=True)
    tax_rate = models.DecimalField("tax rate %", **PERCENT, blank=True,
                                   help_text="Empty: the company's default tax rate.")
    due_date = models.DateField(null=True, blank=True, help_text="Empty: the order's requested delivery date.")
    net = models.DecimalField(**MONEY, default=ZERO, editable=False)
    tax = models.DecimalField(**MONEY, default=ZERO, editable=False)
    quantity_delivered = models.DecimalField(**QUANTITY, default=ZERO, editable=False)

    company_path = "order__company"

    class Meta:
        ordering = ["order", "line_number"]
        constraints = [
            models.CheckConstraint(condition=models.Q(quantity__gt=0), name="erp_salesorderline_quantity_positive"),
            models.CheckConstraint(condition=models.Q(unit_price__gte=0),
                                   name="erp_salesorderline_price_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.order}/{self.line_number} {self.item.number}"
