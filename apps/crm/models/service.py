"""Service: customer cases with their SLA, and each company's SLA table and sales settings."""

from decimal import Decimal
from urllib.parse import urlencode

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from apps.core.models import CompanyOwnedModel
from apps.core.workflow import Transition, Workflow
from apps.crm.choices import OPEN_CASE_STATUSES, CasePriority, CaseStatus

C = CaseStatus


class ServiceCase(CompanyOwnedModel):
    """A customer's problem or question, with the product (and lot or serial) it concerns, a priority and the
    time it is due by under the company's SLA; worked on, possibly waiting for the customer, resolved, closed."""

    number = models.CharField(max_length=30, editable=False)
    customer = models.ForeignKey("core.Party", on_delete=models.PROTECT, related_name="crm_cases",
                                 limit_choices_to={"is_customer": True})
    contact = models.ForeignKey("core.ContactPerson", on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="+")
    subject = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    item = models.ForeignKey("plm.Item", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                             verbose_name="product")
    lot = models.ForeignKey("scm.Lot", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                            verbose_name="lot / serial", help_text="Of the product above.")
    priority = models.CharField(max_length=10, choices=CasePriority.choices, default=CasePriority.NORMAL)
    status = models.CharField(max_length=12, choices=CaseStatus.choices, default=C.NEW, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="+")
    opened_at = models.DateTimeField(default=timezone.now, editable=False)
    due_at = models.DateTimeField(editable=False, help_text="Opened + the SLA hours of the priority.")
    resolved_at = models.DateTimeField(null=True, blank=True, editable=False)
    resolution = models.TextField(blank=True, editable=False)

    workflow = Workflow("status", {
        "start": Transition(sources=[C.NEW, C.WAITING], target=C.IN_PROGRESS, label="Start work"),
        "wait": Transition(sources=[C.NEW, C.IN_PROGRESS], target=C.WAITING, label="Wait for customer",
                           style="outline-secondary"),
        "resolve": Transition(sources=[C.NEW, C.IN_PROGRESS, C.WAITING], target=C.RESOLVED, style="success"),
        "close": Transition(sources=[C.RESOLVED], target=C.CLOSED, style="outline-secondary"),
        "reopen": Transition(sources=[C.RESOLVED], target=C.IN_PROGRESS, style="outline-warning"),
    })

    class Meta:
        ordering = ["-id"]
        verbose_name = "service case"
        indexes = [models.Index(fields=["company", "status", "due_at"], name="crm_case_queue")]
        constraints = [models.UniqueConstraint(fields=["company", "number"], name="crm_case_number_unique")]

    def __str__(self) -> str:
        return f"{self.number} {self.subject}"

    def get_absolute_url(self) -> str:
        return reverse("crm:servicecase_detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_CASE_STATUSES

    @property
    def overdue(self) -> bool:
        """Still open past its SLA due time."""
        return self.is_open and self.due_at is not None and self.due_at < timezone.now()

    @property
    def is_locked(self) -> bool:
        return not self.is_open

    @property
    def genealogy_url(self) -> str | None:
        """The lot's genealogy page in MES (a link by URL name: CRM never imports MES)."""
        if not self.lot_id:
            return None
        try:
            page = reverse("mes:genealogy")
        except NoReverseMatch:
            page = "/mes/genealogy/"
        return f"{page}?{urlencode({'lot': self.lot.code})}"


# hours from opening to the due time, when the company has no SLA row for a priority
DEFAULT_SLA_HOURS = {CasePriority.URGENT: 4, CasePriority.HIGH: 8, CasePriority.NORMAL: 24, CasePriority.LOW: 72}


class SlaPolicy(CompanyOwnedModel):
    """The company's service level: a case of this priority is due this many hours after it was opened
    (calendar hours); without a row the defaults apply (urgent 4 h, high 8 h, normal 24 h, low 72 h)."""

    priority = models.CharField(max_length=10, choices=CasePriority.choices)
    resolution_hours = models.PositiveIntegerField(validators=[MinValueValidator(1)])

    class Meta:
        ordering = ["resolution_hours"]
        verbose_name = "SLA policy"
        verbose_name_plural = "SLA policies"
        constraints = [models.UniqueConstraint(fields=["company", "priority"], name="crm_sla_one_per_priority"),
                       models.CheckConstraint(condition=models.Q(resolution_hours__gte=1), name="crm_sla_hours_min")]

    def __str__(self) -> str:
        return f"{self.get_priority_display()}: {self.resolution_hours} h"

    def get_absolute_url(self) -> str:
        return reverse("crm:slapolicy_detail", args=[self.pk])


class SalesSettings(CompanyOwnedModel):
    """A company's sales letterhead and defaults: the address and terms printed on quotes, how long a quote is
    valid, the tax rate of new quote lines."""

    letterhead_address = models.TextField(blank=True,
                                          help_text="The company's address as printed on quotes, under its name.")
    quote_terms = models.TextField(blank=True, help_text="Payment and delivery terms printed on quotes.")
    quote_validity_days = models.PositiveSmallIntegerField(default=30, validators=[MinValueValidator(1)])
    default_tax_rate = models.DecimalField("default tax rate %", max_digits=5, decimal_places=2,
                                           default=Decimal("19.00"),
                                           validators=[MinValueValidator(0), MaxValueValidator(100)])

    class Meta:
        ordering = ["id"]
        verbose_name = "sales settings"
        verbose_name_plural = "sales settings"
        constraints = [models.UniqueConstraint(fields=["company"], name="crm_salessettings_one_per_company")]

    def __str__(self) -> str:
        return f"Sales settings of {self.company.code}"

    def get_absolute_url(self) -> str:
        return reverse("crm:salessettings_detail", args=[self.pk])
