"""Balance snapshots of closed periods change no figure: every report at many dates and ranges is the same with
no period closed, with some closed (snapshots), and after reopening (snapshots dropped); entries on the first and
last days of periods and reversals across periods included."""

import datetime
from decimal import Decimal

import pytest

from apps.erp.choices import PeriodStatus
from apps.erp.models import AccountBalanceSnapshot, Period
from apps.erp.reports import balance_sheet_data, profit_and_loss_data, trial_balance_data
from apps.erp.selectors import open_ranges
from apps.erp.services.entries import journal_entry_reverse, post_entry
from apps.erp.services.periods import period_close, period_reopen

pytestmark = pytest.mark.django_db
D = Decimal
day = datetime.date


@pytest.fixture
def ledger(company, accountant, chart, general):
    """Entries on period boundaries (first and last days of January to April 2025), a reversal in the same period
    and one across periods (February's entry reversed on 1 March), and a March entry reversed in April."""

    def post(date, *rows):
        return post_entry(company=company, journal=general, date=date, memo="t", actor=accountant,
                          lines=[{"account": chart(rule), "debit": D(d), "credit": D(c)} for rule, d, c in rows])

    post(day(2025, 1, 1), ("bank", "10000", "0"), ("equity", "0", "10000"))
    post(day(2025, 1, 31), ("inventory", "4000", "0"), ("payables", "0", "4000"))
    post(day(2025, 2, 1), ("receivables", "3570", "0"), ("revenue", "0", "3000"), ("tax_payable", "0", "570"))
    journal_entry_reverse(entry=post(day(2025, 2, 14), ("expenses", "12.34", "0"), ("bank", "0", "12.34")),
                          actor=accountant)
    journal_entry_reverse(entry=post(day(2025, 2, 28), ("expenses", "999", "0"), ("cash", "0", "999")),
                          actor=accountant, date=day(2025, 3, 1))
    post(day(2025, 3, 31), ("cogs", "1800", "0"), ("inventory", "0", "1800"))
    march = post(day(2025, 3, 15), ("expenses", "250", "0"), ("bank", "0", "250"))
    post(day(2025, 4, 1), ("bank", "100", "0"), ("revenue", "0", "100"))
    journal_entry_reverse(entry=march, actor=accountant, date=day(2025, 4, 30))
    return company


DATES = [day(2024, 12, 31), day(2025, 1, 1), day(2025, 1, 31), day(2025, 2, 1), day(2025, 2, 27),
         day(2025, 2, 28), day(2025, 3, 1), day(2025, 3, 31), day(2025, 4, 1), day(2025, 4, 30), day(2025, 12, 31)]
RANGES = [(day(2025, 1, 1), day(2025, 12, 31)), (day(2025, 2, 1), day(2025, 3, 31)), (day(2025, 1, 31),
          day(2025, 3, 1)), (day(2025, 2, 28), day(2025, 2, 28)), (day(2025, 3, 1), day(2025, 4, 30)),
          (day(2024, 1, 1), day(2025, 2, 28))]


def figures(company) -> list:
    return ([trial_balance_data(company=company, date=d) for d in DATES]
            + [balance_sheet_data(company=company, date=d) for d in DATES]
            + [profit_and_loss_data(company=company, date_from=a, date_to=b) for a, b in RANGES])


def test_reports_are_the_same_with_and_without_snapshots(ledger, accountant, manager):
    before = figures(ledger)
    # every entry and both sides of each reversal
    assert before[DATES.index(day(2025, 4, 30))]["totals"]["debit"] == D("21992.68")
    months = {p.start.month: p for p in Period.objects.filter(company=ledger, start__year=2025)}
    for month in (1, 2, 3):
        period_close(period=months[month], actor=accountant)
    assert AccountBalanceSnapshot.objects.filter(company=ledger).count() > 0
    february = {s.account.role: (s.debit, s.credit)
                for s in AccountBalanceSnapshot.objects.filter(period=months[2]).select_related("account")}
    # February: the sale, the reversed pair of the 14th (both in February: nets to zero), the 999 of the 28th
    assert february == {"receivables": (D("3570.00"), D(0)), "revenue": (D(0), D("3000.00")),
                        "tax_payable": (D(0), D("570.00")), "expenses": (D("1011.34"), D("12.34")),
                        "bank": (D("12.34"), D("12.34")), "cash": (D(0), D("999.00"))}
    assert figures(ledger) == before
    period_close(period=months[5], actor=accountant)  # a closed period with no lines, after an open one
    assert figures(ledger) == before
    period_reopen(period=months[2], actor=manager)  # a hole: January and March closed, February open
    assert not AccountBalanceSnapshot.objects.filter(period=months[2]).exists()
    assert figures(ledger) == before
    period_close(period=months[2], actor=accountant)
    months[4].refresh_from_db()
    assert months[4].status == PeriodStatus.OPEN
    assert figures(ledger) == before


def test_open_ranges_cover_exactly_what_the_closed_periods_do_not():
    closed = [(1, day(2025, 1, 1), day(2025, 1, 31)), (3, day(2025, 3, 1), day(2025, 3, 31))]
    assert open_ranges(None, day(2025, 4, 15), closed) == [
        (None, day(2024, 12, 31)), (day(2025, 2, 1), day(2025, 2, 28)), (day(2025, 4, 1), day(2025, 4, 15))]
    assert open_ranges(day(2025, 1, 1), day(2025, 3, 31), closed) == [(day(2025, 2, 1), day(2025, 2, 28))]
    assert open_ranges(day(2025, 1, 1), day(2025, 1, 31), closed[:1]) == []
    assert open_ranges(None, None, []) == [(None, None)]
    assert open_ranges(None, None, closed[:1]) == [(None, day(2024, 12, 31)), (day(2025, 2, 1), None)]


def test_reopening_drops_the_snapshot_and_reclosing_writes_it_again(ledger, accountant, manager):
    january = Period.objects.get(company=ledger, start=day(2025, 1, 1))
    period_close(period=january, actor=accountant)
    rows = sorted(AccountBalanceSnapshot.objects.filter(period=january).values_list("account__role", "debit",
                                                                                     "credit"))
    assert rows == [("bank", D("10000.00"), D(0)), ("equity", D(0), D("10000.00")),
                    ("inventory", D("4000.00"), D(0)), ("payables", D(0), D("4000.00"))]
    period_reopen(period=january, actor=manager)
    assert not AccountBalanceSnapshot.objects.filter(period=january).exists()
    period_close(period=january, actor=accountant)
    assert sorted(AccountBalanceSnapshot.objects.filter(period=january).values_list(
        "account__role", "debit", "credit")) == rows
