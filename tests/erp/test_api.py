"""ERP API through the generic mixins (CRUD, company isolation 404, per-company roles: Finance may, Sales may only
read; list query counts with lines), and the contract's actions: post, reverse (409 the second time), close and
reopen (a finance manager), fiscal years, and the reports."""

import datetime
from decimal import Decimal

import pytest

from apps.core.models import AuditRecord
from apps.erp.models import JournalEntry, Period
from apps.erp.services.accounts import account_for, chart_of_accounts_ensure
from apps.erp.services.entries import post_entry
from tests.core.factories import PartyFactory
from tests.erp.factories import (
    AccountFactory,
    AccountMappingFactory,
    DepartmentFactory,
    EmployeeFactory,
    JournalEntryFactory,
    JournalFactory,
    JournalLineFactory,
    PeriodFactory,
    TimeOffFactory,
)
from tests.mixins import (
    CompanyOwnedAPIResourceTests,
    DeletableAPIResourceTests,
    FilterableAPIResourceTests,
    ReadOnlyAPIResourceTests,
    WritableAPIResourceTests,
)

BASE = "/api/v1/erp/"
D = Decimal
DAY = datetime.date(2026, 3, 10)


class Writable(DeletableAPIResourceTests, CompanyOwnedAPIResourceTests):
    allowed_role, denied_role = "Finance", "Sales"


class TestAccountAPI(Writable, FilterableAPIResourceTests):
    list_url = f"{BASE}accounts/"
    factory = AccountFactory
    create_payload = {"code": "7000", "name": "Freight", "kind": "expense"}
    update_payload = {"name": "Freight out"}
    filter_cases = [({"kind": "income"}, {"kind": "income"}, {"kind": "asset"}),
                    ({"search": "Tooling"}, {"name": "Tooling"}, {"name": "Other"})]


class TestAccountMappingAPI(WritableAPIResourceTests, CompanyOwnedAPIResourceTests):
    allowed_role, denied_role = "Finance", "Sales"
    list_url = f"{BASE}account-mappings/"
    factory = AccountMappingFactory

    def create_payload(self, company):
        return {"rule": "rounding", "account": AccountFactory(company=company).pk}

    def update_payload(self, company):
        return {"account": AccountFactory(company=company).pk}


class TestJournalAPI(Writable):
    list_url = f"{BASE}journals/"
    factory = JournalFactory
    create_payload = {"code": "CSH", "name": "Cash book", "kind": "bank"}
    update_payload = {"name": "Petty cash book"}


class TestJournalEntryAPI(Writable, FilterableAPIResourceTests):
    list_url = f"{BASE}journal-entries/"
    factory = JournalEntryFactory
    child_factories = [(JournalLineFactory, "entry")]
    filter_cases = [({"date_from": "2026-06-01"}, {"date": DAY.replace(month=7)}, {"date": DAY}),
                    ({"search": "Freight"}, {"memo": "Freight"}, {"memo": "Rent"})]

    def create_payload(self, company):
        return {"journal": JournalFactory(company=company).pk, "date": "2026-03-10", "memo": "Accrual",
                "lines": [{"account": AccountFactory(company=company).pk, "debit": "12.50"},
                          {"account": AccountFactory(company=company).pk, "credit": "12.50"}]}

    update_payload = {"memo": "Accrual (corrected)"}


class TestPeriodAPI(ReadOnlyAPIResourceTests, CompanyOwnedAPIResourceTests):
    allowed_role = "Finance"
    list_url = f"{BASE}periods/"
    factory = PeriodFactory


class TestDepartmentAPI(Writable):
    list_url = f"{BASE}departments/"
    factory = DepartmentFactory
    create_payload = {"code": "QA", "name": "Quality"}
    update_payload = {"name": "Quality assurance"}


class TestEmployeeAPI(Writable, FilterableAPIResourceTests):
    list_url = f"{BASE}employees/"
    factory = EmployeeFactory
    filter_cases = [({"active": "false"}, {"active": False}, {"active": True})]

    def create_payload(self, company):
        return {"number": "E-9", "name": "Ada Lovelace", "department": DepartmentFactory(company=company).pk,
                "hourly_cost": "51.00"}

    update_payload = {"hourly_cost": "55.00", "active": False}


class TestTimeOffAPI(WritableAPIResourceTests, CompanyOwnedAPIResourceTests):
    allowed_role, denied_role = "Finance", "Sales"
    list_url = f"{BASE}time-off/"
    factory = TimeOffFactory

    def create_payload(self, company):
        return {"employee": EmployeeFactory(company=company).pk, "kind": "sick", "start": "2026-03-02",
                "end": "2026-03-04"}

    update_payload = {"note": "Doctor's note received"}


# ---- workflow and reports --------------------------------------------------------------------------------------
pytestmark = pytest.mark.django_db


@pytest.fixture
def finance_api(company, make_user, api_for):
    return api_for(make_user(company, "Finance"))


def _entry_payload(company, debit="100.00", credit="100.00"):
    chart_of_accounts_ensure(company=company)
    return {"journal": JournalFactory(company=company).pk, "date": DAY.isoformat(), "memo": "Capital",
            "lines": [{"account": account_for(company=company, rule="bank").pk, "debit": debit},
                      {"account": account_for(company=company, rule="equity").pk, "credit": credit,
                       "party": PartyFactory(company=company).pk}]}


def test_an_entry_is_created_posted_and_reversed_once(company, finance_api):
    created = finance_api.post(f"{BASE}journal-entries/", _entry_payload(company), format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["status"] == "draft"
    assert body["allowed_transitions"] == ["post"]
    assert [(line["debit"], line["credit"], line["currency"]) for line in body["lines"]] == [
        ("100.00", "0.00", "EUR"), ("0.00", "100.00", "EUR")]
    url = f"{BASE}journal-entries/{body['id']}/"
    posted = finance_api.post(f"{url}post/")
    assert posted.status_code == 200, posted.content
    assert posted.json()["status"] == "posted"
    assert posted.json()["number"].endswith("-2026-00001")
    assert posted.json()["allowed_transitions"] == ["reverse"]
    assert finance_api.patch(url, {"memo": "x"}, format="json").status_code == 409
    assert finance_api.delete(url).status_code == 409
    assert finance_api.post(f"{url}post/").status_code == 409
    reversed_ = finance_api.post(f"{url}reverse/", {}, format="json")
    assert reversed_.status_code == 200, reversed_.content
    mirror_id = reversed_.json()["reversed_by"]
    assert reversed_.json()["status"] == "reversed"
    again = finance_api.post(f"{url}reverse/", {}, format="json")
    assert again.status_code == 409
    assert again["Content-Type"] == "application/problem+json"
    mirror = finance_api.get(f"{BASE}journal-entries/{mirror_id}/").json()
    assert mirror["reversal_of"] == body["id"]
    assert mirror["allowed_transitions"] == []
    assert mirror["source"] == f"erp.journalentry:{body['id']}"


def test_an_unbalanced_entry_answers_400_naming_lines(company, finance_api):
    created = finance_api.post(f"{BASE}journal-entries/", _entry_payload(company, credit="99.00"), format="json")
    response = finance_api.post(f"{BASE}journal-entries/{created.json()['id']}/post/")
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "lines"
    assert JournalEntry.objects.get(pk=created.json()["id"]).status == "draft"


def test_a_bad_line_answers_400_naming_the_line(company, finance_api):
    payload = _entry_payload(company)
    payload["lines"][1]["credit"] = "-5"
    response = finance_api.post(f"{BASE}journal-entries/", payload, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "lines.1.credit"


def test_close_and_reopen_a_period(company, finance_api, make_user, api_for):
    finance_api.post(f"{BASE}fiscal-years/", {"year": 2026}, format="json")
    period = Period.objects.get(company=company, start=datetime.date(2026, 3, 1))
    url = f"{BASE}periods/{period.pk}/"
    assert finance_api.get(url).json()["allowed_transitions"] == ["close"]
    closed = finance_api.post(f"{url}close/")
    assert closed.status_code == 200
    assert closed.json()["status"] == "closed"
    assert finance_api.get(url).json()["allowed_transitions"] == []
    entry = finance_api.post(f"{BASE}journal-entries/", _entry_payload(company), format="json").json()
    refused = finance_api.post(f"{BASE}journal-entries/{entry['id']}/post/")
    assert refused.status_code == 409
    assert refused.json()["errors"][0]["attr"] == "date"
    assert finance_api.post(f"{url}reopen/").status_code == 403
    manager = api_for(make_user(company, "Manager"))
    assert manager.get(url).json()["allowed_transitions"] == ["reopen"]
    reopened = manager.post(f"{url}reopen/")
    assert reopened.status_code == 200
    assert reopened.json()["status"] == "open"
    assert AuditRecord.objects.filter(object_id=str(period.pk), action="reopen").count() == 1


def test_fiscal_years_create_twelve_periods_once(company, finance_api):
    first = finance_api.post(f"{BASE}fiscal-years/", {"year": 2027}, format="json")
    assert first.status_code == 201, first.content
    assert first.json()["start"] == "2027-01-01"
    assert first.json()["end"] == "2027-12-31"
    assert Period.objects.filter(company=company, fiscal_year_id=first.json()["id"]).count() == 12
    assert finance_api.post(f"{BASE}fiscal-years/", {"year": 1200}, format="json").status_code == 400


def test_reports(company, finance_api, make_user):
    chart_of_accounts_ensure(company=company)
    actor = make_user(company, "Finance")
    journal = JournalFactory(company=company)

    def post(rule_d, rule_c, amount):
        post_entry(company=company, journal=journal, date=DAY, memo="m", actor=actor,
                   lines=[{"account": account_for(company=company, rule=rule_d), "debit": D(amount)},
                          {"account": account_for(company=company, rule=rule_c), "credit": D(amount)}])

    post("bank", "equity", "1000")
    post("receivables", "revenue", "300")
    post("cogs", "finished_goods", "120")
    trial = finance_api.get(f"{BASE}reports/trial-balance/", {"date": "2026-03-31"})
    assert trial.status_code == 200, trial.content
    assert trial.json()["totals"] == {"debit": "1420.00", "credit": "1420.00", "balance": "0.00"}
    assert [r["code"] for r in trial.json()["rows"]] == ["1100", "1200", "1320", "3000", "4000", "5000"]
    pnl = finance_api.get(f"{BASE}reports/profit-and-loss/", {"date_from": "2026-01-01", "date_to": "2026-12-31"})
    assert pnl.json()["result"] == "180.00"
    sheet = finance_api.get(f"{BASE}reports/balance-sheet/", {"date": "2026-12-31"}).json()
    assert sheet["total_assets"] == sheet["total_liabilities_and_equity"] == "1180.00"
    assert sheet["result"] == "180.00"
    bank = account_for(company=company, rule="bank")
    ledger = finance_api.get(f"{BASE}reports/general-ledger/", {"account": bank.pk}).json()
    assert ledger["closing_balance"] == "1000.00"
    assert len(ledger["rows"]) == 1
    assert finance_api.get(f"{BASE}reports/trial-balance/", {"date": "2026-13-01"}).status_code == 400
    assert finance_api.get(f"{BASE}reports/profit-and-loss/",
                           {"date_from": "2026-12-01", "date_to": "2026-01-01"}).status_code == 400


def test_reports_are_per_company(company, other_company, make_user, api_for):
    stranger = api_for(make_user(other_company, "Finance"))
    chart_of_accounts_ensure(company=company)
    bank = account_for(company=company, rule="bank")
    assert stranger.get(f"{BASE}reports/trial-balance/", {"company": company.pk}).status_code == 400
    assert stranger.get(f"{BASE}reports/general-ledger/", {"account": bank.pk}).status_code == 400
    engineer = api_for(make_user(company, "Engineering"))
    assert engineer.get(f"{BASE}reports/trial-balance/").status_code == 200  # every role reads ERP (READ_ALL)
