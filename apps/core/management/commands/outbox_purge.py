"""`manage.py outbox_purge`: what the hourly `core.purge_outbox` task does, on demand."""

from django.conf import settings
from django.core.management.base import BaseCommand

from apps.core.services.outbox_ops import outbox_purge


class Command(BaseCommand):
    help = ("Delete events whose deliveries are all done and older than OUTBOX_RETENTION_DAYS (with their "
            "deliveries and attempts), and idempotency records older than IDEMPOTENCY_RETENTION_HOURS.")

    def handle(self, *args, **options):
        result = outbox_purge()
        self.stdout.write(self.style.SUCCESS(
            f"Purged {result.events} events ({result.deliveries} deliveries, {result.attempts} attempts) older "
            f"than {settings.OUTBOX_RETENTION_DAYS} days and {result.idempotency_records} idempotency records "
            f"older than {settings.IDEMPOTENCY_RETENTION_HOURS} hours."
        ))
