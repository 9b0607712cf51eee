"""Warehouses and their location trees, plus each company's virtual locations."""

from django.db import models
from django.db.models import Q
from django.urls import reverse

from apps.core.models import CompanyOwnedModel
from apps.scm.choices import LocationKind


class Warehouse(CompanyOwnedModel):
    """A physical site that holds stock in a tree of internal locations (zones, bins)."""

    code = models.CharField(max_length=20)
    name = models.CharField(max_length=200)
    address = models.TextField(blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]
        constraints = [models.UniqueConstraint(fields=["company", "code"], name="scm_warehouse_code_unique")]

    def __str__(self) -> str:
        return self.code

    def get_absolute_url(self) -> str:
        return reverse("scm:warehouse_detail", args=[self.pk])


class Location(CompanyOwnedModel):
    """A place stock can be: an internal zone or bin of a warehouse, or a virtual counterpart
    (supplier, customer, production, scrap, inventory loss, transit) that balances the ledger."""

    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="locations", help_text="Empty for virtual locations.")
    parent = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="children")
    code = models.CharField(max_length=60)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=LocationKind.choices, default=LocationKind.INTERNAL)
    barcode = models.CharField(max_length=64, blank=True)
    is_quality_hold = models.BooleanField(default=False, help_text="Stock here cannot be reserved.")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["company", "code"], name="scm_location_code_unique"),
            models.UniqueConstraint(fields=["company", "barcode"], condition=~Q(barcode=""),
                                    name="scm_location_barcode_unique"),
            models.CheckConstraint(condition=~Q(kind="internal") | Q(warehouse__isnull=False),
                                   name="scm_location_internal_has_warehouse"),
        ]

    def __str__(self) -> str:
        return self.code

    def get_absolute_url(self) -> str:
        return reverse("scm:location_detail", args=[self.pk])

    @property
    def is_internal(self) -> bool:
        """Only internal locations hold stock (quants); virtual ones only balance moves."""
        return self.kind == LocationKind.INTERNAL
