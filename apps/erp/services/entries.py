"""Journal entries: drafts, posting, reversal; `post_entry` is the one path every posting takes (API, UI, admin,
event handlers).

Posting an entry requires at least two lines, an open period for its date (a closed one is refused naming
`date`), and balanced company-currency totals: Σ debit = Σ credit. The same rule is backed by a deferred
constraint trigger in PostgreSQL (migration 0002): a posted or reversed entry whose lines do not balance, or
that has fewer than two, is refused at commit, whoever wrote it.

Currencies. A line in the company's currency gives `debit` or `credit`. A line in another currency gives
`amount` in that currency (signed: + debit, - credit); its company-currency debit or credit is
round(|amount| x rate, company currency decimals), half up, with the rate of the company on or before the entry's
date (`apps.core.selectors.exchange_rate`). Each line is rounded on its own, so lines that balance in the foreign
currency may differ by a few cents in the company's: when posting, a difference no larger than half a cent per
foreign-currency line is booked on one more line to the rounding account (posting rule `rounding`), so the
entry balances. A larger difference is an unbalanced entry and is refused.

Posted entries are never changed or deleted: `journal_entry_reverse` posts the mirror entry (debits and credits
swapped, the same company amounts and rates) once, dated the original's date unless another open date is given.
"""

import datetime
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.utils import timezone

from apps.core.audit import record_change, snapshot
from apps.core.checks import require_same_company
from apps.core.errors import ConflictError, DomainError
from apps.core.models import Company
from apps.core.money import round_money
from apps.core.numbering import next_number
from apps.core.outbox import emit
from apps.core.selectors import exchange_rate
from apps.core.workflow import step, transition
from apps.erp.choices import EntryStatus, PostingRule
from apps.erp.models import Journal, JournalEntry, JournalLine
from apps.erp.services.accounts import account_for
from apps.erp.services.periods import period_for, require_open_period

ZERO = Decimal(0)
EDITABLE = ("journal", "date", "memo", "source_text", "lines")


def _money(row: dict, name: str, where: str) -> Decimal:
    value = row.get(name)
    value = ZERO if value in (None, "") else Decimal(value)
    if value < 0 and name != "amount":
        raise DomainError(f"{where}.{name}", "Cannot be negative: a credit goes into `credit`.", code="min_value")
    return value


def build_lines(*, company: Company, date: datetime.date, lines) -> list[JournalLine]:
    """Validate line rows and compute their company-currency debit/credit (unsaved, without their entry)."""
    built = []
    company_currency = company.currency
    for index, row in enumerate(lines):
        where = f"lines.{index}"
        account, party = row.get("account"), row.get("party")
        if account is None:
            raise DomainError(f"{where}.account", "This field is required.", code="required")
        require_same_company(company, **{f"{where}.account": account, f"{where}.party": party})
        if not account.is_active:
            raise DomainError(f"{where}.account", f"{account} is inactive.", code="inactive")
        currency = row.get("currency") or company_currency
        debit, credit, amount = _money(row, "debit", where), _money(row, "credit", where), _money(row, "amount", where)
        rate = Decimal(1)
        if currency.pk == company_currency.pk:
            if debit and credit:
                raise DomainError(f"{where}.credit", "A line is either a debit or a credit, not both.",
                                  code="both_sides")
            if not debit and not credit:
                debit, credit = (amount, ZERO) if amount > 0 else (ZERO, -amount)
            for name, value in (("debit", debit), ("credit", credit)):
                if round_money(value, company_currency) != value:
                    raise DomainError(f"{where}.{name}", f"At most {company_currency.decimals} decimals in "
                                                         f"{company_currency.code}.", code="max_decimal_places")
            amount = debit - credit
        else:
            if not amount and (debit or credit):
                raise DomainError(f"{where}.amount", f"A line in {currency.code} gives `amount` (+ debit, - credit) "
                                                     f"in {currency.code}; debit and credit in "
                                                     f"{company_currency.code} follow from the rate.",
                                  code="foreign_amount")
            if round_money(amount, currency) != amount:
                raise DomainError(f"{where}.amount", f"At most {currency.decimals} decimals in {currency.code}.",
                                  code="max_decimal_places")
            rate = exchange_rate(company=company, currency=currency, date=date, field=f"{where}.currency")
            converted = round_money(abs(amount) * rate, company_currency)
            debit, credit = (converted, ZERO) if amount > 0 else (ZERO, converted)
        if not debit and not credit:
            raise DomainError(f"{where}.debit", "A line debits or credits an amount other than zero.",
                              code="zero_line")
        if max(debit, credit, abs(amount)) >= Decimal(10) ** 16:
            raise DomainError(f"{where}.debit", "The amount is too large.", code="max_value")
        built.append(JournalLine(line_number=index + 1, account=account, party=party,
                                 description=(row.get("description") or "")[:200], currency=currency,
                                 amount=amount, exchange_rate=rate, debit=debit, credit=credit))
    return built


def _check_journal(company: Company, journal: Journal | None) -> None:
    if journal is None:
        raise DomainError("journal", "This field is required.", code="required")
    require_same_company(company, journal=journal)
    if not journal.is_active:
        raise DomainError("journal", f"The journal {journal} is inactive.", code="inactive")


def _source_fields(source) -> dict:
    if source is None:
        return {}
    if isinstance(source, models.Model):
        return {"source_type": ContentType.objects.get_for_model(type(source)), "source_id": str(source.pk)}
    return {"source_text": str(source)[:200]}


def _totals(lines: list[JournalLine]) -> tuple[Decimal, Decimal]:
    """(total debit, total credit) of the lines."""
    return sum((line.debit for line in lines), ZERO), sum((line.credit for line in lines), ZERO)


def _insert_lines(entry: JournalEntry, lines: list[JournalLine]) -> None:
    """The lines of a saved entry, numbered in order, in one insert."""
    for number, line in enumerate(lines, start=1):
        line.entry, line.line_number, line.pk = entry, number, None
    JournalLine.objects.bulk_create(lines)


def _write_lines(entry: JournalEntry, lines: list[JournalLine]) -> None:
    """Replace the entry's lines and set its totals (the caller saves the entry)."""
    entry.lines.all().delete()
    _insert_lines(entry, lines)
    entry.total_debit, entry.total_credit = _totals(lines)


def _save_draft(*, company: Company, journal: Journal, date: datetime.date, memo: str, lines: list[JournalLine],
                source=None, source_text: str = "", source_event=None) -> JournalEntry:
    """A new draft with its lines (numbered in order) and totals: one insert for the entry, one for the lines."""
    fields = {"source_text": source_text or "", **_source_fields(source)}
    debit, credit = _totals(lines)
    entry = JournalEntry(company=company, journal=journal, date=date, memo=(memo or "")[:200],
                         source_event_id=getattr(source_event, "pk", None), total_debit=debit, total_credit=credit,
                         **fields)
    entry.save()
    _insert_lines(entry, lines)
    return entry


@transaction.atomic
def journal_entry_create(*, company: Company, actor, journal: Journal, date: datetime.date, memo: str = "",
                         lines=(), source_text: str = "") -> JournalEntry:
    """A draft entry (edited until posted); its lines are converted at the entry date's rates."""
    _check_journal(company, journal)
    period_for(company=company, date=date)  # the date is in a valid year
    built = build_lines(company=company, date=date, lines=list(lines or []))
    entry = _save_draft(company=company, journal=journal, date=date, memo=memo, lines=built,
                        source_text=source_text)
    record_change(entry, actor=actor, action="create")
    return entry


def _lock(entry: JournalEntry) -> JournalEntry:
    return JournalEntry.objects.select_for_update().select_related("company__currency", "journal").get(pk=entry.pk)


def _require_draft(entry: JournalEntry, verb: str) -> None:
    if entry.status != EntryStatus.DRAFT:
        raise ConflictError("status", f"{entry} is {entry.status}: a posted entry is never {verb}, it is reversed.",
                            code="entry_locked", extra={"current": entry.status, "allowed_transitions": []})


@transaction.atomic
def journal_entry_update(*, instance: JournalEntry, actor, **fields) -> JournalEntry:
    """Change a draft; given lines replace its lines (and a new date converts them again)."""
    entry = _lock(instance)
    _require_draft(entry, "changed")
    unknown = sorted(set(fields) - set(EDITABLE) - {"company"})
    if unknown:
        raise DomainError(unknown[0], f"'{unknown[0]}' cannot be changed here.", code="read_only")
    before = snapshot(entry)
    if "journal" in fields:
        _check_journal(entry.company, fields["journal"])
        entry.journal = fields["journal"]
    for name in ("memo", "source_text"):
        if name in fields:
            setattr(entry, name, (fields[name] or "")[:200])
    if "date" in fields and fields["date"] is not None:
        entry.date = fields["date"]
        period_for(company=entry.company, date=entry.date)
    if "lines" in fields or "date" in fields:
        rows = fields.get("lines")
        if rows is None:
            rows = [{"account": line.account, "party": line.party, "description": line.description,
                     "currency": line.currency, "amount": line.amount if line.currency_id != entry.company.currency_id
                     else None, "debit": line.debit if line.currency_id == entry.company.currency_id else None,
                     "credit": line.credit if line.currency_id == entry.company.currency_id else None}
                    for line in entry.lines.select_related("account", "party", "currency")]
        _write_lines(entry, build_lines(company=entry.company, date=entry.date, lines=list(rows)))
    entry.save()
    record_change(entry, actor=actor, action="update", before=before)
    return entry


@transaction.atomic
def journal_entry_delete(*, instance: JournalEntry, actor) -> None:
    """Delete a draft (a posted entry answers 409: reverse it instead)."""
    entry = _lock(instance)
    _require_draft(entry, "deleted")
    before = snapshot(entry)
    entry.delete()
    record_change(instance, actor=actor, action="delete", before=before)


def _balance(entry: JournalEntry, lines: list[JournalLine]) -> list[JournalLine]:
    """Refuse an unbalanced entry; a foreign-currency rounding difference gets its line (module docstring)."""
    if len(lines) < 2:
        raise DomainError("lines", f"An entry needs at least two lines to be posted; {entry} has {len(lines)}.",
                          code="too_few_lines")
    company_currency = entry.company.currency
    debit = sum((line.debit for line in lines), ZERO)
    credit = sum((line.credit for line in lines), ZERO)
    difference = debit - credit
    if difference == 0:
        return lines
    foreign = [line for line in lines if line.currency_id != company_currency.pk]
    half_unit = Decimal(1).scaleb(-company_currency.decimals) / 2
    if foreign and abs(difference) <= half_unit * len(foreign):
        rounding = account_for(company=entry.company, rule=PostingRule.ROUNDING)
        return [*lines, JournalLine(
            account=rounding, currency=company_currency, amount=-difference, exchange_rate=Decimal(1),
            debit=-difference if difference < 0 else ZERO, credit=difference if difference > 0 else ZERO,
            description="Currency rounding difference")]
    raise DomainError("lines", f"The entry does not balance: debits {debit} and credits {credit} "
                               f"{company_currency.code} differ by {abs(difference)}.", code="unbalanced",
                      extra={"total_debit": str(debit), "total_credit": str(credit)})


def _post(entry: JournalEntry, actor, *, lines: list[JournalLine] | None = None, period=None) -> JournalEntry:
    """Post a locked draft: lines, balance, open period, number; the caller saves nothing more. `lines` and
    `period` (share-locked by `require_open_period`): what the caller that just wrote the draft already has."""
    before = snapshot(entry)
    transition(entry, verb="post")
    if lines is None:
        lines = list(entry.lines.select_related("currency").order_by("line_number"))
    balanced = _balance(entry, lines)
    entry.period = period if period is not None else require_open_period(company=entry.company, date=entry.date)
    if len(balanced) != len(lines):
        _write_lines(entry, balanced)
    entry.number = next_number(company=entry.company, doc_type=entry.journal.code, date=entry.date)
    entry.posted_at, entry.posted_by = timezone.now(), actor
    entry.save()
    record_change(entry, actor=actor, action="post", before=before)
    emit("erp.journal_entry.posted", company=entry.company, subject=entry,
         payload={"number": entry.number, "journal": entry.journal.code, "date": entry.date.isoformat(),
                  "total": str(entry.total_debit), "currency": entry.company.currency.code})
    return entry


@transaction.atomic
def journal_entry_post(*, entry: JournalEntry, actor) -> JournalEntry:
    """Post a draft: at least two lines, balanced, into an open period; it is numbered and immutable after."""
    return _post(_lock(entry), actor)


@transaction.atomic
def post_entry(*, company: Company, journal: Journal, date: datetime.date, memo: str, lines, source=None,
               source_event=None, actor) -> JournalEntry:
    """Create and post an entry in one step (the path of every posting: API, UI, admin, event handlers).

    `lines`: rows of `account`, `debit`/`credit` (company currency) or `currency` + `amount`, `party`,
    `description`; `source`: the document it comes from (a model instance) or a text reference; `source_event`:
    the event an automatic posting comes from (one entry per event, `posted_entry`).

    The draft is written and posted in this transaction without being read back or locked: no other transaction
    can see it before this one commits."""
    _check_journal(company, journal)
    period = require_open_period(company=company, date=date)  # share-locked until commit
    built = build_lines(company=company, date=date, lines=list(lines or []))
    entry = _save_draft(company=company, journal=journal, date=date, memo=memo, lines=built, source=source,
                        source_event=source_event)
    record_change(entry, actor=actor, action="create")
    return _post(entry, actor, lines=built, period=period)


def owner_refusal(entry: JournalEntry) -> str | None:
    """Why an entry must not be reversed by hand (see `JournalEntry.owner_refusal`)."""
    return entry.owner_refusal()


def _lock_through_document(entry: JournalEntry) -> JournalEntry:
    locked = _lock(entry)
    locked.reversing_through_document = True  # the workflow guard lets the document's own service reverse it
    return locked


@transaction.atomic
def journal_entry_reverse(*, entry: JournalEntry, actor, date: datetime.date | None = None, memo: str = "",
                          through_document: bool = False) -> JournalEntry:
    """Post the mirror entry of a posted one (debits and credits swapped, same amounts and rates), once; dated
    the original's date unless `date` is given, in an open period. Returns the original, now reversed. An entry
    of a document or of another module's event is refused (409) unless its document's service reverses it
    (`through_document`)."""
    refusal = None if through_document else owner_refusal(entry)
    if refusal:
        raise ConflictError("status", refusal, code="reverse_through_document")
    lock = _lock_through_document if through_document else _lock
    with step(entry, verb="reverse", actor=actor, lock=lock) as original:
        lines = [JournalLine(account_id=line.account_id, party_id=line.party_id, description=line.description,
                             currency_id=line.currency_id, amount=-line.amount, exchange_rate=line.exchange_rate,
                             debit=line.credit, credit=line.debit)
                 for line in original.lines.order_by("line_number")]
        when = date or original.date
        require_open_period(company=original.company, date=when)
        mirror = _save_draft(company=original.company, journal=original.journal, date=when,
                             memo=memo or f"Reversal of {original.number}", lines=lines, source=original)
        record_change(mirror, actor=actor, action="create")
        original.reversed_by = _post(_lock(mirror), actor)
    return original
