"""The transactional outbox: events written with the change that caused them, delivered once per handler."""

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone

from apps.core.choices import AttemptOutcome, DeliveryStatus


class Event(models.Model):
    """A domain event (`plm.revision.released`), written in the publisher's transaction."""

    company = models.ForeignKey("core.Company", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=100, db_index=True)
    subject_type = models.CharField(max_length=100)
    subject_id = models.CharField(max_length=64)
    payload = models.JSONField(default=dict, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    company_path = "company"

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["subject_type", "subject_id"])]

    def __str__(self) -> str:
        return f"{self.name} #{self.pk}"


class EventDelivery(models.Model):
    """The delivery of one event to one handler; unique per pair so effects happen exactly once."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="deliveries")
    handler = models.CharField(max_length=200)
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True, db_index=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    company_path = "event__company"

    class Meta:
        ordering = ["id"]
        verbose_name_plural = "event deliveries"
        constraints = [models.UniqueConstraint(fields=["event", "handler"], name="core_eventdelivery_unique")]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.event} -> {self.handler} ({self.status})"


class DeliveryAttempt(models.Model):
    """One run of a delivery's handler: when it started and ended, how it ended, and the error if it failed.

    A done attempt commits with the handler's effects; a failed one is written after the handler's
    savepoint rolled back, so the log keeps every attempt that reached an end.
    """

    delivery = models.ForeignKey(EventDelivery, on_delete=models.CASCADE, related_name="attempts_log")
    number = models.PositiveIntegerField(help_text="1 for the first attempt, counted since the last replay.")
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()
    outcome = models.CharField(max_length=10, choices=AttemptOutcome.choices)
    error = models.TextField(blank=True)
    duration_ms = models.PositiveIntegerField()

    company_path = "delivery__event__company"

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.delivery.handler} attempt {self.number} ({self.outcome})"


class IdempotencyRecord(models.Model):
    """The first response to a POST with an `Idempotency-Key`, replayed for a retry with the same body."""

    user = models.ForeignKey("auth.User", on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    response_body = models.JSONField(null=True, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    # when the request now running under this key claimed it: a claim older than
    # IDEMPOTENCY_CLAIM_TTL_SECONDS whose request no longer holds the row may be taken over
    claimed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="core_idempotency_unique")]

    def __str__(self) -> str:
        return f"{self.key} {self.method} {self.path}"
