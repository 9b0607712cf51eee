"""Replenishment: reorder rules per item and warehouse, from which requisitions are proposed."""

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse

from apps.core.models import CompanyOwnedModel

QUANTITY = {"max_digits": 18, "decimal_places": 4}


class ReorderRule(CompanyOwnedModel):
    """Keep an item's projected stock in a warehouse between `min_quantity` and `max_quantity`.

    When projected available (on hand + open PO quantity - reserved) falls below the minimum,
    replenishment proposes a requisition for up to the maximum, rounded up to `multiple`.
    """

    item = models.ForeignKey("plm.Item", on_delete=models.PROTECT, related_name="reorder_rules")
    warehouse = models.ForeignKey("scm.Warehouse", on_delete=models.PROTECT, related_name="reorder_rules")
    min_quantity = models.DecimalField(**QUANTITY, validators=[MinValueValidator(Decimal(0))])
    max_quantity = models.DecimalField(**QUANTITY, validators=[MinValueValidator(Decimal(0))])
    multiple = models.DecimalField(**QUANTITY, default=Decimal(1), validators=[MinValueValidator(Decimal("0.0001"))],
                                   help_text="Order in multiples of this quantity (a pack or pallet size).")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["item__number", "warehouse__code"]
        constraints = [
            models.UniqueConstraint(fields=["item", "warehouse"], name="scm_reorderrule_unique"),
            models.CheckConstraint(condition=models.Q(max_quantity__gte=models.F("min_quantity")),
                                   name="scm_reorderrule_max_not_below_min"),
            models.CheckConstraint(condition=models.Q(multiple__gt=0), name="scm_reorderrule_multiple_positive"),
            models.CheckConstraint(condition=models.Q(min_quantity__gte=0), name="scm_reorderrule_min_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.item.number} @ {self.warehouse.code}: {self.min_quantity}-{self.max_quantity}"

    def get_absolute_url(self) -> str:
        return reverse("scm:reorderrule_detail", args=[self.pk])
