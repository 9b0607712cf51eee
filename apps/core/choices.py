"""Status and type choices of the core app."""

from django.db import models


class PartyKind(models.TextChoices):
    ORGANIZATION = "organization", "Organization"
    PERSON = "person", "Person"


class AddressKind(models.TextChoices):
    BILLING = "billing", "Billing"
    SHIPPING = "shipping", "Shipping"
    OTHER = "other", "Other"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    DONE = "done", "Done"
    DEAD = "dead", "Dead"
