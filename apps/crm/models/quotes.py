"""Quotes to customers, their versions and lines; price lists with quantity breaks."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse

from apps.core.models import CompanyOwnedModel
from apps.core.workflow import Transition, Workflow
from apps.crm.choices import QuoteStatus

MONEY = {"max_digits": 18, "decimal_places": 2}
PRICE = {"max_digits": 18, "decimal_places": 4}
QUANTITY = {"max_digits": 18, "decimal_places": 4}
PERCENT = {"max_digits": 5, "decimal_places": 2, "validators": [MinValueValidator(0), MaxValueValidator(100)]}
ZERO = Decimal(0)
Q_ = QuoteStatus


class Quote(CompanyOwnedModel):
    """An offer to a customer: items, quantities, prices, discounts and taxes, valid until a date.

    A sent quote is revised by a new version (a new draft row with the same number and `version + 1`); the
    old version is then superseded and stays as it was sent. Totals are in the quote's currency, rounded per
    line to the currency's decimals (see `apps.crm.services.quotes`).
    """

    number = models.CharField(max_length=30, editable=False)
    version = models.PositiveSmallIntegerField(default=1, editable=False)
    customer = models.ForeignKey("core.Party", on_delete=models.PROTECT, related_name="crm_quotes",
                                 limit_choices_to={"is_customer": True})
    contact = models.ForeignKey("core.ContactPerson", on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="+")
    opportunity = models.ForeignKey("crm.Opportunity", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="quotes")
    currency = models.ForeignKey("core.Currency", on_delete=models.PROTECT, related_name="+", blank=True,
                                 help_text="Default: the opportunity's, the customer's, else the company's currency.")
    quote_date = models.DateField(blank=True, help_text="Default: today.")
    valid_until = models.DateField(blank=True, help_text="Default: the date + the company's quote validity days.")
    status = models.CharField(max_length=12, choices=QuoteStatus.choices, default=Q_.DRAFT, editable=False)
    total = models.DecimalField("total before tax", **MONEY, default=ZERO, editable=False)
    total_tax = models.DecimalField(**MONEY, default=ZERO, editable=False)
    total_with_tax = models.DecimalField(**MONEY, default=ZERO, editable=False)
    terms = models.TextField(blank=True, help_text="Payment and delivery terms printed on the quote; default: the "
                                                   "company's sales settings.")
    notes = models.TextField(blank=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="+")
    previous_version = models.OneToOneField("self", on_delete=models.PROTECT, null=True, blank=True,
                                            related_name="next_version", editable=False)
    sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    decided_at = models.DateTimeField(null=True, blank=True, editable=False)

    workflow = Workflow("status", {
        "send": Transition(sources=[Q_.DRAFT], target=Q_.SENT),
        "accept": Transition(sources=[Q_.SENT], target=Q_.ACCEPTED, style="success"),
        "reject": Transition(sources=[Q_.SENT], target=Q_.REJECTED, style="outline-danger"),
        "revise": Transition(sources=[Q_.SENT, Q_.REJECTED, Q_.EXPIRED], target=Q_.SUPERSEDED,
                             label="Revise (new version)", style="outline-primary"),
        "expire": Transition(sources=[Q_.SENT], target=Q_.EXPIRED),
    })
    # taken by the periodic task when the validity date has passed, not by a user
    internal_verbs = frozenset({"expire"})

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["company", "number", "version"], name="crm_quote_number_version_unique"),
            models.CheckConstraint(condition=models.Q(valid_until__gte=models.F("quote_date")),
                                   name="crm_quote_valid_after_date"),
        ]

    def __str__(self) -> str:
        return self.number if self.version == 1 else f"{self.number} v{self.version}"

    def get_absolute_url(self) -> str:
        return reverse("crm:quote_detail", args=[self.pk])

    @property
    def is_locked(self) -> bool:
        """Only a draft is edited; a sent version is revised instead."""
        return self.status != Q_.DRAFT


class QuoteLine(models.Model):
    """One item offered: quantity, unit price (from the price list by default), discount and tax rate."""

    quote = models.ForeignKey(Quote, on_delete=models.CASCADE, related_name="lines")
    line_number = models.PositiveIntegerField(default=1)
    item = models.ForeignKey("plm.Item", on_delete=models.PROTECT, related_name="+")
    description = models.CharField(max_length=200, blank=True)
    quantity = models.DecimalField(**QUANTITY, validators=[MinValueValidator(Decimal("0.0001"))])
    unit_price = models.DecimalField(**PRICE, blank=True, validators=[MinValueValidator(ZERO)],
                                     help_text="Empty: from the customer's price list.")
    discount_percent = models.DecimalField(**PERCENT, default=ZERO, blank=True)
    tax_rate = models.DecimalField("tax rate %", **PERCENT, blank=True,
                                   help_text="Empty: the company's default tax rate.")
    net = models.DecimalField(**MONEY, default=ZERO, editable=False)
    tax = models.DecimalField(**MONEY, default=ZERO, editable=False)
    price_list = models.ForeignKey("crm.PriceList", on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", editable=False, help_text="Where the unit price came from.")

    company_path = "quote__company"

    class Meta:
        ordering = ["quote", "line_number"]
        constraints = [
            models.CheckConstraint(condition=models.Q(quantity__gt=0), name="crm_quoteline_quantity_positive"),
            models.CheckConstraint(condition=models.Q(unit_price__gte=0), name="crm_quoteline_price_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.quote}/{self.line_number} {self.item.number}"


class PriceList(CompanyOwnedModel):
    """Selling prices in one currency for one customer, one segment, or everyone (general), valid for a period.

    `apps.crm.selectors.price_for` picks the most specific valid list (customer, then segment, then general)
    and, within it, the break with the largest minimum quantity not above the quantity quoted.
    """

    name = models.CharField(max_length=100)
    currency = models.ForeignKey("core.Currency", on_delete=models.PROTECT, related_name="+")
    customer = models.ForeignKey("core.Party", on_delete=models.CASCADE, null=True, blank=True,
                                 related_name="crm_price_lists", limit_choices_to={"is_customer": True})
    segment = models.ForeignKey("crm.Segment", on_delete=models.CASCADE, null=True, blank=True,
                                related_name="price_lists")
    valid_from = models.DateField(null=True, blank=True)
    valid_to = models.DateField(null=True, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=models.Q(customer=None) | models.Q(segment=None),
                                   name="crm_pricelist_customer_or_segment"),
            models.CheckConstraint(condition=models.Q(valid_to=None) | models.Q(valid_from=None)
                                   | models.Q(valid_to__gte=models.F("valid_from")),
                                   name="crm_pricelist_valid_period"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("crm:pricelist_detail", args=[self.pk])

    @property
    def scope(self) -> str:
        return "customer" if self.customer_id else "segment" if self.segment_id else "general"


class PriceBreak(models.Model):
    """The unit price of an item from a quantity on, in a price list."""

    price_list = models.ForeignKey(PriceList, on_delete=models.CASCADE, related_name="breaks")
    item = models.ForeignKey("plm.Item", on_delete=models.CASCADE, related_name="+")
    min_quantity = models.DecimalField(**QUANTITY, default=ZERO, validators=[MinValueValidator(ZERO)])
    unit_price = models.DecimalField(**PRICE, validators=[MinValueValidator(ZERO)])

    company_path = "price_list__company"

    class Meta:
        ordering = ["price_list", "item", "min_quantity"]
        constraints = [
            models.UniqueConstraint(fields=["price_list", "item", "min_quantity"], name="crm_pricebreak_unique"),
            models.CheckConstraint(condition=models.Q(unit_price__gte=0), name="crm_pricebreak_price_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.item_id} from {self.min_quantity}: {self.unit_price}"
