"""Reference data of the platform (currencies, units of measure) and each company's exchange rates.

Currencies, units and unit categories are shared by every company and changed by superusers only
(`apps.core.permissions.PLATFORM_MODELS`); exchange rates belong to a company, so no company can
move another one's conversions.
"""

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from apps.core.models.base import CompanyOwnedModel, TimeStampedModel


class Currency(TimeStampedModel):
    """An ISO 4217 currency (platform reference data)."""

    code = models.CharField(max_length=3, unique=True)
    name = models.CharField(max_length=100)
    decimals = models.PositiveSmallIntegerField(default=2, validators=[MaxValueValidator(6)],
                                                help_text="Digits after the decimal point, 0 to 6.")

    class Meta:
        ordering = ["code"]
        verbose_name_plural = "currencies"
        constraints = [models.CheckConstraint(condition=models.Q(decimals__lte=6), name="core_currency_decimals_max")]

    def __str__(self) -> str:
        return self.code


class ExchangeRate(CompanyOwnedModel):
    """A company's rate: how many units of `quote` one unit of `base` buys from `date` on."""

    base = models.ForeignKey(Currency, on_delete=models.PROTECT, related_name="rates_as_base")
    quote = models.ForeignKey(Currency, on_delete=models.PROTECT, related_name="rates_as_quote")
    date = models.DateField()
    rate = models.DecimalField(max_digits=18, decimal_places=8,
                               validators=[MinValueValidator(Decimal("0.00000001"))],
                               help_text="Units of the quote currency per unit of the base currency (up to 8 "
                                         "decimals).")

    class Meta:
        ordering = ["-date", "base__code", "quote__code"]
        constraints = [
            models.UniqueConstraint(fields=["company", "base", "quote", "date"], name="core_exchangerate_unique"),
            models.CheckConstraint(condition=models.Q(rate__gt=0), name="core_exchangerate_positive"),
            models.CheckConstraint(condition=~models.Q(base=models.F("quote")), name="core_exchangerate_distinct"),
        ]

    def __str__(self) -> str:
        return f"1 {self.base} = {self.rate} {self.quote} on {self.date}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("core:exchangerate_detail", args=[self.pk])


class UomCategory(TimeStampedModel):
    """A family of units that convert into each other (mass, time, count, length, volume)."""

    name = models.CharField(max_length=50, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "unit category"
        verbose_name_plural = "unit categories"

    def __str__(self) -> str:
        return self.name


class UnitOfMeasure(TimeStampedModel):
    """A unit; `factor` is how many reference units of its category one of it equals (g = 0.001 kg)."""

    code = models.CharField(max_length=10, unique=True)
    name = models.CharField(max_length=50)
    category = models.ForeignKey(UomCategory, on_delete=models.PROTECT, related_name="units")
    factor = models.DecimalField(max_digits=20, decimal_places=10, default=Decimal(1))

    class Meta:
        ordering = ["category__name", "factor"]
        verbose_name = "unit of measure"
        constraints = [models.CheckConstraint(condition=models.Q(factor__gt=0), name="core_uom_factor_positive")]

    def __str__(self) -> str:
        return self.code
