"""Year end: closing a fiscal year (every period closed) posts its closing entry (income and expenses to retained
earnings) into closed December, the profit and loss still shows the year, the balance sheet moves the result into
retained earnings and still balances; reopening (a finance manager) reverses it. Service, API and UI."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from apps.core.models import AuditRecord
from apps.erp.choices import EntryStatus, PeriodStatus
from apps.erp.models import AccountBalanceSnapshot, FiscalYear, JournalEntry, Period
from apps.erp.reports import balance_sheet_data, profit_and_loss_data, trial_balance_data
from apps.erp.services.entries import journal_entry_reverse, post_entry
from apps.erp.services.periods import period_close, period_reopen
from apps.erp.services.year_end import fiscal_year_close, fiscal_year_reopen
from tests.mixins import token_client

pytestmark = pytest.mark.django_db
D = Decimal
day = datetime.date
YEAR_END = day(2025, 12, 31)


@pytest.fixture
def year(company, accountant, chart, general):
    """2025: capital 10,000; sales 3,000 (Feb) and 400 (31 Dec); cost of sales 1,800; rent 500; one 2026 sale."""

    def post(date, *rows):
        return post_entry(company=company, journal=general, date=date, memo="t", actor=accountant,
                          lines=[{"account": chart(rule), "debit": D(d), "credit": D(c)} for rule, d, c in rows])

    post(day(2025, 1, 2), ("bank", "10000", "0"), ("equity", "0", "10000"))
    post(day(2025, 2, 1), ("receivables", "3000", "0"), ("revenue", "0", "3000"))
    post(day(2025, 2, 1), ("cogs", "1800", "0"), ("inventory", "0", "1800"))
    post(day(2025, 6, 30), ("expenses", "500", "0"), ("bank", "0", "500"))
    post(YEAR_END, ("bank", "400", "0"), ("revenue", "0", "400"))
    post(day(2026, 1, 5), ("bank", "50", "0"), ("revenue", "0", "50"))
    return FiscalYear.objects.get(company=company, year=2025)


def close_all_periods(fiscal_year, actor):
    for period in Period.objects.filter(fiscal_year=fiscal_year).order_by("start"):
        period_close(period=period, actor=actor)


def without_zero_rows(sheet: dict) -> dict:
    return {key: [{**r, "debit": None, "credit": None} for r in value if r["balance"]]
            if isinstance(value, list) else value for key, value in sheet.items()}


def amounts(rows: list[dict]) -> dict:
    return {r["code"]: r["amount"] for r in rows}


def test_closing_the_year_posts_income_and_expenses_to_retained_earnings(year, company, accountant, chart):
    pnl_before = profit_and_loss_data(company=company, date_from=day(2025, 1, 1), date_to=YEAR_END)
    sheet_before = balance_sheet_data(company=company, date=YEAR_END)
    assert pnl_before["result"] == D("1100.00")
    close_all_periods(year, accountant)
    year = fiscal_year_close(fiscal_year=year, actor=accountant)
    assert year.status == PeriodStatus.CLOSED
    entry = year.closing_entry
    assert (entry.date, entry.status, entry.is_closing, entry.period.start) == (
        YEAR_END, EntryStatus.POSTED, True, day(2025, 12, 1))
    assert sorted((line.account.role, line.debit, line.credit) for line in entry.lines.all()) == [
        ("cogs", D(0), D("1800.00")), ("expenses", D(0), D("500.00")), ("retained_earnings", D(0), D("1100.00")),
        ("revenue", D("3400.00"), D(0))]
    # the profit and loss of the year is unchanged; the balance sheet carries the result in retained earnings
    assert profit_and_loss_data(company=company, date_from=day(2025, 1, 1), date_to=YEAR_END) == pnl_before
    sheet = balance_sheet_data(company=company, date=YEAR_END)
    assert sheet["result"] == D(0)
    assert amounts(sheet["equity"])[chart("retained_earnings").code] == D("1100.00")
    assert sheet["total_assets"] == sheet["total_liabilities_and_equity"] == sheet_before["total_assets"]
    trial = trial_balance_data(company=company, date=YEAR_END)
    assert trial["totals"]["balance"] == D(0)
    assert {r["code"]: r["balance"] for r in trial["rows"]}[chart("revenue").code] == D(0)
    # 2026 starts from the closed books: its P&L is its own, the balance sheet's result only 2026's
    assert balance_sheet_data(company=company, date=day(2026, 1, 31))["result"] == D("50.00")
    assert AuditRecord.objects.filter(action="close", object_id=str(year.pk)).exists()


def test_reopening_the_year_reverses_the_closing_entry(year, company, accountant, manager, chart):
    sheet_before = balance_sheet_data(company=company, date=YEAR_END)
    close_all_periods(year, accountant)
    closing = fiscal_year_close(fiscal_year=year, actor=accountant).closing_entry
    with pytest.raises(Exception, match="finance manager"):
        fiscal_year_reopen(fiscal_year=year, actor=accountant)
    year = fiscal_year_reopen(fiscal_year=year, actor=manager)
    closing.refresh_from_db()
    assert (year.status, year.closing_entry, closing.status) == (PeriodStatus.OPEN, None, EntryStatus.REVERSED)
    mirror = closing.reversed_by
    assert (mirror.date, mirror.is_closing, mirror.total_debit) == (YEAR_END, True, D("3400.00"))
    # as before closing, but for retained earnings now shown at zero (the closing pair cancels on it)
    assert without_zero_rows(balance_sheet_data(company=company, date=YEAR_END)) == without_zero_rows(sheet_before)
    # the periods stay closed; closing again posts a new closing entry
    assert not Period.objects.filter(fiscal_year=year, status=PeriodStatus.OPEN).exists()
    again = fiscal_year_close(fiscal_year=year, actor=accountant).closing_entry
    assert again.pk not in (closing.pk, mirror.pk)
    assert balance_sheet_data(company=company, date=YEAR_END)["result"] == D(0)
    assert JournalEntry.objects.filter(is_closing=True).count() == 3


def test_reports_of_a_closed_year_are_the_same_without_snapshots(year, company, accountant):
    """The closing entry sits in closed December, which snapshots leave it out of: the reports add it back (and
    the profit and loss leaves it out) so the figures equal a plain GROUP BY over every line."""
    dates = [day(2025, 6, 30), day(2025, 12, 30), YEAR_END, day(2026, 1, 31)]

    def figures():
        return ([trial_balance_data(company=company, date=d) for d in dates]
                + [balance_sheet_data(company=company, date=d) for d in dates]
                + [profit_and_loss_data(company=company, date_from=day(2025, 1, 1), date_to=d) for d in dates]
                + [profit_and_loss_data(company=company, date_from=day(2025, 12, 1), date_to=day(2026, 1, 31))])

    close_all_periods(year, accountant)
    fiscal_year_close(fiscal_year=year, actor=accountant)
    with_snapshots = figures()
    assert AccountBalanceSnapshot.objects.filter(company=company).exists()
    # the same books read without any snapshot: every period open in the reports' eyes, every line grouped
    AccountBalanceSnapshot.objects.filter(company=company).delete()
    Period.objects.filter(company=company).update(status=PeriodStatus.OPEN)
    assert figures() == with_snapshots


def test_closing_needs_every_period_closed_and_happens_once(year, company, accountant, manager):
    with pytest.raises(Exception, match="still open") as refused:
        fiscal_year_close(fiscal_year=year, actor=accountant)
    assert refused.value.field == "status"
    assert not JournalEntry.objects.filter(is_closing=True).exists()
    close_all_periods(year, accountant)
    fiscal_year_close(fiscal_year=year, actor=accountant)
    with pytest.raises(Exception, match="close"):
        fiscal_year_close(fiscal_year=year, actor=accountant)
    assert JournalEntry.objects.filter(is_closing=True).count() == 1
    # a period of a closed year is not reopened, and the closing entry is not reversed by hand
    december = Period.objects.get(fiscal_year=year, number=12)
    with pytest.raises(Exception, match="reopen the year"):
        period_reopen(period=december, actor=manager)
    with pytest.raises(Exception, match="closing entry"):
        journal_entry_reverse(entry=FiscalYear.objects.get(pk=year.pk).closing_entry, actor=manager,
                              date=day(2026, 1, 10))


def test_a_year_without_income_or_expenses_closes_without_an_entry(company, accountant, chart, general):
    post_entry(company=company, journal=general, date=day(2024, 3, 1), memo="t", actor=accountant,
               lines=[{"account": chart("bank"), "debit": D(5)}, {"account": chart("equity"), "credit": D(5)}])
    year = FiscalYear.objects.get(company=company, year=2024)
    close_all_periods(year, accountant)
    year = fiscal_year_close(fiscal_year=year, actor=accountant)
    assert (year.status, year.closing_entry) == (PeriodStatus.CLOSED, None)


def test_close_and_reopen_through_the_api_and_the_ui(year, company, accountant, manager, client):
    api = token_client(accountant)
    url = f"/api/v1/erp/fiscal-years/{year.pk}/"
    refused = api.post(url + "close/")
    assert refused.status_code == 409
    assert refused["Content-Type"].startswith("application/problem+json")
    assert refused.json()["errors"][0]["attr"] == "status"
    close_all_periods(year, accountant)
    assert api.get(url).json()["allowed_transitions"] == ["close"]
    closed = api.post(url + "close/")
    assert closed.status_code == 200, closed.content
    body = api.get(url).json()
    assert (body["status"], body["allowed_transitions"]) == ("closed", [])  # reopening is a manager's
    assert body["closing_entry"] == FiscalYear.objects.get(pk=year.pk).closing_entry_id
    assert api.post(url + "reopen/").status_code == 403
    client.force_login(manager)
    page = client.get(reverse("erp:fiscalyear_detail", args=[year.pk])).content.decode()
    assert "Reopen the year" in page
    response = client.post(reverse("erp:fiscalyear_action", args=[year.pk, "reopen"]))
    assert response.status_code in (200, 302)
    assert FiscalYear.objects.get(pk=year.pk).status == PeriodStatus.OPEN
