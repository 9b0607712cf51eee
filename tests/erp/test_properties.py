"""Property: whatever sequence of postings and reversals (random accounts, amounts, dates, foreign-currency lines),
every posted entry balances and the trial balance's difference is zero."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Count, Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.core.models import Currency, ExchangeRate
from apps.erp.models import JournalEntry
from apps.erp.selectors import trial_balance
from apps.erp.services.accounts import STANDARD_CHART
from apps.erp.services.entries import journal_entry_reverse, post_entry

pytestmark = pytest.mark.django_db
RULES = [rule for _code, _name, _kind, rule in STANDARD_CHART]
amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999.99"), places=2)
line = st.tuples(st.sampled_from(RULES), amounts, st.booleans())  # rule, amount, in USD
posting = st.tuples(st.just("post"), st.lists(line, min_size=1, max_size=4), st.integers(0, 59))
reversal = st.tuples(st.just("reverse"), st.integers(0, 1000), st.integers(0, 59))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=st.lists(st.one_of(posting, reversal), min_size=1, max_size=8))
def test_postings_and_reversals_keep_every_entry_balanced(company, accountant, chart, general, operations):
    usd = Currency.objects.get(code="USD")
    ExchangeRate.objects.get_or_create(company=company, base=usd, quote=company.currency,
                                       date=datetime.date(2025, 12, 31), defaults={"rate": Decimal("0.91234567")})
    start = datetime.date(2026, 1, 1)
    for operation in operations:
        kind, data, day = operation
        date = start + datetime.timedelta(days=day)
        if kind == "post":
            rows = []
            for rule, amount, foreign in data:
                # each debit gets its matching credit in the same currency, so the entry balances (up to rounding)
                if foreign:
                    rows += [{"account": chart(rule), "currency": usd, "amount": amount},
                             {"account": chart("equity"), "currency": usd, "amount": -amount}]
                else:
                    rows += [{"account": chart(rule), "debit": amount}, {"account": chart("bank"), "credit": amount}]
            post_entry(company=company, journal=general, date=date, memo="p", lines=rows, actor=accountant)
        else:
            candidates = list(JournalEntry.objects.filter(company=company, status="posted",
                                                          reversal_of__isnull=True).order_by("id"))
            if candidates:
                journal_entry_reverse(entry=candidates[data % len(candidates)], actor=accountant, date=date)
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the deferred trigger agrees, entry by entry
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    unbalanced = (JournalEntry.objects.filter(company=company).exclude(status="draft")
                  .annotate(d=Sum("lines__debit"), c=Sum("lines__credit"), n=Count("lines"))
                  .values_list("number", "d", "c", "n"))
    assert [row for row in unbalanced if row[1] != row[2] or row[3] < 2] == []
    report = trial_balance(company=company, date=datetime.date(2026, 12, 31))
    assert report.difference == 0
    assert report.total_debit == sum((e.total_debit for e in JournalEntry.objects.filter(company=company)),
                                     Decimal(0))
