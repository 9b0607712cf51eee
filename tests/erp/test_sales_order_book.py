"""The "Open sales orders" KPI adds the order book in the company's currency: orders in other currencies are
converted at core's rates, a currency without a rate is shown apart (never summed as if it were euros)."""

import datetime
from decimal import Decimal

import pytest

from apps.core.models import ExchangeRate
from apps.erp.models import SalesOrderStatus
from apps.erp.order_book import order_book_in_company_currency
from tests.erp.factories import SalesOrderFactory

D = Decimal


@pytest.fixture
def web_sales(client, sales):
    client.force_login(sales)
    return client


def kpi_text(html: str) -> str:
    start = html.index("Open sales orders")
    return html[start:start + 600]


@pytest.mark.django_db
def test_open_orders_kpi_converts_foreign_currencies_to_the_company_currency(web_sales, company, customer, usd):
    SalesOrderFactory(company=company, customer=customer, status=SalesOrderStatus.CONFIRMED,
                      total_with_tax=D("100.00"))
    SalesOrderFactory(company=company, customer=customer, status=SalesOrderStatus.CONFIRMED, currency=usd,
                      total_with_tax=D("200.00"))
    SalesOrderFactory(company=company, customer=customer, status=SalesOrderStatus.DRAFT, total_with_tax=D("999"))
    ExchangeRate.objects.create(company=company, base=usd, quote=company.currency, date=datetime.date(2020, 1, 1),
                                rate=D("0.90000000"))
    text = kpi_text(web_sales.get("/").content.decode())
    assert "2 · 280.00 EUR" in text  # 100 EUR + 200 USD x 0.9; not 300, and the draft is not in the book
    assert "(no rate)" not in text


@pytest.mark.django_db
def test_open_orders_kpi_shows_a_currency_without_rate_apart(web_sales, company, customer, usd):
    SalesOrderFactory(company=company, customer=customer, status=SalesOrderStatus.CONFIRMED,
                      total_with_tax=D("100.00"))
    SalesOrderFactory(company=company, customer=customer, status=SalesOrderStatus.PARTIALLY_DELIVERED,
                      currency=usd, total_with_tax=D("200.00"))
    text = kpi_text(web_sales.get("/").content.decode())
    assert "2 · 100.00 EUR + 200.00 USD (no rate)" in text


@pytest.mark.django_db
def test_order_book_uses_the_inverse_rate_and_rounds_to_the_company_currency(company, usd):
    ExchangeRate.objects.create(company=company, base=company.currency, quote=usd, date=datetime.date(2026, 1, 1),
                                rate=D("1.10000000"))
    book = order_book_in_company_currency(company=company, date=datetime.date(2026, 2, 1), rows=[
        {"currency": usd.pk, "n": 3, "value": D("100.00")},
        {"currency": company.currency_id, "n": 1, "value": D("5.00")}])
    # 100 / 1.1 = 90.90909091 EUR per the inverse rate, rounded to cents
    assert (book.count, book.total, book.currency, book.unconverted) == (4, D("95.91"), "EUR", [])
    before = order_book_in_company_currency(company=company, date=datetime.date(2025, 12, 31), rows=[
        {"currency": usd.pk, "n": 3, "value": D("100.00")}])
    assert (before.total, before.unconverted) == (D(0), [("USD", D("100.00"))])
