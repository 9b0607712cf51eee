"""Reference data shared by every company: currencies, exchange rates, units of measure."""

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models

from apps.core.models.base import TimeStampedModel


class Currency(TimeStampedModel):
    """An ISO 4217 currency."""

    code = models.CharField(max_length=3, unique=True)
    name = models.CharField(max_length=100)
    decimals = models.PositiveSmallIntegerField(default=2)

    class Meta:
        ordering = ["code"]
        verbose_name_plural = "currencies"

    def __str__(self) -> str:
        return self.code


class ExchangeRate(TimeStampedModel):
    """How many units of `quote` one unit of `base` buys on a date."""

    base = models.ForeignKey(Currency, on_delete=models.PROTECT, related_name="rates_as_base")
    quote = models.ForeignKey(Currency, on_delete=models.PROTECT, related_name="rates_as_quote")
    date = models.DateField()
    rate = models.DecimalField(max_digits=18, decimal_places=8, validators=[MinValueValidator(Decimal("0.00000001"))])

    class Meta:
        ordering = ["-date", "base__code", "quote__code"]
        constraints = [
            models.UniqueConstraint(fields=["base", "quote", "date"], name="core_exchangerate_unique"),
            models.CheckConstraint(condition=models.Q(rate__gt=0), name="core_exchangerate_positive"),
            models.CheckConstraint(condition=~models.Q(base=models.F("quote")), name="core_exchangerate_distinct"),
        ]

    def __str__(self) -> str:
        return f"1 {self.base} = {self.rate} {self.quote} on {self.date}"


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
