"""The trial balance page names each account's kind as people say it ("Asset"), while its CSV keeps the stored
value ("asset") that imports and the API use."""

import datetime
from decimal import Decimal

from django.urls import reverse

from apps.erp.services.accounts import account_for, chart_of_accounts_ensure
from apps.erp.services.entries import post_entry
from tests.erp.factories import JournalFactory

D = Decimal
DAY = datetime.date(2026, 3, 10)


def test_the_page_shows_the_kind_label_and_the_csv_its_value(client, company, make_user):
    accountant = make_user(company, "Finance")
    client.force_login(accountant)
    chart_of_accounts_ensure(company=company)
    post_entry(company=company, journal=JournalFactory(company=company), date=DAY, memo="Capital", actor=accountant,
               lines=[{"account": account_for(company=company, rule="bank"), "debit": D("500.00")},
                      {"account": account_for(company=company, rule="equity"), "credit": D("500.00")}])
    page = client.get(reverse("erp:trial_balance"), {"date": "2026-03-31"}).content.decode()
    bank = account_for(company=company, rule="bank")
    assert f"<td>{bank.name}</td><td>Asset</td>" in page
    assert "<td>Equity</td>" in page
    assert "<td>asset</td>" not in page
    csv = client.get(reverse("erp:trial_balance"), {"date": "2026-03-31", "format": "csv"}).content.decode()
    assert f"{bank.code},{bank.name},asset,500.00,0.00,500.00" in csv.splitlines()
