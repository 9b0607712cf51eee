"""`manage.py outbox_backfill --handler H --since DATE`: deliveries of past events for a handler added later."""

from datetime import date, datetime, time, timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from apps.core.errors import DomainError
from apps.core.models import Company
from apps.core.services.outbox_ops import outbox_backfill


def _start_of(day: str, option: str) -> datetime:
    try:
        parsed = date.fromisoformat(day)
    except ValueError as exc:
        raise CommandError(f"{option}: {day!r} is not a date (YYYY-MM-DD).") from exc
    return timezone.make_aware(datetime.combine(parsed, time.min))


class Command(BaseCommand):
    help = ("Create the missing pending deliveries of past events for a handler subscribed after they were "
            "emitted, then dispatch them. Safe to run again: a second run creates nothing.")

    def add_arguments(self, parser):
        parser.add_argument("--handler", required=True,
                            help="The handler's dotted name, as @subscriber registered it (module.function).")
        parser.add_argument("--since", required=True, help="First day of the events, YYYY-MM-DD (inclusive).")
        parser.add_argument("--until", help="Last day of the events, YYYY-MM-DD (inclusive); default: up to now.")
        parser.add_argument("--company", help="Only this company's events (its code).")
        parser.add_argument("--dry-run", action="store_true", help="Count what would be created; change nothing.")

    def handle(self, *args, handler, since, until, company, dry_run, **options):
        # dates are days in the site's time zone; --until includes its whole day
        since_at = _start_of(since, "--since")
        until_at = _start_of(until, "--until") + timedelta(days=1) if until else None
        company_obj = None
        if company:
            company_obj = Company.objects.filter(code=company).first()
            if company_obj is None:
                raise CommandError(f"--company: no company with code {company!r}.")
        try:
            count = outbox_backfill(handler=handler, since=since_at, until=until_at, company=company_obj,
                                    dry_run=dry_run)
        except DomainError as exc:
            raise CommandError(str(exc)) from exc
        if dry_run:
            self.stdout.write(f"Would create {count} deliveries for {handler} (dry run, nothing changed).")
        else:
            self.stdout.write(self.style.SUCCESS(f"Created {count} deliveries for {handler}."))
