"""The sales-order API (API.md: erp/sales-orders/): CRUD, isolation, rights and query counts via the generic
mixins; confirm / cancel as actions (409 with the credit limit named), the PDF."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.core.models import Event
from apps.erp.models import SalesOrder, SalesOrderStatus
from apps.erp.services.sales import sales_order_create
from tests.core.factories import PartyFactory
from tests.crm.factories import CustomerProfileFactory, ReleasedItemFactory
from tests.erp.factories import SalesOrderFactory, SalesOrderLineFactory
from tests.mixins import (
    CompanyOwnedAPIResourceTests,
    DeletableAPIResourceTests,
    FilterableAPIResourceTests,
    token_client,
)

URL = "/api/v1/erp/sales-orders/"
D = Decimal


class TestSalesOrderAPI(DeletableAPIResourceTests, CompanyOwnedAPIResourceTests, FilterableAPIResourceTests):
    list_url = URL
    factory = SalesOrderFactory
    allowed_role, denied_role = "Sales", "Engineering"
    update_payload = {"notes": "Deliver to gate 3"}
    child_factories = [(SalesOrderLineFactory, "order")]
    filter_cases = [({"status": "confirmed"}, {"status": "confirmed"}, {"status": "draft"})]
    max_list_queries = 6  # token, role, membership (core); count, orders, lines

    def create_payload(self, company):
        return {"customer": PartyFactory(company=company, is_customer=True).pk, "notes": "Phone order",
                "lines": [{"item": ReleasedItemFactory(company=company).pk, "quantity": "2", "unit_price": "10",
                           "due_date": "2030-01-15"}]}


@pytest.fixture
def api_sales(sales):
    return token_client(sales)


def _order(company, sales, customer, product, **line):
    return sales_order_create(company=company, actor=sales, customer=customer, lines=[
        {"item": product, "quantity": D("2"), "unit_price": D("50"), "tax_rate": D("0"), **line}])


@pytest.mark.django_db
def test_create_confirm_cancel_and_pdf_through_the_api(api_sales, customer, product):
    response = api_sales.post(URL, {"customer": customer.pk, "lines": [
        {"item": product.pk, "quantity": "3", "unit_price": "12.345", "discount_percent": "10", "tax_rate": "19"}]},
        format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["status"], body["total"], body["total_tax"], body["total_with_tax"]) == (
        "draft", "33.33", "6.33", "39.66")
    assert body["lines"][0]["net"] == "33.33"
    assert body["lines"][0]["item_number"] == "TR-1"
    assert set(body["allowed_transitions"]) == {"confirm", "cancel"}
    url = f"{URL}{body['id']}/"
    confirmed = api_sales.post(f"{url}confirm/")
    assert confirmed.status_code == 200
    assert (confirmed.json()["status"], confirmed.json()["allowed_transitions"]) == ("confirmed", ["cancel"])
    assert Event.objects.filter(name="erp.sales_order.confirmed").count() == 1
    again = api_sales.post(f"{url}confirm/")
    assert again.status_code == 409
    assert again["Content-Type"] == "application/problem+json"
    locked = api_sales.patch(url, {"notes": "too late"}, format="json")
    assert locked.status_code == 409
    assert SalesOrder.objects.get(pk=body["id"]).notes == ""
    pdf = api_sales.get(f"{url}pdf/")
    assert (pdf.status_code, pdf["Content-Type"]) == (200, "application/pdf")
    assert pdf.content.startswith(b"%PDF")
    assert api_sales.post(f"{url}cancel/").json()["status"] == "cancelled"
    assert api_sales.post(f"{url}cancel/").status_code == 409


@pytest.mark.django_db
def test_confirm_over_the_credit_limit_answers_409_naming_limit_and_exposure(api_sales, company, sales, customer,
                                                                            product):
    CustomerProfileFactory(company=company, party=customer, credit_limit=D("99.99"))
    order = _order(company, sales, customer, product)
    response = api_sales.post(f"{URL}{order.pk}/confirm/")
    assert response.status_code == 409
    error = response.json()["errors"][0]
    assert (error["attr"], error["code"]) == ("customer", "credit_limit_exceeded")
    assert "the limit is 99.99 EUR" in error["detail"]
    assert "would be 100.00 EUR" in error["detail"]
    assert SalesOrder.objects.get(pk=order.pk).status == SalesOrderStatus.DRAFT
    assert not Event.objects.filter(name="erp.sales_order.confirmed").exists()


@pytest.mark.django_db
def test_unreleased_item_is_refused_naming_the_line(api_sales, customer, unreleased):
    response = api_sales.post(URL, {"customer": customer.pk, "lines": [
        {"item": unreleased.pk, "quantity": "1", "unit_price": "1"}]}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "lines.0.item"
    assert not SalesOrder.objects.exists()


@pytest.mark.django_db
def test_engineering_may_not_confirm_and_sales_needs_no_more(company, make_user, customer, product, sales):
    order = _order(company, sales, customer, product)
    engineer = token_client(make_user(company, "Engineering"))
    assert engineer.post(f"{URL}{order.pk}/confirm/").status_code == 403
    assert engineer.get(f"{URL}{order.pk}/").json()["allowed_transitions"] == []
    assert SalesOrder.objects.get(pk=order.pk).status == SalesOrderStatus.DRAFT
    manager = token_client(make_user(company, "Manager"))
    assert manager.post(f"{URL}{order.pk}/confirm/").status_code == 200


@pytest.mark.django_db
def test_list_of_orders_with_lines_takes_the_same_queries_for_10_and_100(api_sales, company, sales, customer,
                                                                         product):
    def count(n):
        for _ in range(n - SalesOrder.objects.count()):
            _order(company, sales, customer, product)
        with CaptureQueriesContext(connection) as queries:
            assert len(api_sales.get(URL, {"page_size": 100}).json()["results"]) == n
        # the sales-order queries (count, orders, their lines with items); the rest is authentication and roles
        return len(queries), sum(1 for query in queries.captured_queries if "erp_" in query["sql"])

    assert count(10) == count(100) == (6, 3)



@pytest.mark.django_db
def test_finance_reads_sales_orders_but_neither_writes_nor_confirms_them(company, make_user, customer, product,
                                                                         sales):
    order = _order(company, sales, customer, product)
    finance = token_client(make_user(company, "Finance"))
    detail = finance.get(f"{URL}{order.pk}/")
    assert detail.status_code == 200
    assert detail.json()["allowed_transitions"] == []
    assert finance.post(f"{URL}{order.pk}/confirm/").status_code == 403
    assert finance.patch(f"{URL}{order.pk}/", {"notes": "x"}, format="json").status_code == 403
    assert finance.post(URL, {"customer": customer.pk, "lines": [
        {"item": product.pk, "quantity": "1", "unit_price": "1"}]}, format="json").status_code == 403
    assert SalesOrder.objects.get(pk=order.pk).status == SalesOrderStatus.DRAFT
