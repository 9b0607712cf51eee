"""ERP report screens (trial balance, profit and loss, balance sheet, general ledger), each with a CSV export
(`?format=csv`) of what it shows; amounts in the active company's currency."""

import csv

from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from apps.core.models import Company
from apps.core.scoping import scope_to_active_company
from apps.core.ui.views import role_required
from apps.erp import forms, reports
from apps.erp.choices import AccountKind
from apps.erp.inventory_valuation import inventory_valuation_data
from apps.erp.models import Account

PERMISSION = "erp.view_journalentry"


def _csv(filename: str, header: list[str], rows) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow(header)
    writer.writerows(rows)
    return response


def _company(request) -> Company:
    return get_object_or_404(Company.objects.select_related("currency"), pk=request.company_id)


def _statement_rows(section: str, rows: list[dict]):
    return [[section, r["code"], r["name"], r["amount"]] for r in rows]


@role_required(PERMISSION)
def trial_balance(request):
    """Every account's debits, credits and balance up to a date."""
    form = forms.AtDateForm(request.GET or None)
    date = (form.cleaned_data.get("date") if form.is_valid() else None) or timezone.localdate()
    data = reports.trial_balance_data(company=_company(request), date=date)
    if request.GET.get("format") == "csv":
        rows = [[r["code"], r["name"], r["kind"], r["debit"], r["credit"], r["balance"]] for r in data["rows"]]
        rows.append(["", "Total", "", data["totals"]["debit"], data["totals"]["credit"], data["totals"]["balance"]])
        return _csv(f"trial-balance-{date.isoformat()}.csv", ["code", "account", "kind", "debit", "credit",
                                                               "balance"], rows)
    kinds = dict(AccountKind.choices)  # the page says "Asset"; the CSV and the API keep the value "asset"
    rows = [{**r, "kind_label": kinds.get(r["kind"], r["kind"])} for r in data["rows"]]
    return render(request, "erp/trial_balance.html", {"title": "Trial balance", "form": form,
                                                      "data": {**data, "rows": rows}})


@role_required(PERMISSION)
def profit_and_loss(request):
    """Income, expenses and the result of a date range."""
    form = forms.RangeForm(request.GET or None)
    cleaned = form.cleaned_data if form.is_valid() else {}
    date_from, date_to = reports.default_range(cleaned.get("date_from"), cleaned.get("date_to"))
    data = reports.profit_and_loss_data(company=_company(request), date_from=date_from, date_to=date_to)
    if request.GET.get("format") == "csv":
        rows = [*_statement_rows("income", data["income"]), *_statement_rows("expenses", data["expenses"]),
                ["result", "", "Result", data["result"]]]
        return _csv(f"profit-and-loss-{date_from.isoformat()}-{date_to.isoformat()}.csv",
                    ["section", "code", "account", "amount"], rows)
    return render(request, "erp/profit_and_loss.html", {"title": "Profit and loss", "form": form, "data": data})


@role_required(PERMISSION)
def balance_sheet(request):
    """Assets, liabilities, equity and the current result at a date."""
    form = forms.AtDateForm(request.GET or None)
    date = (form.cleaned_data.get("date") if form.is_valid() else None) or timezone.localdate()
    data = reports.balance_sheet_data(company=_company(request), date=date)
    if request.GET.get("format") == "csv":
        rows = [*_statement_rows("assets", data["assets"]), *_statement_rows("liabilities", data["liabilities"]),
                *_statement_rows("equity", data["equity"]), ["equity", "", "Current result", data["result"]]]
        return _csv(f"balance-sheet-{date.isoformat()}.csv", ["section", "code", "account", "amount"], rows)
    return render(request, "erp/balance_sheet.html", {"title": "Balance sheet", "form": form, "data": data})


@role_required(PERMISSION)
def general_ledger(request):
    """One account's booked lines with the running balance."""
    accounts = scope_to_active_company(Account.objects.all(), request).order_by("code")
    form = forms.LedgerForm(request.GET or None)
    form.fields["account"].queryset = accounts
    data = None
    if form.is_valid():
        data = reports.general_ledger_data(account=form.cleaned_data["account"],
                                           date_from=form.cleaned_data.get("date_from"),
                                           date_to=form.cleaned_data.get("date_to"))
        if request.GET.get("format") == "csv":
            rows = [[r["date"], r["number"], r["memo"], r["description"], r["debit"], r["credit"], r["balance"]]
                    for r in data["rows"]]
            return _csv(f"ledger-{data['code']}.csv", ["date", "entry", "memo", "description", "debit", "credit",
                                                       "balance"], rows)
    return render(request, "erp/general_ledger.html", {"title": "General ledger", "form": form, "data": data})


@role_required(PERMISSION)
def inventory_valuation(request):
    """SCM's stock value against the inventory accounts at a date, with the differences."""
    form = forms.AtDateForm(request.GET or None)
    date = (form.cleaned_data.get("date") if form.is_valid() else None) or timezone.localdate()
    data = inventory_valuation_data(company=_company(request), date=date)
    if request.GET.get("format") == "csv":
        rows = [["item", r["number"], r["name"], r["item_type"], r["quantity"], r["value"], "", ""]
                for r in data["items"]]
        rows += [["category", c["category"], c["label"], c["account_code"], "", c["stock_value"],
                  c["account_balance"], c["difference"]] for c in data["categories"]]
        rows.append(["total", "", "Total", "", "", data["totals"]["stock_value"], data["totals"]["account_balance"],
                     data["totals"]["difference"]])
        return _csv(f"inventory-valuation-{date.isoformat()}.csv", ["row", "number", "name", "type / account",
                                                                     "quantity", "stock value", "account balance",
                                                                     "difference"], rows)
    return render(request, "erp/inventory_valuation.html", {"title": "Inventory valuation", "form": form,
                                                            "data": data})
