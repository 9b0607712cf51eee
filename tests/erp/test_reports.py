"""The reports on a hand-computed example: the trial balance's totals agree, profit and loss, the balance sheet
balances with the current result, the general ledger's running balance; drafts never count, a reversal cancels."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.erp.selectors import balance_sheet, general_ledger, profit_and_loss, trial_balance
from apps.erp.services.entries import journal_entry_create, journal_entry_reverse, post_entry

pytestmark = pytest.mark.django_db
D = Decimal
JAN, FEB, MAR = datetime.date(2026, 1, 15), datetime.date(2026, 2, 10), datetime.date(2026, 3, 5)


@pytest.fixture
def books(company, accountant, chart, general):
    """Capital 10,000 to the bank; stock bought 4,000 on credit; sale 3,000 (+ 570 tax) with a cost of 1,800;
    rent 500 paid (Feb); a wrong 999 posting reversed; a draft of 777 (never counted); a March sale of 100."""

    def post(date, *rows):
        return post_entry(company=company, journal=general, date=date, memo="t", actor=accountant,
                          lines=[{"account": chart(rule), "debit": D(d), "credit": D(c)} for rule, d, c in rows])

    post(JAN, ("bank", "10000", "0"), ("equity", "0", "10000"))
    post(JAN, ("inventory", "4000", "0"), ("payables", "0", "4000"))
    post(FEB, ("receivables", "3570", "0"), ("revenue", "0", "3000"), ("tax_payable", "0", "570"))
    post(FEB, ("cogs", "1800", "0"), ("inventory", "0", "1800"))
    post(FEB, ("expenses", "500", "0"), ("bank", "0", "500"))
    journal_entry_reverse(entry=post(FEB, ("expenses", "999", "0"), ("bank", "0", "999")), actor=accountant)
    journal_entry_create(company=company, actor=accountant, journal=general, date=FEB,
                         lines=[{"account": chart("expenses"), "debit": D(777)},
                                {"account": chart("bank"), "credit": D(777)}])
    post(MAR, ("bank", "100", "0"), ("revenue", "0", "100"))
    return chart


def test_trial_balance_at_a_date_balances_in_a_fixed_number_of_queries(company, books):
    # the closed periods of the range; then one query (their snapshots + a GROUP BY over the open rest) between
    # setting and restoring the planner's random_page_cost
    with CaptureQueriesContext(connection) as queries:
        report = trial_balance(company=company, date=datetime.date(2026, 2, 28))
    assert len(queries) == 4
    assert "random_page_cost" in queries[3]["sql"]
    with connection.cursor() as cursor:
        cursor.execute("SHOW random_page_cost")
        assert cursor.fetchone()[0] == "4"  # restored
    rows = {r.code: (r.debit, r.credit, r.balance) for r in report.rows}
    assert rows == {
        "1100": (D(10999), D(1499), D(9500)), "1200": (D(3570), D(0), D(3570)), "1300": (D(4000), D(1800), D(2200)),
        "2000": (D(0), D(4000), D(-4000)), "2200": (D(0), D(570), D(-570)), "3000": (D(0), D(10000), D(-10000)),
        "4000": (D(0), D(3000), D(-3000)), "5000": (D(1800), D(0), D(1800)), "6000": (D(1499), D(999), D(500)),
    }
    assert report.total_debit == report.total_credit == D(21868)
    assert report.difference == 0
    assert trial_balance(company=company, date=datetime.date(2026, 1, 14)).rows == []


def test_profit_and_loss_of_a_range(company, books):
    pnl = profit_and_loss(company=company, date_from=datetime.date(2026, 2, 1), date_to=datetime.date(2026, 2, 28))
    assert [(r.code, r.natural_balance) for r in pnl.income] == [("4000", D(3000))]
    assert [(r.code, r.natural_balance) for r in pnl.expenses] == [("5000", D(1800)), ("6000", D(500))]
    assert (pnl.total_income, pnl.total_expenses, pnl.result) == (D(3000), D(2300), D(700))
    year = profit_and_loss(company=company, date_from=datetime.date(2026, 1, 1), date_to=datetime.date(2026, 12, 31))
    assert year.result == D(800)


def test_the_balance_sheet_balances_with_the_current_result(company, books):
    sheet = balance_sheet(company=company, date=datetime.date(2026, 2, 28))
    assert sheet.total_assets == D(9500 + 3570 + 2200)
    assert sheet.total_liabilities == D(4570)
    assert sheet.total_equity == D(10000)
    assert sheet.result == D(700)
    assert sheet.total_liabilities_and_equity == D(15270)
    assert sheet.difference == 0


def test_the_general_ledger_runs_a_balance_from_the_opening(company, books):
    opening, rows = general_ledger(account=books("bank"), date_from=datetime.date(2026, 2, 1))
    assert opening == D(10000)
    assert [(r["debit"], r["credit"], r["balance"]) for r in rows] == [
        (D(0), D(500), D(9500)), (D(0), D(999), D(8501)), (D(999), D(0), D(9500)), (D(100), D(0), D(9600))]
