"""Downtime: reason codes and the periods a work center stood still (the availability losses of OEE)."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from apps.core.models import CompanyOwnedModel
from apps.core.ui.display import moment_text
from apps.mes.choices import DowntimeKind, DowntimeSource


class DowntimeReason(CompanyOwnedModel):
    """Why a work center stood still; planned stops (maintenance, breaks) reduce planned production time,
    unplanned ones (breakdowns, no material) are availability losses."""

    code = models.CharField(max_length=20)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=10, choices=DowntimeKind.choices, default=DowntimeKind.UNPLANNED)
    machine_code = models.CharField(max_length=40, blank=True,
                                    help_text="The reason code machines send for it (default: the code itself).")
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

    Reported periods of one work center never overlap (checked by the services under a lock of the work
    center); a machine's `down` signal opens one for that equipment (`end` empty while it is still down).
    """

    work_center = models.ForeignKey("mes.WorkCenter", on_delete=models.PROTECT, related_name="downtime_events")
    reason = models.ForeignKey(DowntimeReason, on_delete=models.PROTECT, related_name="events")
    start = models.DateTimeField()
    end = models.DateTimeField(null=True, blank=True, help_text="Empty while the machine is still down.")
    source = models.CharField(max_length=7, choices=DowntimeSource.choices, default=DowntimeSource.MANUAL,
                              editable=False)
    equipment = models.ForeignKey("mes.Equipment", on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="downtime_events", editable=False,
                                  help_text="The machine whose signals opened it.")
    machine_reason = models.CharField(max_length=40, blank=True, editable=False,
                                      help_text="The reason code the machine sent.")
    notes = models.TextField(blank=True)
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+", editable=False)

    class Meta:
        ordering = ["-start", "-id"]
        verbose_name = "downtime event"
        indexes = [models.Index(fields=["work_center", "start"], name="mes_downtime_wc_start")]
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=F("start")) | Q(end__isnull=True),
                                   name="mes_downtime_end_after_start",
                                   violation_error_message="The end must be after the start."),
            models.UniqueConstraint(fields=["equipment", "start"], condition=Q(equipment__isnull=False),
                                    name="mes_downtime_machine_once"),
        ]

    def __str__(self) -> str:
        return f"{self.work_center.code} {moment_text(self.start)}: {self.reason.name}"

    def get_absolute_url(self) -> str:
        return reverse("mes:downtimeevent_detail", args=[self.pk])

    @property
    def duration_minutes(self) -> Decimal:
        """Minutes from start to end (to now while still open)."""
        return Decimal(((self.end or timezone.now()) - self.start).total_seconds()) / 60
