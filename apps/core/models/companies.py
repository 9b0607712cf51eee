"""Companies, the users' memberships in them, and their roles."""

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import models

from apps.core.models.base import TimeStampedModel


class Company(TimeStampedModel):
    """A legal entity whose books, stock and documents are kept apart from every other."""

    code = models.CharField(max_length=20, unique=True)
    name = models.CharField(max_length=200)
    currency = models.ForeignKey("core.Currency", on_delete=models.PROTECT, related_name="+")

    company_path = "id"

    class Meta:
        ordering = ["code"]
        verbose_name_plural = "companies"

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Membership(TimeStampedModel):
    """A user's place in a company, with the role (a Django group) that sets their permissions."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="memberships")
    role = models.ForeignKey(Group, on_delete=models.PROTECT, related_name="memberships")

    company_path = "company"

    class Meta:
        ordering = ["company__code", "user__username"]
        constraints = [models.UniqueConstraint(fields=["user", "company"], name="core_membership_unique")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.company.code} ({self.role.name})"
