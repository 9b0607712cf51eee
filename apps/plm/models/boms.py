"""Bills of materials: the component lines of one revision of an item."""

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from apps.core.ui.display import quantity_text


class BomLine(models.Model):
    """One component of a revision's BOM: how much of which item goes into one unit of the parent."""

    revision = models.ForeignKey("plm.Revision", on_delete=models.CASCADE, related_name="bom_lines")
    component = models.ForeignKey("plm.Item", on_delete=models.PROTECT, related_name="bom_usages")
    quantity = models.DecimalField(max_digits=18, decimal_places=4,
                                   validators=[MinValueValidator(Decimal("0.0001"))],
                                   help_text="Per one unit of the parent item, in this line's unit.")
    uom = models.ForeignKey("core.UnitOfMeasure", on_delete=models.PROTECT, related_name="+",
                            verbose_name="unit of measure")
    scrap_percent = models.DecimalField(max_digits=7, decimal_places=4, default=Decimal(0),
                                        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(99))],
                                        help_text="Expected loss; the required quantity is raised by it.")
    position = models.PositiveIntegerField(default=10, help_text="Find number on the drawing.")
    reference_designators = models.CharField(max_length=500, blank=True, help_text="e.g. R1, R2, C5")
    notes = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    company_path = "revision__company"

    class Meta:
        ordering = ["revision", "position", "id"]
        verbose_name = "BOM line"
        constraints = [
            models.CheckConstraint(condition=models.Q(quantity__gt=0), name="plm_bomline_quantity_positive"),
            models.CheckConstraint(condition=models.Q(scrap_percent__gte=0, scrap_percent__lt=100),
                                   name="plm_bomline_scrap_range"),
        ]
        indexes = [models.Index(fields=["revision", "position"])]

    def __str__(self) -> str:
        return f"{self.position}: {quantity_text(self.quantity, self.uom_id)} {self.component.number}"
