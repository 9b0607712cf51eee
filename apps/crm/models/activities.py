"""Activities: the calls, e-mails, meetings and tasks of the sales and service people."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.db import models
from django.urls import reverse
from django.utils import timezone

from apps.core.models import CompanyOwnedModel
from apps.crm.choices import ActivityKind

# what an activity may be about: CRM's own records and customer parties (checked by the services)
ACTIVITY_TARGETS = ("crm.lead", "crm.opportunity", "crm.quote", "crm.servicecase", "crm.customerprofile",
                    "core.party")


class Activity(CompanyOwnedModel):
    """A call, e-mail, meeting or task with a due time and an owner, about a CRM record or a customer.

    `customer` is the customer the record belongs to (none for a lead), so the customer's page lists every
    activity about them and their opportunities, quotes and cases. `is_overdue` is set by the periodic task
    (and by the services) for open activities past their due time.
    """

    kind = models.CharField(max_length=10, choices=ActivityKind.choices, default=ActivityKind.TASK)
    subject = models.CharField(max_length=200)
    notes = models.TextField(blank=True)
    due_at = models.DateTimeField()
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="+")
    done = models.BooleanField(default=False)
    done_at = models.DateTimeField(null=True, blank=True, editable=False)
    is_overdue = models.BooleanField(default=False, editable=False)
    target_type = models.ForeignKey("contenttypes.ContentType", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", editable=False)
    target_id = models.PositiveBigIntegerField(null=True, blank=True, editable=False)
    target = GenericForeignKey("target_type", "target_id")
    customer = models.ForeignKey("core.Party", on_delete=models.CASCADE, null=True, blank=True,
                                 related_name="crm_activities", editable=False)

    class Meta:
        ordering = ["done", "due_at", "id"]
        verbose_name_plural = "activities"
        indexes = [
            models.Index(fields=["owner", "done", "due_at"], name="crm_activity_my_open"),
            models.Index(fields=["target_type", "target_id"], name="crm_activity_target"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.subject}"

    def get_absolute_url(self) -> str:
        return reverse("crm:activity_detail", args=[self.pk])

    @property
    def overdue(self) -> bool:
        """Open and past its due time (now, not only as of the task's last run)."""
        return not self.done and self.due_at < timezone.now()
