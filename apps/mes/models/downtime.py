"""Downtime: reason codes and the periods a work center stood still (the availability losses of OEE)."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse

from apps.core.models import CompanyOwnedModel
from apps.core.ui.display import moment_text
from apps.mes.choices import DowntimeKind


class DowntimeReason(CompanyOwnedModel):
    """Why a work center stood still; planned stops (maintenance, breaks) reduce planned production time,
    unplanned ones (breakdowns, no material) are availability losses."""

    code = models.CharField(max_length=20)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=10, choices=DowntimeKind.choices, default=DowntimeKind.UNPLANNED)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]
        constraints = [models.UniqueConstraint(fields=["company", "code"], name="mes_downtimereason_code_unique")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("mes:downtimereason_detail", args=[self.pk])


class DowntimeEvent(CompanyOwnedModel):
    """A period [start, end) in which a work center did not produce, with its reason.

    Periods of one work center never overlap (checked by the services under a lock of the work center).
    """

    work_center = models.ForeignKey("mes.WorkCenter", on_delete=models.PROTECT, related_name="downtime_events")
    reason = models.ForeignKey(DowntimeReason, on_delete=models.PROTECT, related_name="events")
    start = models.DateTimeField()
    end = models.DateTimeField()
    notes = models.TextField(blank=True)
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+", editable=False)

    class Meta:
        ordering = ["-start", "-id"]
        verbose_name = "downtime event"
        indexes = [models.Index(fields=["work_center", "start"], name="mes_downtime_wc_start")]
        constraints = [models.CheckConstraint(condition=Q(end__gt=F("start")), name="mes_downtime_end_after_start",
                                              violation_error_message="The end must be after the start.")]

    def __str__(self) -> str:
        return f"{self.work_center.code} {moment_text(self.start)}: {self.reason.name}"

    def get_absolute_url(self) -> str:
        return reverse("mes:downtimeevent_detail", args=[self.pk])

    @property
    def duration_minutes(self) -> Decimal:
        return Decimal((self.end - self.start).total_seconds()) / 60
