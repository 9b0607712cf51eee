"""Leads: people and companies that might become customers."""

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse

from apps.core.models import CompanyOwnedModel
from apps.core.workflow import Transition, Workflow
from apps.crm.choices import LeadSource, LeadStatus

L = LeadStatus


class Lead(CompanyOwnedModel):
    """Someone who showed interest: contacted, then qualified into a customer, a contact and an opportunity,
    or disqualified (a duplicate merged into another lead is disqualified and points at it)."""

    name = models.CharField("contact name", max_length=200)
    company_name = models.CharField(max_length=200, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    source = models.CharField(max_length=20, choices=LeadSource.choices, default=LeadSource.OTHER)
    status = models.CharField(max_length=20, choices=LeadStatus.choices, default=LeadStatus.NEW)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="+")
    notes = models.TextField(blank=True)
    # the company name reduced for duplicate detection ("ACME Ltd." and "Acme" match); written by the services
    company_key = models.CharField(max_length=200, blank=True, editable=False, db_index=True)
    disqualified_reason = models.CharField(max_length=200, blank=True, editable=False)
    merged_into = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="merged",
                                    editable=False)
    customer = models.ForeignKey("core.Party", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                 editable=False, help_text="The customer the lead was qualified into.")
    contact = models.ForeignKey("core.ContactPerson", on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="+", editable=False)
    opportunity = models.ForeignKey("crm.Opportunity", on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+", editable=False)
    qualified_at = models.DateTimeField(null=True, blank=True, editable=False)

    workflow = Workflow("status", {
        "contact": Transition(sources=[L.NEW], target=L.CONTACTED, label="Mark contacted", style="outline-primary"),
        "qualify": Transition(sources=[L.NEW, L.CONTACTED], target=L.QUALIFIED, style="success"),
        "disqualify": Transition(sources=[L.NEW, L.CONTACTED], target=L.DISQUALIFIED, style="outline-danger"),
    })

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(Lower("email"), "company", name="crm_lead_email_ci")]

    def __str__(self) -> str:
        return f"{self.name} ({self.company_name})" if self.company_name else self.name

    def get_absolute_url(self) -> str:
        return reverse("crm:lead_detail", args=[self.pk])

    @property
    def is_locked(self) -> bool:
        """A qualified or disqualified lead is history: it is no longer edited."""
        return self.status in (L.QUALIFIED, L.DISQUALIFIED)
