"""Property: whatever sequence of postings, reversals (also into later periods), period closes and reopens, every
report read through balance snapshots equals an independent GROUP BY over all booked journal lines."""

import datetime
from decimal import Decimal

import pytest
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.erp.choices import BOOKED_STATUSES, RESULT_KINDS, PeriodStatus
from apps.erp.models import AccountBalanceSnapshot, JournalEntry, JournalLine, Period
from apps.erp.selectors import account_totals
from apps.erp.services.accounts import STANDARD_CHART
from apps.erp.services.entries import journal_entry_reverse, post_entry
from apps.erp.services.periods import fiscal_year_create, period_close, period_reopen

pytestmark = pytest.mark.django_db
RULES = [rule for _code, _name, _kind, rule in STANDARD_CHART]
START = datetime.date(2025, 1, 1)
amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("9999.99"), places=2)
posting = st.tuples(st.just("post"), st.lists(st.tuples(st.sampled_from(RULES), amounts), min_size=1, max_size=3),
                    st.integers(0, 119))
reversal = st.tuples(st.just("reverse"), st.integers(0, 1000), st.integers(0, 119))
closing = st.tuples(st.just("close"), st.integers(1, 4), st.just(0))
reopening = st.tuples(st.just("reopen"), st.integers(1, 4), st.just(0))
# the range ends checked: the first and last days of the months, and days inside them
DAYS = [datetime.date(2024, 12, 31), datetime.date(2025, 1, 1), datetime.date(2025, 1, 31),
        datetime.date(2025, 2, 14), datetime.date(2025, 2, 28), datetime.date(2025, 3, 1),
        datetime.date(2025, 3, 31), datetime.date(2025, 4, 30), datetime.date(2025, 12, 31)]


def reference(company, date_from, date_to, kinds=None) -> dict:
    lines = JournalLine.objects.filter(entry__company=company, entry__status__in=BOOKED_STATUSES,
                                       entry__date__lte=date_to)
    if date_from is not None:
        lines = lines.filter(entry__date__gte=date_from)
    if kinds is not None:
        lines = lines.filter(account__kind__in=kinds)
    return {r["account_id"]: (r["d"], r["c"])
            for r in lines.values("account_id").annotate(d=Sum("debit"), c=Sum("credit"))}


def through_snapshots(company, date_from, date_to, kinds=None) -> dict:
    return {r.account: (r.debit, r.credit)
            for r in account_totals(company, date_from=date_from, date_to=date_to, kinds=kinds)}


def open_period(company, date) -> bool:
    return Period.objects.filter(company=company, start__lte=date, end__gte=date, status=PeriodStatus.OPEN).exists()


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=st.lists(st.one_of(posting, reversal, closing, reopening), min_size=1, max_size=10))
def test_reports_through_snapshots_equal_a_plain_group_by(company, accountant, manager, chart, general, operations):
    fiscal_year_create(company=company, year=2025)
    for kind, data, day in operations:
        date = START + datetime.timedelta(days=day)
        if kind == "post" and open_period(company, date):
            rows = []
            for rule, amount in data:
                rows += [{"account": chart(rule), "debit": amount}, {"account": chart("bank"), "credit": amount}]
            post_entry(company=company, journal=general, date=date, memo="p", lines=rows, actor=accountant)
        elif kind == "reverse" and open_period(company, date):
            candidates = list(JournalEntry.objects.filter(company=company, status="posted",
                                                          reversal_of__isnull=True).order_by("id"))
            if candidates:
                journal_entry_reverse(entry=candidates[data % len(candidates)], actor=accountant, date=date)
        elif kind in ("close", "reopen"):
            period = Period.objects.get(company=company, start=datetime.date(2025, data, 1))
            if kind == "close" and period.status == PeriodStatus.OPEN:
                period_close(period=period, actor=accountant)
            elif kind == "reopen" and period.status == PeriodStatus.CLOSED:
                period_reopen(period=period, actor=manager)
    closed = Period.objects.filter(company=company, status=PeriodStatus.CLOSED)
    assert AccountBalanceSnapshot.objects.exclude(period__in=closed).filter(company=company).count() == 0
    for date_to in DAYS:
        assert through_snapshots(company, None, date_to) == reference(company, None, date_to), date_to
        for date_from in DAYS:
            if date_from <= date_to:
                assert through_snapshots(company, date_from, date_to, RESULT_KINDS) == reference(
                    company, date_from, date_to, RESULT_KINDS), (date_from, date_to)
