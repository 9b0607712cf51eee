"""Abstract bases every business model builds on: timestamps and company ownership."""

from django.db import models


class TimeStampedModel(models.Model):
    """A row that knows when it was created and last changed (drives `?updated_after=`)."""

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        abstract = True


class CompanyScopedQuerySet(models.QuerySet):
    """Filters rows to the companies a user may see; the one place company scoping lives."""

    def for_companies(self, company_ids):
        return self.filter(**{f"{self.model.company_path}__in": company_ids})


class CompanyOwnedModel(TimeStampedModel):
    """A business row that belongs to exactly one company."""

    company = models.ForeignKey("core.Company", on_delete=models.PROTECT, related_name="+")

    objects = CompanyScopedQuerySet.as_manager()

    company_path = "company"

    class Meta:
        abstract = True
