"""Suppliers' catalogue: what each supplier sells us, under which part number, at which prices."""

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse

from apps.core.models import CompanyOwnedModel


class SupplierItem(CompanyOwnedModel):
    """An item as one supplier sells it: their part number, currency, lead time, minimum order, price breaks."""

    supplier = models.ForeignKey("core.Party", on_delete=models.PROTECT, related_name="supplier_items",
                                 limit_choices_to={"is_supplier": True})
    item = models.ForeignKey("plm.Item", on_delete=models.PROTECT, related_name="supplier_items")
    supplier_part_number = models.CharField("supplier's part number", max_length=60, blank=True)
    currency = models.ForeignKey("core.Currency", on_delete=models.PROTECT, related_name="+")
    lead_time_days = models.PositiveIntegerField(default=0)
    minimum_order_quantity = models.DecimalField(max_digits=18, decimal_places=4, default=Decimal(0),
                                                 validators=[MinValueValidator(Decimal(0))])
    is_preferred = models.BooleanField("preferred supplier", default=False,
                                       help_text="Used for the item's requisitions and replenishment proposals.")

    class Meta:
        ordering = ["item__number", "supplier__name"]
        constraints = [
            models.UniqueConstraint(fields=["supplier", "item"], name="scm_supplieritem_unique"),
            models.UniqueConstraint(fields=["item"], condition=models.Q(is_preferred=True),
                                    name="scm_supplieritem_one_preferred"),
            models.CheckConstraint(condition=models.Q(minimum_order_quantity__gte=0),
                                   name="scm_supplieritem_moq_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.item.number} from {self.supplier.name}"

    def get_absolute_url(self) -> str:
        return reverse("scm:supplieritem_detail", args=[self.pk])

    def price_for(self, quantity: Decimal) -> Decimal | None:
        """The unit price of the highest price break whose minimum quantity `quantity` reaches."""
        best = None
        for row in sorted(self.price_breaks.all(), key=lambda b: b.min_quantity):
            if row.min_quantity <= quantity:
                best = row.unit_price
        return best


class SupplierPriceBreak(models.Model):
    """From `min_quantity` on, the supplier's unit price is `unit_price` (in the supplier item's currency)."""

    supplier_item = models.ForeignKey(SupplierItem, on_delete=models.CASCADE, related_name="price_breaks")
    min_quantity = models.DecimalField(max_digits=18, decimal_places=4, default=Decimal(0),
                                       validators=[MinValueValidator(Decimal(0))])
    unit_price = models.DecimalField(max_digits=18, decimal_places=4, validators=[MinValueValidator(Decimal(0))])

    company_path = "supplier_item__company"

    class Meta:
        ordering = ["supplier_item", "min_quantity"]
        constraints = [
            models.UniqueConstraint(fields=["supplier_item", "min_quantity"], name="scm_pricebreak_unique"),
            models.CheckConstraint(condition=models.Q(unit_price__gte=0), name="scm_pricebreak_price_not_negative"),
        ]

    def __str__(self) -> str:
        return f"≥ {self.min_quantity}: {self.unit_price}"
