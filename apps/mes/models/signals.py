"""Shop-floor connectivity: the raw signals machines send (state changes and part counts), their per-minute
count roll-up, and the drops the gateway counted instead of storing (bad input, per reason)."""

from django.db import models
from django.db.models import Q
from django.urls import reverse

from apps.core.models import CompanyOwnedModel
from apps.core.ui.display import moment_text
from apps.mes.choices import MachineState, SignalDropReason, SignalKind


class MachineSignal(CompanyOwnedModel):
    """One message of a machine: a `state` (running/idle/down with the machine's reason code) or a `count`
    (good and scrap parts made since the previous count), stamped with the machine's own time `ts`.

    Unique per (equipment, kind, ts): a message delivered twice (MQTT QoS 1, an HTTP retry) is stored once.
    Count rows remember the operation they were booked on.

    The references carry no database constraint (a million rows an hour would pay four foreign-key checks each):
    rows are written only by `signals_ingest`, which checks and locks the referenced companies, work centers,
    machines and operations once per batch (KEY SHARE, as a foreign key would); deleting them goes through the
    ORM, which cascades (or nulls the operation) as before. The machine and work center need no index of their
    own: the unique (equipment, kind, ts) and the (work_center, ts) indexes lead with them; nor `created_at`
    (signals are read by `ts`; `updated_at` keeps its index for `?updated_after=`)."""

    created_at = models.DateTimeField(auto_now_add=True)
    company = models.ForeignKey("core.Company", on_delete=models.PROTECT, related_name="+", db_constraint=False)
    equipment = models.ForeignKey("mes.Equipment", on_delete=models.CASCADE, related_name="signals",
                                  db_constraint=False, db_index=False)
    work_center = models.ForeignKey("mes.WorkCenter", on_delete=models.CASCADE, related_name="+",
                                    db_constraint=False, db_index=False)
    kind = models.CharField(max_length=5, choices=SignalKind.choices)
    ts = models.DateTimeField(help_text="When the machine says it happened (UTC).")
    state = models.CharField(max_length=10, choices=MachineState.choices, blank=True)
    reason = models.CharField(max_length=40, blank=True, help_text="The machine's own reason code of a stop.")
    good = models.PositiveIntegerField(default=0)
    scrap = models.PositiveIntegerField(default=0)
    operation = models.ForeignKey("mes.Operation", on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="+", db_constraint=False,
                                  help_text="The operation a count was booked on.")

    class Meta:
        ordering = ["-ts", "-id"]
        verbose_name = "machine signal"
        indexes = [models.Index(fields=["work_center", "ts"], name="mes_signal_wc_ts"),
                   models.Index(fields=["ts"], name="mes_signal_ts")]
        constraints = [
            models.UniqueConstraint(fields=["equipment", "kind", "ts"], name="mes_signal_once"),
            models.CheckConstraint(condition=Q(kind="count") | ~Q(state=""), name="mes_signal_state_given"),
        ]

    def __str__(self) -> str:
        what = self.state if self.kind == SignalKind.STATE else f"+{self.good} good +{self.scrap} scrap"
        return f"{self.equipment_id} {moment_text(self.ts)}: {what}"

    def get_absolute_url(self) -> str:
        return reverse("mes:machinesignal_detail", args=[self.pk])


class MachineCount(CompanyOwnedModel):
    """Good and scrap parts of one machine in one minute, per operation they were booked on: the roll-up the
    board, OEE and the operator screen read (raw count signals may be purged after the retention)."""

    equipment = models.ForeignKey("mes.Equipment", on_delete=models.CASCADE, related_name="+")
    work_center = models.ForeignKey("mes.WorkCenter", on_delete=models.CASCADE, related_name="+")
    operation = models.ForeignKey("mes.Operation", on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="+")
    minute = models.DateTimeField()
    good = models.PositiveIntegerField(default=0)
    scrap = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-minute", "equipment"]
        verbose_name = "machine count per minute"
        verbose_name_plural = "machine counts per minute"
        indexes = [models.Index(fields=["work_center", "minute"], name="mes_count_wc_minute")]
        constraints = [models.UniqueConstraint(fields=["equipment", "minute", "operation"], nulls_distinct=False,
                                               name="mes_count_once_per_minute")]

    def __str__(self) -> str:
        return f"{self.equipment_id} {moment_text(self.minute)}: {self.good} good, {self.scrap} scrap"


class MachineSignalDrop(models.Model):
    """How many signals the gateway or the bulk API dropped per day and reason (malformed, unknown equipment,
    another company's topic, a timestamp in the future); shown on the flow monitor. `company` is the one the
    topic named, empty when no company has that code."""

    company = models.ForeignKey("core.Company", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    day = models.DateField()
    reason = models.CharField(max_length=20, choices=SignalDropReason.choices)
    count = models.PositiveIntegerField(default=0)
    last_detail = models.CharField(max_length=300, blank=True, help_text="The last dropped topic and why.")
    updated_at = models.DateTimeField(auto_now=True)

    company_path = "company"

    class Meta:
        ordering = ["-day", "reason"]
        verbose_name = "dropped machine signals"
        verbose_name_plural = "dropped machine signals"
        constraints = [models.UniqueConstraint(fields=["company", "day", "reason"], nulls_distinct=False,
                                               name="mes_signaldrop_once")]

    def __str__(self) -> str:
        return f"{self.day} {self.get_reason_display()}: {self.count}"
