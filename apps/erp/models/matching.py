"""The three-way match's tolerance: how far a supplier's billed unit price may be from the purchase order's."""

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse

from apps.core.models import CompanyOwnedModel

DEFAULT_PRICE_TOLERANCE_PERCENT = Decimal("2.00")
DEFAULT_PRICE_TOLERANCE_AMOUNT = Decimal("100.00")


class BillMatchPolicy(CompanyOwnedModel):
    """A company's price tolerance for the three-way match of vendor bills (defaults while it has none saved).

    A billed line's unit price passes when it differs from the purchase order line's unit price by at most
    `price_tolerance_percent` % of the PO price AND the line's total difference (|billed - PO price| x billed
    quantity, in the bill's currency) is at most `price_tolerance_amount`. The accepted difference is booked to
    purchase price variance when the bill is posted."""

    price_tolerance_percent = models.DecimalField(
        "price tolerance %", max_digits=5, decimal_places=2, default=DEFAULT_PRICE_TOLERANCE_PERCENT,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text="How far the billed unit price may be from the PO price, in percent of the PO price.")
    price_tolerance_amount = models.DecimalField(
        max_digits=18, decimal_places=2, default=DEFAULT_PRICE_TOLERANCE_AMOUNT, validators=[MinValueValidator(0)],
        help_text="At most this total price difference per line (billed quantity x unit price difference), in the "
                  "bill's currency.")

    class Meta:
        ordering = ["id"]
        verbose_name = "bill match policy"
        verbose_name_plural = "bill match policies"
        constraints = [models.UniqueConstraint(fields=["company"], name="erp_billmatchpolicy_one_per_company")]

    def __str__(self) -> str:
        return f"Bill match policy of {self.company.code}"

    def get_absolute_url(self) -> str:
        return reverse("erp:billmatchpolicy_detail", args=[self.pk])
