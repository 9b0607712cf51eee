"""The invoice and payment API (API.md: erp/invoices/, erp/payments/): CRUD, isolation, rights and query counts via
the generic mixins; post / cancel / credit / reverse as actions, 400s naming the field, another company's ids, the
filters, from a sales order, the PDF."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.erp.models import Invoice, Payment
from tests.core.factories import PartyFactory
from tests.erp.ar_support import confirmed_order, posted_invoice, shipped_event
from tests.erp.factories import InvoiceFactory, InvoiceLineFactory, PaymentFactory
from tests.mixins import (
    CompanyOwnedAPIResourceTests,
    DeletableAPIResourceTests,
    FilterableAPIResourceTests,
    token_client,
)

INVOICES, PAYMENTS = "/api/v1/erp/invoices/", "/api/v1/erp/payments/"
D = Decimal
DAY = datetime.date(2026, 3, 10)


class TestInvoiceAPI(DeletableAPIResourceTests, CompanyOwnedAPIResourceTests, FilterableAPIResourceTests):
    list_url = INVOICES
    factory = InvoiceFactory
    allowed_role, denied_role = "Finance", "Engineering"
    update_payload = {"notes": "Pay by transfer"}
    child_factories = [(InvoiceLineFactory, "invoice")]
    filter_cases = [({"status": "posted"}, {"status": "posted"}, {"status": "draft"})]
    max_list_queries = 6  # token, role, membership (core); count, invoices, lines

    def create_payload(self, company):
        return {"customer": PartyFactory(company=company, is_customer=True).pk, "notes": "Repair",
                "lines": [{"description": "Repair", "quantity": "2", "unit_price": "10"}]}


class TestPaymentAPI(DeletableAPIResourceTests, CompanyOwnedAPIResourceTests, FilterableAPIResourceTests):
    list_url = PAYMENTS
    factory = PaymentFactory
    allowed_role, denied_role = "Finance", "Engineering"
    update_payload = {"reference": "BANK-7"}
    filter_cases = [({"direction": "paid"}, {"direction": "paid"}, {"direction": "received"})]
    max_list_queries = 6

    def create_payload(self, company):
        return {"direction": "received", "party": PartyFactory(company=company, is_customer=True).pk,
                "amount": "25.00"}


@pytest.fixture
def finance(accountant):
    return token_client(accountant)


def errors(response) -> list:
    assert response["Content-Type"].startswith("application/problem+json"), response.content
    return [(e["attr"], e["code"]) for e in response.json()["errors"]]


@pytest.mark.django_db
def test_create_post_credit_and_pay_through_the_api(finance, company, customer, product, chart):
    response = finance.post(INVOICES, {"customer": customer.pk, "invoice_date": DAY.isoformat(), "lines": [
        {"item": product.pk, "quantity": "3", "unit_price": "12.345", "discount_percent": "10", "tax_rate": "19"},
        {"description": "Freight", "quantity": "1", "unit_price": "20", "tax_rate": "19"}]}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["status"], body["party"], body["customer"], body["total"], body["total_with_tax"],
            body["due_date"], body["allowed_transitions"]) == (
        "draft", customer.pk, customer.pk, "53.33", "63.46", "2026-04-09", ["post", "cancel"])
    url = f"{INVOICES}{body['id']}/"
    posted = finance.post(f"{url}post/")
    assert posted.status_code == 200, posted.content
    assert (posted.json()["number"], posted.json()["amount_due"], posted.json()["status"]) == (
        "INV-2026-00001", "63.46", "posted")
    assert finance.post(f"{url}post/").status_code == 409
    assert finance.get(f"{url}pdf/")["Content-Type"] == "application/pdf"
    first_line = posted.json()["lines"][0]["id"]
    too_much = finance.post(f"{url}credit/", {"lines": [{"line": first_line, "quantity": "4"}]}, format="json")
    assert too_much.status_code == 400
    assert errors(too_much) == [("lines.0.quantity", "more_than_invoiced")]
    credit = finance.post(f"{url}credit/", {"lines": [{"line": first_line, "quantity": "1"}],
                                            "invoice_date": DAY.isoformat()}, format="json")
    assert credit.status_code == 200, credit.content
    assert (credit.json()["kind"], credit.json()["credited_invoice"], credit.json()["total_with_tax"]) == (
        "credit_note", body["id"], "13.22")

    payment = finance.post(PAYMENTS, {"direction": "received", "party": customer.pk, "amount": "60.00",
                                      "payment_date": DAY.isoformat(),
                                      "lines": [{"invoice": body["id"], "amount": "60.00"}]}, format="json")
    assert payment.status_code == 201, payment.content
    assert (payment.json()["total"], payment.json()["lines"][0]["invoice_number"]) == ("60.00", "INV-2026-00001")
    pay_url = f"{PAYMENTS}{payment.json()['id']}/"
    assert finance.post(f"{pay_url}post/").json()["status"] == "posted"
    assert finance.get(url).json()["amount_due"] == "3.46"
    assert finance.post(f"{pay_url}reverse/", {}, format="json").json()["status"] == "reversed"
    assert finance.post(f"{pay_url}reverse/", {}, format="json").status_code == 409
    assert finance.get(url).json()["amount_due"] == "63.46"


@pytest.mark.django_db
def test_bad_input_answers_400_naming_the_field(finance, company, other_company, customer, make_user):
    stranger = PartyFactory(company=other_company, is_customer=True)
    cases = [
        ({"customer": customer.pk, "lines": [{"description": "A", "quantity": "0", "unit_price": "1"}]},
         "lines.0.quantity"),
        ({"customer": customer.pk, "lines": [{"quantity": "1", "unit_price": "1"}]}, "lines.0.description"),
        ({"customer": stranger.pk, "lines": [{"description": "A", "quantity": "1", "unit_price": "1"}]}, "customer"),
        ({"customer": customer.pk, "lines": []}, "lines"),
    ]
    for payload, field in cases:
        response = finance.post(INVOICES, payload, format="json")
        assert response.status_code == 400, payload
        assert errors(response)[0][0] == field, response.json()
    invoice = posted_invoice(company, make_user(company, "Finance"), customer, amount="10.00")
    theirs = posted_invoice(other_company, make_user(other_company, "Finance"), stranger)
    assert finance.get(f"{INVOICES}{theirs.pk}/").status_code == 404
    assert finance.post(f"{INVOICES}{theirs.pk}/post/").status_code == 404
    for lines, field, code in (
            ([{"invoice": theirs.pk, "amount": "1.00"}], "lines.0.invoice", "does_not_exist"),
            ([{"invoice": invoice.pk, "amount": "11.91"}], "lines.0.amount", "more_than_due"),
            ([{"invoice": invoice.pk, "amount": "5.00"}], "lines", "over_allocated")):
        response = finance.post(PAYMENTS, {"direction": "received", "party": customer.pk, "amount": "4.00",
                                           "lines": lines}, format="json")
        assert response.status_code == 400, lines
        assert errors(response)[0] == (field, code), response.json()
    assert not Payment.objects.exists()


@pytest.mark.django_db
def test_filters_overdue_customer_and_dates(finance, company, accountant, customer):
    other = PartyFactory(company=company, is_customer=True)
    late = posted_invoice(company, accountant, customer, invoice_date=DAY, payment_terms_days=10)
    not_due = posted_invoice(company, accountant, other, invoice_date=timezone.localdate(), payment_terms_days=30)

    def ids(**query):
        return {row["id"] for row in finance.get(INVOICES, query).json()["results"]}

    assert ids(overdue="true") == {late.pk}
    assert ids(customer=other.pk) == {not_due.pk}
    assert ids(party=customer.pk) == {late.pk}
    assert ids(invoice_date_to=DAY.isoformat()) == {late.pk}
    assert ids(due_date_from="2026-03-20", due_date_to="2026-03-20") == {late.pk}


@pytest.mark.django_db
def test_from_sales_order(finance, company, sales, customer, product):
    from apps.erp.services.sales import sales_order_record_shipment

    order = confirmed_order(company, sales, customer, product)
    response = finance.post(f"{INVOICES}from-sales-order/", {"sales_order": order.pk}, format="json")
    assert response.status_code == 409
    sales_order_record_shipment(event=shipped_event(order, [(product, "2")]))
    response = finance.post(f"{INVOICES}from-sales-order/", {"sales_order": order.pk}, format="json")
    assert response.status_code == 201, response.content
    assert (response.json()["sales_order_number"], response.json()["lines"][0]["quantity"]) == (order.number,
                                                                                               "2.0000")
    assert Invoice.objects.get().sales_order == order
