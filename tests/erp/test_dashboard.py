"""The finance dashboard: revenue by month from the books, receivables overdue, inventory and WIP value, the margin
per product (invoiced revenue against the cost of the goods shipped) on hand-computed examples; the page, its tiles'
links and the home page's revenue chart."""

import datetime
import json
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.core.home import last_months
from apps.erp import dashboard
from apps.erp.choices import PostingRule
from apps.erp.services.accounts import account_for, journal_for
from apps.erp.services.entries import post_entry
from apps.erp.services.invoices import credit_note_create, invoice_create, invoice_post
from apps.scm.choices import LocationKind
from apps.scm.services.locations import virtual_location
from apps.scm.services.stock import stock_move_post
from tests.erp.ar_support import posted_invoice
from tests.scm.factories import LocationFactory, WarehouseFactory

D = Decimal
pytestmark = pytest.mark.django_db


def month_before(day: datetime.date) -> datetime.date:
    return (day.replace(day=1) - datetime.timedelta(days=1)).replace(day=15)


def ship(company, actor, item, quantity: str, cost: str):
    """Receive `quantity` of `item` at `cost` and ship it all to a customer: the cost of goods shipped."""
    store = LocationFactory(company=company, warehouse=WarehouseFactory(company=company), kind=LocationKind.INTERNAL)
    stock_move_post(company=company, item=item, quantity=D(quantity), unit_cost=D(cost), actor=actor,
                    from_location=virtual_location(company=company, kind=LocationKind.SUPPLIER), to_location=store)
    stock_move_post(company=company, item=item, quantity=D(quantity), actor=actor, from_location=store,
                    to_location=virtual_location(company=company, kind=LocationKind.CUSTOMER))


def test_revenue_by_month_is_income_booked_per_month_less_credit_notes(company, accountant, customer, chart):
    today = timezone.localdate()
    months = last_months(3)
    posted_invoice(company, accountant, customer, amount="50.00", invoice_date=month_before(today))
    invoice = posted_invoice(company, accountant, customer, amount="100.00", invoice_date=today)
    invoice_post(invoice=credit_note_create(invoice=invoice, actor=accountant), actor=accountant)  # all of it
    assert dashboard.revenue_by_month(company=company, months=months) == [D(0), D("50.00"), D("0.00")]
    chart_spec = dashboard.revenue_chart(company=company, months=months)
    assert chart_spec["datasets"][0]["data"] == [0.0, 50.0, 0.0]
    assert chart_spec["links"][1] == (f"{reverse('erp:profit_and_loss')}?date_from={months[1].isoformat()}"
                                      f"&date_to={dashboard.month_end(months[1]).isoformat()}")


def test_margin_per_product_is_invoiced_revenue_against_the_value_shipped(company, accountant, customer, product,
                                                                         chart):
    today = timezone.localdate()
    invoice = invoice_create(company=company, actor=accountant, customer=customer, invoice_date=today, lines=[
        {"item": product, "quantity": D(4), "unit_price": D("25.00"), "tax_rate": D(19)},
        {"description": "Freight", "quantity": D(1), "unit_price": D("9.00"), "tax_rate": D(19)}])
    invoice_post(invoice=invoice, actor=accountant)
    ship(company, accountant, product, "4", "15.50")
    [margin] = dashboard.margin_per_product(company=company, date_from=today.replace(day=1), date_to=today)
    # revenue 4 x 25.00 = 100.00 (freight has no item); cost 4 x 15.50 = 62.00; margin 38.00 = 38.0 %
    assert (margin.number, margin.revenue, margin.cost, margin.margin, margin.margin_percent) == (
        product.number, D("100.00"), D("62.00"), D("38.00"), D("38.0"))


def test_wip_is_the_wip_accounts_balance_and_inventory_scms_stock_value(company, accountant, product, chart):
    today = timezone.localdate()
    post_entry(company=company, journal=journal_for(company=company, kind="manufacturing"), date=today,
               memo="Issue to WO", actor=accountant, lines=[
                   {"account": account_for(company=company, rule=PostingRule.WIP), "debit": D("30.00")},
                   {"account": account_for(company=company, rule=PostingRule.INVENTORY), "credit": D("30.00")}])
    store = LocationFactory(company=company, warehouse=WarehouseFactory(company=company), kind=LocationKind.INTERNAL)
    stock_move_post(company=company, item=product, quantity=D(3), unit_cost=D("7.25"), actor=accountant,
                    from_location=virtual_location(company=company, kind=LocationKind.SUPPLIER), to_location=store)
    figures = dashboard.wip_and_inventory(company=company)
    assert figures["wip_value"] == D("30.00")
    assert figures["wip_account"] == account_for(company=company, rule=PostingRule.WIP).pk
    assert figures["inventory_value"] == D("21.75")


def test_the_page_shows_every_tile_with_its_link_and_the_charts(client, company, accountant, customer, chart):
    today = timezone.localdate()
    posted_invoice(company, accountant, customer, amount="80.00", tax_rate="0",
                   invoice_date=today - datetime.timedelta(days=40), payment_terms_days=10)
    client.force_login(accountant)
    response = client.get(reverse("erp:dashboard"))
    assert response.status_code == 200
    html = response.content.decode()
    for testid in ("open-orders", "ar-overdue", "inventory", "wip", "chart-revenue", "chart-margin", "margins"):
        assert f'data-testid="{testid}"' in html
    assert f'href="{reverse("erp:invoice_list")}?overdue=true"' in html
    assert f'href="{reverse("erp:inventory_valuation")}"' in html
    assert "80.00" in html  # the overdue invoice
    revenue = json.loads(html.split('<script id="chart-revenue" type="application/json">')[1].split("</script>")[0])
    assert sum(revenue["datasets"][0]["data"]) == 80.0  # the invoice's month, within the twelve shown


def test_home_shows_the_revenue_chart_to_finance(client, company, accountant, chart):
    client.force_login(accountant)
    response = client.get("/")
    assert response.status_code == 200
    assert "Revenue by month" in response.content.decode()
