"""The finance dashboard screen: tiles for revenue by month, open orders, receivables overdue, inventory and WIP
value and the margin per product, each linking to the list or report it sums."""

from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone

from apps.core.home import last_months
from apps.core.models import Company
from apps.core.ui.display import format_number
from apps.core.ui.views import role_required
from apps.erp import dashboard
from apps.erp.aging import overdue_receivables
from apps.erp.dashboard import link as _url
from apps.erp.home import open_order_book

PERMISSION = "erp.view_journalentry"


def margin_chart(*, company: Company, margins: list[dashboard.ProductMargin]) -> dict:
    """Chart.js spec: revenue and cost of the top products; a bar opens the product."""
    return {"type": "bar", "unit": company.currency.code, "labels": [m.number for m in margins],
            "datasets": [{"label": "Revenue", "data": [float(m.revenue) for m in margins]},
                         {"label": "Cost of goods shipped", "data": [float(m.cost) for m in margins]}],
            "links": [_url("plm:item_detail", args=[m.item_id]) for m in margins]}


@role_required(PERMISSION)
def finance_dashboard(request):
    """Revenue by month, open orders, receivables overdue, inventory and WIP value, margin per product over the
    last twelve months; every tile links to its filtered list or report."""
    company = get_object_or_404(Company.objects.select_related("currency"), pk=request.company_id)
    today = timezone.localdate()
    months = last_months(12)
    overdue = overdue_receivables(company=company, date=today)
    stock = dashboard.wip_and_inventory(company=company)
    margins = dashboard.margin_per_product(company=company, date_from=months[0], date_to=today)

    def money(amount) -> str:
        return f"{format_number(amount, 2)} {company.currency.code}"

    wip_url = (_url("erp:general_ledger", account=stock["wip_account"]) if stock["wip_account"]
               else reverse("erp:account_list"))
    tiles = [
        {"label": "Open sales orders", "value": open_order_book(request), "testid": "open-orders",
         "help": "Confirmed, not yet invoiced: count · total with tax",
         "url": _url("erp:salesorder_list", status__in="confirmed,partially_delivered,delivered")},
        {"label": "Receivables overdue", "testid": "ar-overdue",
         "value": money(overdue),
         "help": "Still due on posted invoices past their due date (AR aging)",
         "url": _url("erp:invoice_list", overdue="true")},
        {"label": "Inventory value", "value": money(stock["inventory_value"]), "testid": "inventory",
         "help": "SCM's stock at moving-average cost", "url": reverse("erp:inventory_valuation")},
        {"label": "Work in progress", "value": money(stock["wip_value"]), "testid": "wip",
         "help": "Balance of the WIP account", "url": wip_url},
    ]
    charts = [
        {"dom_id": "chart-revenue", "testid": "chart-revenue", "label": "Revenue by month",
         "data": dashboard.revenue_chart(company=company, months=months)},
        {"dom_id": "chart-margin", "testid": "chart-margin", "label": "Margin per product (top 10 by revenue)",
         "data": margin_chart(company=company, margins=margins)},
    ]
    return render(request, "erp/dashboard.html", {
        "title": "Finance dashboard", "tiles": tiles, "charts": charts, "margins": margins,
        "currency": company.currency.code, "date_from": months[0], "today": today})
