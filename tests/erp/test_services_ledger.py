"""The books' services: the chart template, posting (balanced, two lines, open period), immutability, reversal
once, the deferred balance trigger, foreign-currency rounding lines, period close and reopen."""

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction

from apps.core.errors import ConflictError, DomainError, PermissionDeniedError, TransitionNotAllowed
from apps.core.models import AuditRecord, Currency, Event, EventDelivery, ExchangeRate
from apps.erp.models import Account, AccountMapping, Journal, JournalEntry, JournalLine, Period
from apps.erp.services.accounts import STANDARD_CHART, chart_of_accounts_ensure
from apps.erp.services.entries import (
    journal_entry_create,
    journal_entry_delete,
    journal_entry_post,
    journal_entry_reverse,
    journal_entry_update,
    post_entry,
)
from apps.erp.services.periods import period_close, period_for, period_reopen
from tests.erp.conftest import DAY

pytestmark = pytest.mark.django_db
D = Decimal


def lines(chart, *rows):
    return [{"account": chart(rule), "debit": D(debit), "credit": D(credit)} for rule, debit, credit in rows]


def test_the_standard_chart_is_created_once_with_its_mappings_and_journals(company):
    first = chart_of_accounts_ensure(company=company)
    Account.objects.filter(company=company, code="1000").update(name="Petty cash")
    chart_of_accounts_ensure(company=company)
    assert len(first) == len(STANDARD_CHART) == Account.objects.filter(company=company).count()
    assert AccountMapping.objects.filter(company=company).count() == len(STANDARD_CHART)
    assert sorted(Journal.objects.filter(company=company).values_list("kind", flat=True)) == [
        "bank", "general", "inventory", "manufacturing", "purchases", "sales"]
    assert Account.objects.get(company=company, code="1000").name == "Petty cash"  # kept
    assert AccountMapping.objects.get(company=company, rule="grir").account.code == "2100"


def test_a_balanced_entry_is_posted_numbered_audited_and_in_an_open_period(company, accountant, chart, general):
    entry = post_entry(company=company, journal=general, date=DAY, memo="Capital", actor=accountant,
                       lines=lines(chart, ("bank", "1000.00", "0"), ("equity", "0", "1000.00")), source="Board 1")
    assert entry.status == "posted"
    assert entry.number == "GEN-2026-00001"
    assert (entry.total_debit, entry.total_credit) == (D("1000.00"), D("1000.00"))
    assert entry.period.start == datetime.date(2026, 3, 1)
    assert entry.source == "Board 1"
    assert list(entry.lines.values_list("debit", "credit")) == [(D("1000.00"), D(0)), (D(0), D("1000.00"))]
    assert AuditRecord.objects.filter(object_id=str(entry.pk), action="post").count() == 1
    assert Event.objects.filter(name="erp.journal_entry.posted", subject_id=str(entry.pk)).count() == 1
    second = post_entry(company=company, journal=general, date=DAY, memo="More", actor=accountant,
                        lines=lines(chart, ("bank", "5", "0"), ("equity", "0", "5")))
    assert second.number == "GEN-2026-00002"


def test_an_unbalanced_entry_is_refused_and_nothing_is_written(company, accountant, chart, general):
    with pytest.raises(DomainError) as error:
        post_entry(company=company, journal=general, date=DAY, memo="x", actor=accountant,
                   lines=lines(chart, ("bank", "100", "0"), ("equity", "0", "99.99")))
    assert error.value.field == "lines"
    assert error.value.code == "unbalanced"
    assert "0.01" in error.value.message
    assert not JournalEntry.objects.exists()
    assert not JournalLine.objects.exists()


def test_a_single_line_entry_is_not_posted(company, accountant, chart, general):
    draft = journal_entry_create(company=company, actor=accountant, journal=general, date=DAY,
                                 lines=lines(chart, ("bank", "100", "0")))
    with pytest.raises(DomainError) as error:
        journal_entry_post(entry=draft, actor=accountant)
    assert (error.value.field, error.value.code) == ("lines", "too_few_lines")
    draft.refresh_from_db()
    assert draft.status == "draft"
    assert draft.number == ""


@pytest.mark.parametrize(("row", "field", "code"), [
    ({"debit": "5", "credit": "5"}, "lines.0.credit", "both_sides"),
    ({"debit": "0", "credit": "0"}, "lines.0.debit", "zero_line"),
    ({"debit": "-5"}, "lines.0.debit", "min_value"),
    ({"debit": "0.001"}, "lines.0.debit", "max_decimal_places"),
])
def test_bad_lines_name_the_field(company, accountant, chart, general, row, field, code):
    bad = {"account": chart("bank"), **{k: D(v) for k, v in row.items()}}
    with pytest.raises(DomainError) as error:
        journal_entry_create(company=company, actor=accountant, journal=general, date=DAY, lines=[bad])
    assert (error.value.field, error.value.code) == (field, code)


def test_an_account_of_another_company_is_refused(company, other_company, accountant, chart, general):
    chart_of_accounts_ensure(company=other_company)
    foreign = Account.objects.get(company=other_company, code="1100")
    with pytest.raises(DomainError) as error:
        post_entry(company=company, journal=general, date=DAY, memo="x", actor=accountant,
                   lines=[{"account": foreign, "debit": D(1)}, {"account": chart("equity"), "credit": D(1)}])
    assert error.value.field == "lines.0.account"


def test_posting_twice_and_changing_or_deleting_a_posted_entry_answer_409(company, accountant, chart, general):
    entry = post_entry(company=company, journal=general, date=DAY, memo="x", actor=accountant,
                       lines=lines(chart, ("bank", "10", "0"), ("equity", "0", "10")))
    with pytest.raises(TransitionNotAllowed):
        journal_entry_post(entry=entry, actor=accountant)
    with pytest.raises(ConflictError):
        journal_entry_update(instance=entry, actor=accountant, memo="changed")
    with pytest.raises(ConflictError):
        journal_entry_delete(instance=entry, actor=accountant)
    entry.refresh_from_db()
    assert entry.memo == "x"
    assert entry.lines.count() == 2


def test_a_draft_is_edited_and_deleted(company, accountant, chart, general):
    draft = journal_entry_create(company=company, actor=accountant, journal=general, date=DAY, memo="a",
                                 lines=lines(chart, ("bank", "10", "0")))
    draft = journal_entry_update(instance=draft, actor=accountant, memo="b",
                                 lines=lines(chart, ("bank", "10", "0"), ("equity", "0", "10")))
    assert (draft.memo, draft.lines.count(), draft.total_credit) == ("b", 2, D(10))
    journal_entry_delete(instance=draft, actor=accountant)
    assert not JournalEntry.objects.exists()


def test_reverse_posts_the_mirror_once_and_a_draft_is_not_reversed(company, accountant, chart, general):
    draft = journal_entry_create(company=company, actor=accountant, journal=general, date=DAY,
                                 lines=lines(chart, ("bank", "10", "0"), ("equity", "0", "10")))
    with pytest.raises(TransitionNotAllowed):
        journal_entry_reverse(entry=draft, actor=accountant)
    entry = journal_entry_post(entry=draft, actor=accountant)
    reversed_entry = journal_entry_reverse(entry=entry, actor=accountant)
    mirror = reversed_entry.reversed_by
    assert reversed_entry.status == "reversed"
    assert mirror.status == "posted"
    assert mirror.date == DAY
    assert mirror.memo == f"Reversal of {entry.number}"
    assert list(mirror.lines.values_list("account__code", "debit", "credit")) == [
        ("1100", D(0), D(10)), ("3000", D(10), D(0))]
    assert mirror.source == f"erp.journalentry:{entry.pk}"
    with pytest.raises(TransitionNotAllowed):
        journal_entry_reverse(entry=reversed_entry, actor=accountant)
    with pytest.raises(TransitionNotAllowed) as error:
        journal_entry_reverse(entry=mirror, actor=accountant)
    assert "reversal of" in error.value.message
    assert JournalEntry.objects.count() == 2


def test_a_closed_periods_date_is_refused_by_every_posting_path(company, accountant, manager, chart, general):
    draft = journal_entry_create(company=company, actor=accountant, journal=general, date=DAY,
                                 lines=lines(chart, ("bank", "10", "0"), ("equity", "0", "10")))
    posted = post_entry(company=company, journal=general, date=DAY, memo="x", actor=accountant,
                        lines=lines(chart, ("bank", "10", "0"), ("equity", "0", "10")))
    period_close(period=period_for(company=company, date=DAY), actor=accountant)
    for attempt in (lambda: journal_entry_post(entry=draft, actor=accountant),
                    lambda: post_entry(company=company, journal=general, date=DAY, memo="x", actor=accountant,
                                       lines=lines(chart, ("bank", "1", "0"), ("equity", "0", "1")))):
        with pytest.raises(ConflictError) as error:
            attempt()
        assert (error.value.field, error.value.code) == ("date", "period_closed")
        assert "2026-03" in error.value.message
    with pytest.raises(ConflictError) as error:
        journal_entry_reverse(entry=posted, actor=accountant)
    assert error.value.field == "date"
    # the reversal may be dated into an open period
    reversed_entry = journal_entry_reverse(entry=posted, actor=accountant, date=datetime.date(2026, 4, 2))
    assert reversed_entry.reversed_by.period.start == datetime.date(2026, 4, 1)
    assert draft.__class__.objects.get(pk=draft.pk).status == "draft"


def test_the_deferred_trigger_refuses_an_unbalanced_posted_entry_written_around_the_service(
        company, accountant, chart, general):
    entry = post_entry(company=company, journal=general, date=DAY, memo="x", actor=accountant,
                       lines=lines(chart, ("bank", "10", "0"), ("equity", "0", "10")))
    line = entry.lines.get(line_number=1)
    line_pk = line.pk

    def at_commit(write):
        """Run `write` in a savepoint and check the deferred constraints as COMMIT does."""
        with transaction.atomic():
            write()
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")

    with pytest.raises(IntegrityError, match="unbalanced"):
        at_commit(lambda: JournalLine.objects.filter(pk=line_pk).update(debit=D("11")))
    with pytest.raises(IntegrityError, match="unbalanced"):
        at_commit(line.delete)
    # a draft may be unbalanced
    drafts = []
    at_commit(lambda: drafts.append(journal_entry_create(company=company, actor=accountant, journal=general,
                                                         date=DAY, lines=lines(chart, ("bank", "10", "0")))))
    # posting it by a raw status update is refused too
    with pytest.raises(IntegrityError, match="unbalanced"):
        at_commit(lambda: JournalEntry.objects.filter(pk=drafts[0].pk).update(status="posted", number="RAW-1"))
    assert JournalLine.objects.get(pk=line_pk).debit == D(10)


def test_foreign_currency_lines_convert_per_line_and_the_rounding_difference_gets_its_line(
        company, accountant, chart, general):
    usd = Currency.objects.get(code="USD")
    ExchangeRate.objects.create(company=company, base=usd, quote=company.currency, date=DAY, rate=D("0.33333333"))
    entry = post_entry(company=company, journal=general, date=DAY, memo="USD", actor=accountant, lines=[
        {"account": chart("receivables"), "currency": usd, "amount": D("10.00")},
        {"account": chart("revenue"), "currency": usd, "amount": D("-5.00")},
        {"account": chart("revenue"), "currency": usd, "amount": D("-5.00")},
    ])
    rows = list(entry.lines.order_by("line_number").values_list("account__code", "currency__code", "amount",
                                                                "debit", "credit"))
    # 10 x 0.33333333 = 3.33; 5 x 0.33333333 = 1.67 twice: 3.34 credited, 0.01 short on the debit side
    assert rows == [("1200", "USD", D("10.00"), D("3.33"), D(0)), ("4000", "USD", D("-5.00"), D(0), D("1.67")),
                    ("4000", "USD", D("-5.00"), D(0), D("1.67")), ("6900", "EUR", D("0.01"), D("0.01"), D(0))]
    assert entry.total_debit == entry.total_credit == D("3.34")


def test_a_missing_rate_and_a_large_difference_are_refused(company, accountant, chart, general):
    usd = Currency.objects.get(code="USD")
    with pytest.raises(DomainError) as error:
        post_entry(company=company, journal=general, date=DAY, memo="x", actor=accountant, lines=[
            {"account": chart("bank"), "currency": usd, "amount": D(10)},
            {"account": chart("equity"), "credit": D(10)}])
    assert (error.value.field, error.value.code) == ("lines.0.currency", "no_exchange_rate")
    ExchangeRate.objects.create(company=company, base=usd, quote=company.currency, date=DAY, rate=D("0.9"))
    with pytest.raises(DomainError) as error:
        post_entry(company=company, journal=general, date=DAY, memo="x", actor=accountant, lines=[
            {"account": chart("bank"), "currency": usd, "amount": D(10)},
            {"account": chart("equity"), "credit": D(10)}])
    assert error.value.code == "unbalanced"


def test_closing_waits_for_undelivered_events_of_the_period(company, accountant, chart):
    period = period_for(company=company, date=DAY)
    event = Event.objects.create(company=company, name="scm.goods_receipt.posted", subject_type="scm.goodsreceipt",
                                 subject_id="1")
    Event.objects.filter(pk=event.pk).update(created_at=datetime.datetime(2026, 3, 5, 12, tzinfo=datetime.UTC))
    delivery = EventDelivery.objects.create(event=event, handler="apps.erp.handlers.x", status="pending")
    with pytest.raises(ConflictError) as error:
        period_close(period=period, actor=accountant)
    assert error.value.code == "undelivered_events"
    assert "scm.goods_receipt.posted" in error.value.message
    period.refresh_from_db()
    assert period.status == "open"
    # another month's or another company's undelivered event does not hold it back
    EventDelivery.objects.filter(pk=delivery.pk).update(status="done")
    other = Event.objects.create(company=company, name="x", subject_type="x", subject_id="2")
    EventDelivery.objects.create(event=other, handler="h", status="dead")  # created today, not in March 2026
    closed = period_close(period=period, actor=accountant)
    assert closed.status == "closed"
    assert closed.closed_by == accountant
    assert AuditRecord.objects.filter(object_id=str(period.pk), action="close").exists()


def test_reopening_needs_a_finance_manager_and_is_audited(company, accountant, manager):
    period = period_close(period=period_for(company=company, date=DAY), actor=accountant)
    with pytest.raises(PermissionDeniedError):
        period_reopen(period=period, actor=accountant)
    assert Period.objects.get(pk=period.pk).status == "closed"
    reopened = period_reopen(period=period, actor=manager)
    assert reopened.status == "open"
    assert reopened.closed_at is None
    record = AuditRecord.objects.get(object_id=str(period.pk), action="reopen")
    assert record.actor == manager
    assert record.before["status"] == "closed"
    assert record.after["status"] == "open"
