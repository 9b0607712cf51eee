"""The report endpoints as a client generated from the committed openapi.yaml sees them: the trial balance is an
object whose `rows` are [{account, debit, credit, balance, ...}] with `totals`; the profit and loss, the balance
sheet and the inventory valuation parse into their documented models from real responses."""

import datetime
import importlib
from decimal import Decimal

import pytest
from rest_framework.authtoken.models import Token

from apps.erp.services.entries import post_entry
from tests.api.test_generated_client import PACKAGE, DjangoTransport, generated  # noqa: F401  (the fixture)

D = Decimal
DAY = datetime.date(2026, 2, 10)


def call(name: str, client, **query):
    return importlib.import_module(f"{PACKAGE}.api.erp.{name}").sync(client=client, **query)


@pytest.mark.django_db
def test_the_generated_client_reads_every_report(generated, company, accountant, chart, general):  # noqa: F811
    package, _output = generated
    models = importlib.import_module(f"{PACKAGE}.models")
    post_entry(company=company, journal=general, date=DAY, memo="sale", actor=accountant, lines=[
        {"account": chart("receivables"), "debit": D("119")}, {"account": chart("revenue"), "credit": D("100")},
        {"account": chart("tax_payable"), "credit": D("19")}])
    client = package.AuthenticatedClient(base_url="http://testserver", prefix="Token",
                                         token=Token.objects.create(user=accountant).key,
                                         httpx_args={"transport": DjangoTransport()})

    trial = call("erp_reports_trial_balance_retrieve", client, date=DAY)
    assert isinstance(trial, models.TrialBalance)
    assert [(r.code, r.debit, r.credit, r.balance) for r in trial.rows] == [
        (chart("receivables").code, "119.00", "0.00", "119.00"), (chart("tax_payable").code, "0.00", "19.00",
                                                                  "-19.00"),
        (chart("revenue").code, "0.00", "100.00", "-100.00")]
    assert trial.rows[0].account == chart("receivables").pk
    assert (trial.totals.debit, trial.totals.credit, trial.totals.balance) == ("119.00", "119.00", "0.00")

    pnl = call("erp_reports_profit_and_loss_retrieve", client, date_from=datetime.date(2026, 1, 1), date_to=DAY)
    assert isinstance(pnl, models.ProfitAndLoss)
    assert (pnl.result, [r.amount for r in pnl.income], pnl.expenses) == ("100.00", ["100.00"], [])

    sheet = call("erp_reports_balance_sheet_retrieve", client, date=DAY)
    assert isinstance(sheet, models.BalanceSheet)
    assert (sheet.total_assets, sheet.total_liabilities_and_equity, sheet.result) == ("119.00", "119.00", "100.00")

    valuation = call("erp_reports_inventory_valuation_retrieve", client, date=DAY)
    assert isinstance(valuation, models.InventoryValuation)
    assert [c.category for c in valuation.categories] == ["raw_material", "finished_goods", "wip"]
    assert valuation.totals.difference == "0.00"

    problem = call("erp_reports_trial_balance_retrieve", client, company=999999)
    assert isinstance(problem, models.Problem)
    assert (problem.status, problem.errors[0].attr) == (400, "company")
