"""Year end: closing a fiscal year posts its closing entry (every income and expense account's balance of the year
moved to retained earnings), dated the year's last day; reopening the year reverses that entry.

The closing entry goes into December although it is closed (the year can only be closed once all its periods
are): it is written here under the year's and December's row locks, not through `journal_entry_post` (which
refuses a closed period). It is marked `is_closing`: balance snapshots leave it out and the reports add it back,
except the profit and loss, which never shows it (the year's result stays visible after closing)."""

from django.db import transaction
from django.utils import timezone

from apps.core.audit import record_change
from apps.core.errors import ConflictError, PermissionDeniedError
from apps.core.numbering import next_number
from apps.core.outbox import emit
from apps.core.permissions import has_company_perm
from apps.core.workflow import step
from apps.erp.choices import RESULT_KINDS, EntryStatus, JournalKind, PeriodStatus, PostingRule
from apps.erp.models import FiscalYear, JournalEntry, JournalLine, Period
from apps.erp.models.ledger import ZERO
from apps.erp.selectors import account_totals
from apps.erp.services.accounts import account_for, journal_for

REOPEN_PERMISSION = "erp.reopen_period"


def _lock(fiscal_year: FiscalYear) -> FiscalYear:
    return FiscalYear.objects.select_for_update().get(pk=fiscal_year.pk)


def _write_posted(*, fiscal_year: FiscalYear, period: Period, memo: str, rows: list[tuple], actor,
                  source=None) -> JournalEntry:
    """A posted `is_closing` entry of (account id, debit, credit) rows in the company's currency."""
    company = fiscal_year.company
    journal = journal_for(company=company, kind=JournalKind.GENERAL)
    total = sum((debit for _a, debit, _c in rows), ZERO)
    entry = JournalEntry.objects.create(
        company=company, journal=journal, date=fiscal_year.end, memo=memo, status=EntryStatus.POSTED,
        period=period, total_debit=total, total_credit=total, is_closing=True,
        number=next_number(company=company, doc_type=journal.code, date=fiscal_year.end),
        posted_at=timezone.now(), posted_by=actor if getattr(actor, "pk", None) else None,
        source_text=str(source or fiscal_year))
    JournalLine.objects.bulk_create([
        JournalLine(entry=entry, line_number=number, account_id=account, currency_id=company.currency_id,
                    amount=debit - credit, debit=debit, credit=credit, description=memo[:200])
        for number, (account, debit, credit) in enumerate(rows, start=1)])
    record_change(entry, actor=actor, action="post")
    emit("erp.journal_entry.posted", company=company, subject=entry,
         payload={"number": entry.number, "journal": journal.code, "date": entry.date.isoformat(),
                  "total": str(total), "currency": company.currency.code})
    return entry


def closing_rows(fiscal_year: FiscalYear) -> list[tuple]:
    """(account id, debit, credit) that bring every income and expense account of the year to zero, and the
    result to retained earnings (a profit credits it, a loss debits it)."""
    totals = account_totals(fiscal_year.company, date_from=fiscal_year.start, date_to=fiscal_year.end,
                            kinds=list(RESULT_KINDS), closing_entries=False)
    rows = [(r.account, -r.balance if r.balance < 0 else ZERO, r.balance if r.balance > 0 else ZERO)
            for r in totals if r.balance != 0]
    loss = sum((credit - debit for _a, debit, credit in rows), ZERO)  # the rows mirror the balances: - profit
    if rows:
        retained = account_for(company=fiscal_year.company, rule=PostingRule.RETAINED_EARNINGS)
        rows.append((retained.pk, loss if loss > 0 else ZERO, -loss if loss < 0 else ZERO))
    return rows


@transaction.atomic
def fiscal_year_close(*, fiscal_year: FiscalYear, actor) -> FiscalYear:
    """Close the year: every period of it must be closed; posts the closing entry (income and expenses to
    retained earnings; none when nothing was booked to them)."""
    fields = ["status", "closing_entry", "closed_at", "closed_by"]
    with step(fiscal_year, verb="close", actor=actor, lock=_lock, fields=fields) as locked:
        periods = list(Period.objects.select_for_update().filter(fiscal_year=locked).order_by("start"))
        still_open = [p for p in periods if p.status != PeriodStatus.CLOSED]
        if still_open:
            names = ", ".join(str(p) for p in still_open)
            raise ConflictError("status", f"Close every period of {locked} first; still open: {names}.",
                                code="periods_open", extra={"open_periods": [p.pk for p in still_open]})
        rows = closing_rows(locked)
        if rows:
            locked.closing_entry = _write_posted(fiscal_year=locked, period=periods[-1], rows=rows, actor=actor,
                                                 memo=f"Closing of {locked}: income and expenses to retained "
                                                      "earnings")
        locked.closed_at = timezone.now()
        locked.closed_by = actor if getattr(actor, "pk", None) else None
    return locked


@transaction.atomic
def fiscal_year_reopen(*, fiscal_year: FiscalYear, actor) -> FiscalYear:
    """Reopen a closed year (a finance manager's step): its closing entry is reversed by its mirror (on the same
    day); the periods stay closed until reopened one by one."""
    if not has_company_perm(actor, REOPEN_PERMISSION, fiscal_year):
        raise PermissionDeniedError("status", "Reopening a closed fiscal year needs a finance manager "
                                              f"(permission {REOPEN_PERMISSION}).")
    fields = ["status", "closing_entry", "closed_at", "closed_by"]
    with step(fiscal_year, verb="reopen", actor=actor, lock=_lock, fields=fields) as locked:
        closing = locked.closing_entry
        if closing is not None:
            closing = JournalEntry.objects.select_for_update().get(pk=closing.pk)
            period = Period.objects.select_for_update().get(pk=closing.period_id)
            rows = [(line.account_id, line.credit, line.debit) for line in closing.lines.order_by("line_number")]
            mirror = _write_posted(fiscal_year=locked, period=period, rows=rows, actor=actor, source=closing,
                                   memo=f"Reversal of {closing.number} ({locked} reopened)")
            closing.status, closing.reversed_by = EntryStatus.REVERSED, mirror
            closing.save(update_fields=["status", "reversed_by", "updated_at"])
            record_change(closing, actor=actor, action="reverse")
        locked.closing_entry = None
        locked.closed_at = None
        locked.closed_by = None
    return locked
