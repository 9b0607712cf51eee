"""Fiscal years (calendar years) and their monthly periods: open, close, reopen.

A date's period is found (and its fiscal year created, all periods open, on first use) by `period_for`; posting
takes a share lock on the period row and closing an update lock, so a close waits for the postings in flight and
no entry lands in a period after it closed. Closing needs every event delivery of the company's events created in
the period to be done (the books may otherwise miss a flow); reopening needs `erp.reopen_period`.
"""

import calendar
import datetime

from django.db import transaction
from django.utils import timezone

from apps.core.choices import DeliveryStatus
from apps.core.errors import ConflictError, DomainError, PermissionDeniedError
from apps.core.models import Company, EventDelivery
from apps.core.permissions import has_company_perm
from apps.core.workflow import step
from apps.erp.choices import PeriodStatus
from apps.erp.models import FiscalYear, Period
from apps.erp.services.snapshots import period_snapshot_drop, period_snapshot_write

MIN_YEAR, MAX_YEAR = 1900, 2999


@transaction.atomic
def fiscal_year_create(*, company: Company, year: int, actor=None) -> FiscalYear:
    """A fiscal year (January to December) with its twelve open monthly periods; idempotent per year."""
    if not MIN_YEAR <= int(year) <= MAX_YEAR:
        raise DomainError("year", f"A year from {MIN_YEAR} to {MAX_YEAR}.", code="invalid")
    fiscal_year, created = FiscalYear.objects.get_or_create(
        company=company, year=year,
        defaults={"start": datetime.date(year, 1, 1), "end": datetime.date(year, 12, 31)})
    if created:
        Period.objects.bulk_create([
            Period(company=company, fiscal_year=fiscal_year, number=month, start=datetime.date(year, month, 1),
                   end=datetime.date(year, month, calendar.monthrange(year, month)[1]))
            for month in range(1, 13)])
        if actor is not None:
            from apps.core.audit import record_change

            record_change(fiscal_year, actor=actor, action="create")
    return fiscal_year


def period_for(*, company: Company, date: datetime.date, lock: bool = False, field: str = "date") -> Period:
    """The period of `date` (its fiscal year is created on first use); with `lock`, share-locked until commit."""
    if not MIN_YEAR <= date.year <= MAX_YEAR:
        raise DomainError(field, f"A date from {MIN_YEAR} to {MAX_YEAR}.", code="invalid")

    def find() -> Period | None:
        if lock:
            # a share lock: postings run side by side, a close (FOR UPDATE) waits for them, and they for it; the
            # row is read as the lock leaves it, in the same statement
            return next(iter(Period.objects.raw(
                f"SELECT * FROM {Period._meta.db_table} WHERE company_id = %s AND start <= %s AND \"end\" >= %s "
                "ORDER BY start DESC LIMIT 1 FOR SHARE", [company.pk, date, date])), None)
        return Period.objects.filter(company=company, start__lte=date, end__gte=date).first()

    period = find()
    if period is None:
        fiscal_year_create(company=company, year=date.year)
        period = find()
    return period


def require_open_period(*, company: Company, date: datetime.date, field: str = "date") -> Period:
    """The open period of `date`, share-locked; a closed one is refused naming `field`."""
    period = period_for(company=company, date=date, lock=True, field=field)
    if period.status != PeriodStatus.OPEN:
        raise ConflictError(field, f"The period {period} is closed: {date.isoformat()} cannot be posted to. "
                                   "Choose a date in an open period (or have a finance manager reopen it).",
                            code="period_closed")
    return period


def undelivered_events(period: Period):
    """The company's event deliveries not done yet for events created in the period."""
    return EventDelivery.objects.filter(event__company_id=period.company_id,
                                        event__created_at__date__gte=period.start,
                                        event__created_at__date__lte=period.end,
                                        ).exclude(status=DeliveryStatus.DONE)


def _lock(period: Period) -> Period:
    return Period.objects.select_for_update().get(pk=period.pk)


@transaction.atomic
def period_close(*, period: Period, actor) -> Period:
    """Close the period: nothing is posted into it any more. Refused (409) while an event of the company from
    the period is not yet delivered to every handler (pending or dead): its postings may still be missing."""
    with step(period, verb="close", actor=actor, lock=_lock) as locked:
        waiting = undelivered_events(locked)
        count = waiting.count()
        if count:
            first = waiting.select_related("event").order_by("id").first()
            raise ConflictError("status", f"{count} event deliveries of {locked} are not done yet (first: "
                                          f"{first.event.name} #{first.event_id} → {first.handler}, "
                                          f"{first.status}); deliver or replay them before closing.",
                                code="undelivered_events", extra={"undelivered": count})
        locked.closed_at = timezone.now()
        locked.closed_by = actor
        period_snapshot_write(period=locked)
    return locked


@transaction.atomic
def period_reopen(*, period: Period, actor) -> Period:
    """Reopen a closed period (a finance manager's step: `erp.reopen_period`); audited."""
    if not has_company_perm(actor, "erp.reopen_period", period):
        raise PermissionDeniedError("status", "Reopening a closed period needs a finance manager "
                                              "(permission erp.reopen_period).")
    with step(period, verb="reopen", actor=actor, lock=_lock) as locked:
        if locked.fiscal_year.status == PeriodStatus.CLOSED:
            raise ConflictError("status", f"The fiscal year {locked.fiscal_year} is closed: reopen the year "
                                          "before its periods.", code="year_closed")
        locked.closed_at = None
        locked.closed_by = None
        period_snapshot_drop(period=locked)
    return locked
