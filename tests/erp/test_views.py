"""ERP browser screens: the generic resource tests, the entry form with its lines, the post/reverse and
close/reopen buttons, the reports with their CSV exports."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from apps.erp.models import JournalEntry, Period
from apps.erp.services.accounts import account_for, chart_of_accounts_ensure
from apps.erp.services.entries import post_entry
from apps.erp.services.periods import fiscal_year_create
from tests.erp.factories import (
    AccountFactory,
    AccountMappingFactory,
    DepartmentFactory,
    EmployeeFactory,
    FiscalYearFactory,
    JournalEntryFactory,
    JournalFactory,
    JournalLineFactory,
    PeriodFactory,
    TimeOffFactory,
)
from tests.mixins import (
    CompanyOwnedUIResourceTests,
    CreatableUIResourceTests,
    EditableUIResourceTests,
    UIResourceTests,
)

D = Decimal
DAY = datetime.date(2026, 3, 10)


class UI(CreatableUIResourceTests, EditableUIResourceTests, CompanyOwnedUIResourceTests):
    allowed_role, denied_role = "Finance", "Sales"


class TestAccountUI(UI):
    url_prefix = "erp:account"
    factory = AccountFactory
    create_form_data = {"code": "7100", "name": "Freight", "kind": "expense", "is_active": "on"}
    update_form_data = {"code": "7100", "name": "Freight out", "kind": "expense"}


class TestAccountMappingUI(UI):
    url_prefix = "erp:accountmapping"
    factory = AccountMappingFactory

    def create_form_data(self, company):
        return {"rule": "rounding", "account": AccountFactory(company=company).pk}

    def update_form_data(self, company):
        return {"rule": "variance", "account": AccountFactory(company=company).pk}


class TestJournalUI(UI):
    url_prefix = "erp:journal"
    factory = JournalFactory
    create_form_data = {"code": "CSH", "name": "Cash book", "kind": "bank", "is_active": "on"}
    update_form_data = {"code": "CSH", "name": "Petty cash", "kind": "bank"}


class TestJournalEntryUI(UI):
    url_prefix = "erp:journalentry"
    factory = JournalEntryFactory
    inline_prefixes = ["lines"]
    child_factories = [(JournalLineFactory, "entry")]

    def create_form_data(self, company):
        return {"journal": JournalFactory(company=company).pk, "date": "2026-03-10", "memo": "Accrual",
                "lines-TOTAL_FORMS": "2", "lines-0-account": AccountFactory(company=company).pk,
                "lines-0-debit": "40", "lines-1-account": AccountFactory(company=company).pk,
                "lines-1-credit": "40"}

    def update_form_data(self, company):
        return {**self.create_form_data(company), "memo": "Accrual (corrected)"}


class TestFiscalYearUI(CreatableUIResourceTests, CompanyOwnedUIResourceTests):
    allowed_role, denied_role = "Finance", "Sales"
    url_prefix = "erp:fiscalyear"
    factory = FiscalYearFactory
    create_form_data = {"year": "2031"}


class TestPeriodUI(UIResourceTests, CompanyOwnedUIResourceTests):
    allowed_role = "Finance"
    url_prefix = "erp:period"
    factory = PeriodFactory


class TestDepartmentUI(UI):
    url_prefix = "erp:department"
    factory = DepartmentFactory
    create_form_data = {"code": "QA", "name": "Quality"}
    update_form_data = {"code": "QA", "name": "Quality assurance"}


class TestEmployeeUI(UI):
    url_prefix = "erp:employee"
    factory = EmployeeFactory
    create_form_data = {"number": "E-77", "name": "Ada", "hourly_cost": "50.00", "active": "on"}
    update_form_data = {"number": "E-77", "name": "Ada L.", "hourly_cost": "52.00"}


class TestTimeOffUI(UI):
    url_prefix = "erp:timeoff"
    factory = TimeOffFactory

    def create_form_data(self, company):
        return {"employee": EmployeeFactory(company=company).pk, "kind": "sick", "start": "2026-03-02",
                "end": "2026-03-03"}

    def update_form_data(self, company):
        return {**self.create_form_data(company), "note": "Note received"}


# ---- flows on the screens --------------------------------------------------------------------------------------
pytestmark = pytest.mark.django_db


@pytest.fixture
def finance_web(client, company, make_user):
    client.force_login(make_user(company, "Finance"))
    return client


def test_post_and_reverse_buttons(company, finance_web):
    chart_of_accounts_ensure(company=company)
    response = finance_web.post(reverse("erp:journalentry_create"), {
        "journal": JournalFactory(company=company).pk, "date": DAY.isoformat(), "memo": "Capital",
        "lines-TOTAL_FORMS": "2", "lines-INITIAL_FORMS": "0",
        "lines-0-account": account_for(company=company, rule="bank").pk, "lines-0-debit": "500",
        "lines-1-account": account_for(company=company, rule="equity").pk, "lines-1-credit": "500"})
    assert response.status_code == 302, response.content
    entry = JournalEntry.objects.get(company=company, memo="Capital")
    page = finance_web.get(reverse("erp:journalentry_detail", args=[entry.pk]))
    assert b'data-testid="step-post"' in page.content
    assert b'data-testid="entry-lines"' in page.content
    finance_web.post(reverse("erp:journalentry_action", args=[entry.pk, "post"]))
    entry.refresh_from_db()
    assert entry.status == "posted"
    page = finance_web.get(reverse("erp:journalentry_detail", args=[entry.pk]))
    assert b'data-testid="step-reverse"' in page.content
    assert reverse("erp:journalentry_update", args=[entry.pk]).encode() not in page.content
    finance_web.post(reverse("erp:journalentry_action", args=[entry.pk, "reverse"]), {"date": "", "memo": ""})
    entry.refresh_from_db()
    assert entry.status == "reversed"
    assert entry.reversed_by.status == "posted"


def test_an_unbalanced_entry_shows_the_error_on_post(company, finance_web):
    chart_of_accounts_ensure(company=company)
    entry = JournalEntryFactory(company=company)
    JournalLineFactory(entry=entry, account=account_for(company=company, rule="bank"), debit=D(5))
    response = finance_web.post(reverse("erp:journalentry_action", args=[entry.pk, "post"]), follow=True)
    assert b"at least two lines" in response.content
    entry.refresh_from_db()
    assert entry.status == "draft"


def test_close_button_for_finance_and_reopen_for_a_manager_only(company, finance_web, make_user, client):
    fiscal_year_create(company=company, year=2026)
    period = Period.objects.get(company=company, start=datetime.date(2026, 3, 1))
    finance_web.post(reverse("erp:period_action", args=[period.pk, "close"]))
    period.refresh_from_db()
    assert period.status == "closed"
    page = finance_web.get(reverse("erp:period_detail", args=[period.pk]))
    assert b'data-testid="step-reopen"' not in page.content
    client.force_login(make_user(company, "Manager"))
    page = client.get(reverse("erp:period_detail", args=[period.pk]))
    assert b'data-testid="step-reopen"' in page.content
    client.post(reverse("erp:period_action", args=[period.pk, "reopen"]))
    period.refresh_from_db()
    assert period.status == "open"


def test_reports_and_their_csv_exports(company, finance_web, make_user):
    chart_of_accounts_ensure(company=company)
    journal = JournalFactory(company=company)
    post_entry(company=company, journal=journal, date=DAY, memo="Sale", actor=make_user(company, "Finance"),
               lines=[{"account": account_for(company=company, rule="receivables"), "debit": D("1234.50")},
                      {"account": account_for(company=company, rule="revenue"), "credit": D("1234.50")}])
    trial = finance_web.get(reverse("erp:trial_balance"), {"date": "2026-03-31"})
    assert trial.status_code == 200
    assert trial.context["data"]["totals"]["balance"] == 0
    assert b"1,234.50" in trial.content
    csv = finance_web.get(reverse("erp:trial_balance"), {"date": "2026-03-31", "format": "csv"})
    assert csv["Content-Type"].startswith("text/csv")
    assert csv.content.decode().splitlines()[-1] == ",Total,,1234.50,1234.50,0.00"
    pnl = finance_web.get(reverse("erp:profit_and_loss"), {"date_from": "2026-01-01", "date_to": "2026-12-31"})
    assert pnl.context["data"]["result"] == D("1234.50")
    assert finance_web.get(reverse("erp:profit_and_loss"), {"format": "csv", "date_from": "2026-01-01",
                                                            "date_to": "2026-12-31"}).content.decode().splitlines(
                                                            )[-1] == "result,,Result,1234.50"
    sheet = finance_web.get(reverse("erp:balance_sheet"), {"date": "2026-12-31"})
    assert sheet.context["data"]["total_assets"] == sheet.context["data"]["total_liabilities_and_equity"]
    assert finance_web.get(reverse("erp:balance_sheet"), {"format": "csv"}).status_code == 200
    bank = account_for(company=company, rule="receivables")
    ledger = finance_web.get(reverse("erp:general_ledger"), {"account": bank.pk})
    assert ledger.context["data"]["closing_balance"] == D("1234.50")
    assert finance_web.get(reverse("erp:general_ledger"), {"account": bank.pk, "format": "csv"}).status_code == 200
    assert finance_web.get(reverse("erp:general_ledger")).status_code == 200


def test_the_ledger_of_another_companys_account_is_not_offered(company, other_company, finance_web):
    chart_of_accounts_ensure(company=other_company)
    theirs = account_for(company=other_company, rule="bank")
    response = finance_web.get(reverse("erp:general_ledger"), {"account": theirs.pk})
    assert response.status_code == 200
    assert response.context["data"] is None
