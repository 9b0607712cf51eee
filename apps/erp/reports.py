"""The reports as plain data (dicts) for the API, the UI and CSV exports."""

import datetime

from django.utils import timezone

from apps.core.models import Company
from apps.erp import selectors


def _row(r: selectors.BalanceRow, statement: bool = False) -> dict:
    data = {"account": r.account, "code": r.code, "name": r.name, "kind": r.kind, "debit": r.debit,
            "credit": r.credit, "balance": r.balance}
    if statement:
        data["amount"] = r.natural_balance
    return data


def trial_balance_data(*, company: Company, date: datetime.date) -> dict:
    report = selectors.trial_balance(company=company, date=date)
    return {"company": company.pk, "currency": company.currency.code, "date": date,
            "rows": [_row(r) for r in report.rows],
            "totals": {"debit": report.total_debit, "credit": report.total_credit, "balance": report.difference}}


def profit_and_loss_data(*, company: Company, date_from: datetime.date, date_to: datetime.date) -> dict:
    pnl = selectors.profit_and_loss(company=company, date_from=date_from, date_to=date_to)
    return {"company": company.pk, "currency": company.currency.code, "date_from": date_from, "date_to": date_to,
            "income": [_row(r, True) for r in pnl.income], "expenses": [_row(r, True) for r in pnl.expenses],
            "total_income": pnl.total_income, "total_expenses": pnl.total_expenses, "result": pnl.result}


def balance_sheet_data(*, company: Company, date: datetime.date) -> dict:
    sheet = selectors.balance_sheet(company=company, date=date)
    return {"company": company.pk, "currency": company.currency.code, "date": date,
            "assets": [_row(r, True) for r in sheet.assets],
            "liabilities": [_row(r, True) for r in sheet.liabilities],
            "equity": [_row(r, True) for r in sheet.equity], "result": sheet.result,
            "total_assets": sheet.total_assets, "total_liabilities": sheet.total_liabilities,
            "total_equity": sheet.total_equity,
            "total_liabilities_and_equity": sheet.total_liabilities_and_equity}


def general_ledger_data(*, account, date_from=None, date_to=None) -> dict:
    opening, rows = selectors.general_ledger(account=account, date_from=date_from, date_to=date_to)
    return {"company": account.company_id, "currency": account.company.currency.code, "account": account.pk,
            "code": account.code, "name": account.name, "opening_balance": opening,
            "closing_balance": rows[-1]["balance"] if rows else opening,
            "rows": [{"line": r["id"], "entry": r["entry_id"], "number": r["entry__number"], "date": r["entry__date"],
                      "memo": r["entry__memo"], "description": r["description"], "party": r["party_id"],
                      "debit": r["debit"], "credit": r["credit"], "balance": r["balance"]} for r in rows]}


def default_range(date_from: datetime.date | None, date_to: datetime.date | None):
    """(from, to): to defaults to today, from to 1 January of to's year."""
    date_to = date_to or timezone.localdate()
    return date_from or datetime.date(date_to.year, 1, 1), date_to
