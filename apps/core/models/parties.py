"""Parties: the customers and suppliers (organizations or persons) every module deals with."""

from django.db import models

from apps.core.choices import AddressKind, PartyKind
from apps.core.models.base import CompanyOwnedModel


class Party(CompanyOwnedModel):
    """A customer, a supplier or both; the counterpart on quotes, orders, invoices and bills."""

    number = models.CharField(max_length=30, editable=False)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=PartyKind.choices, default=PartyKind.ORGANIZATION)
    is_customer = models.BooleanField(default=False)
    is_supplier = models.BooleanField(default=False)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    tax_id = models.CharField("tax id", max_length=40, blank=True)
    currency = models.ForeignKey("core.Currency", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    payment_terms_days = models.PositiveSmallIntegerField(default=30, help_text="Days until an invoice is due.")
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "parties"
        constraints = [models.UniqueConstraint(fields=["company", "number"], name="core_party_number_unique")]

    def __str__(self) -> str:
        return f"{self.number} {self.name}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("core:party_detail", args=[self.pk])


class PartyAddress(models.Model):
    """A postal address of a party (billing, shipping)."""

    party = models.ForeignKey(Party, on_delete=models.CASCADE, related_name="addresses")
    kind = models.CharField(max_length=20, choices=AddressKind.choices, default=AddressKind.BILLING)
    street = models.CharField(max_length=200)
    city = models.CharField(max_length=100)
    postal_code = models.CharField(max_length=20, blank=True)
    country = models.CharField(max_length=2, help_text="ISO 3166 alpha-2 code")

    company_path = "party__company"

    class Meta:
        ordering = ["id"]
        verbose_name_plural = "party addresses"

    def __str__(self) -> str:
        return f"{self.street}, {self.postal_code} {self.city}, {self.country}"


class ContactPerson(models.Model):
    """A person to talk to at an organization party."""

    party = models.ForeignKey(Party, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(max_length=200)
    role = models.CharField(max_length=100, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)

    company_path = "party__company"

    class Meta:
        ordering = ["id"]
        verbose_name_plural = "contact persons"

    def __str__(self) -> str:
        return self.name
