"""Customers as CRM sees them: segments, the CRM profile of a customer party, and its timeline."""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse

from apps.core.models import CompanyOwnedModel
from apps.crm.choices import TimelineKind

MONEY = {"max_digits": 18, "decimal_places": 2}


class Segment(CompanyOwnedModel):
    """A group of customers that share price lists and reports (dealers, OEMs, end users)."""

    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["company", "name"], name="crm_segment_name_unique")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("crm:segment_detail", args=[self.pk])


class CustomerProfile(CompanyOwnedModel):
    """What sales knows about a customer party: its salesperson, segment, industry and credit limit.

    The customer itself (name, addresses, contacts with their roles) is the `core.Party`; this row adds the
    CRM data, one per party.
    """

    party = models.OneToOneField("core.Party", on_delete=models.PROTECT, related_name="crm_profile",
                                 limit_choices_to={"is_customer": True}, verbose_name="customer")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="+", help_text="The salesperson who looks after the customer.")
    segment = models.ForeignKey(Segment, on_delete=models.PROTECT, null=True, blank=True, related_name="customers")
    industry = models.CharField(max_length=100, blank=True)
    credit_limit = models.DecimalField(**MONEY, null=True, blank=True, validators=[MinValueValidator(0)],
                                       help_text="In the company's currency; empty: no limit agreed.")
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["party__name"]
        verbose_name = "customer profile"
        constraints = [models.CheckConstraint(condition=models.Q(credit_limit__gte=0) | models.Q(credit_limit=None),
                                              name="crm_profile_credit_limit_not_negative")]

    def __str__(self) -> str:
        return str(self.party)

    def get_absolute_url(self) -> str:
        return reverse("crm:customerprofile_detail", args=[self.pk])


class TimelineEntry(CompanyOwnedModel):
    """One thing that happened with a customer, written from the event that announced it (exactly once).

    `source_event_id` is the id of the `core.Event`, kept as a plain number rather than a foreign key so the
    outbox may purge delivered events; the unique (event, customer) pair is the database's guard against a
    second entry for a redelivered event.
    """

    customer = models.ForeignKey("core.Party", on_delete=models.CASCADE, related_name="crm_timeline")
    kind = models.CharField(max_length=30, choices=TimelineKind.choices)
    occurred_at = models.DateTimeField()
    title = models.CharField(max_length=200)
    reference = models.CharField(max_length=60, blank=True, help_text="The document's number.")
    amount = models.DecimalField(**MONEY, null=True, blank=True)
    currency_code = models.CharField(max_length=3, blank=True)
    subject_type = models.CharField(max_length=100, blank=True)
    subject_id = models.CharField(max_length=64, blank=True)
    source_event_id = models.BigIntegerField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name_plural = "timeline entries"
        indexes = [models.Index(fields=["customer", "-occurred_at"], name="crm_timeline_customer")]
        constraints = [models.UniqueConstraint(fields=["source_event_id", "customer"],
                                               name="crm_timeline_once_per_event")]

    def __str__(self) -> str:
        return self.title

    @property
    def url(self) -> str | None:
        """The page of the document the entry is about, where the suite has one."""
        from django.urls import NoReverseMatch

        name = SUBJECT_PAGES.get(self.subject_type)
        if not name or not self.subject_id.isdigit():
            return None
        try:
            return reverse(name, args=[int(self.subject_id)])
        except NoReverseMatch:
            return None


# the detail page of each subject type a timeline entry may point at (by URL name: crm never imports erp)
SUBJECT_PAGES = {
    "scm.shipment": "scm:shipment_detail",
    "crm.quote": "crm:quote_detail",
    "crm.opportunity": "crm:opportunity_detail",
    "crm.servicecase": "crm:servicecase_detail",
    "erp.salesorder": "erp:salesorder_detail",
    "erp.invoice": "erp:invoice_detail",
    "erp.payment": "erp:payment_detail",
}
