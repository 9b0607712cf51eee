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


class AttemptOutcome(models.TextChoices):
    """How one run of a delivery's handler ended: done, failed (retried later), or dead (no more retries)."""

    DONE = "done", "Done"
    FAILED = "failed", "Failed"
    DEAD = "dead", "Dead"
