"""The vendor-bill API (API.md: erp/bills/): CRUD, isolation, rights and query counts via the generic mixins; bill
from a purchase order, match / post / release / reverse as actions, 400s naming the field, other companies' records
refused; the open GR/IR report (erp/reports/grir/)."""

from decimal import Decimal

import pytest

from apps.erp.models import VendorBill
from tests.core.factories import PartyFactory
from tests.erp.bills_world import ordered, receive
from tests.erp.factories import BillMatchPolicyFactory, VendorBillFactory, VendorBillLineFactory
from tests.mixins import (
    CompanyOwnedAPIResourceTests,
    DeletableAPIResourceTests,
    FilterableAPIResourceTests,
    token_client,
)

URL = "/api/v1/erp/bills/"
GRIR = "/api/v1/erp/reports/grir/"
D = Decimal


class TestVendorBillAPI(DeletableAPIResourceTests, CompanyOwnedAPIResourceTests, FilterableAPIResourceTests):
    list_url = URL
    factory = VendorBillFactory
    allowed_role, denied_role = "Finance", "Engineering"
    update_payload = {"notes": "Checked against the delivery note"}
    child_factories = [(VendorBillLineFactory, "bill")]
    filter_cases = [({"status": "held"}, {"status": "held"}, {"status": "draft"})]
    max_list_queries = 6  # token, role, membership (core); count, bills, lines

    def create_payload(self, company):
        return {"supplier": PartyFactory(company=company, is_supplier=True).pk, "supplier_reference": "INV-9",
                "lines": [{"description": "Freight", "quantity": "1", "unit_price": "10", "tax_rate": "19"}]}


@pytest.mark.django_db
def test_match_policy_is_one_per_company(company, other_company, make_user, accountant):
    url = "/api/v1/erp/bill-match-policies/"
    finance = token_client(accountant)
    response = finance.post(url, {"price_tolerance_percent": "1.50", "price_tolerance_amount": "25.00"},
                            format="json")
    assert response.status_code == 201, response.content
    assert finance.post(url, {"price_tolerance_percent": "3"}, format="json").status_code == 400
    bad = finance.patch(f"{url}{response.json()['id']}/", {"price_tolerance_percent": "101"}, format="json")
    assert bad.status_code == 400
    assert "price_tolerance_percent" in str(bad.json())
    BillMatchPolicyFactory(company=other_company)
    assert [row["company"] for row in finance.get(url).json()["results"]] == [company.pk]
    engineer = token_client(make_user(company, "Engineering"))
    assert engineer.patch(f"{url}{response.json()['id']}/", {"price_tolerance_percent": "9"},
                          format="json").status_code == 403


@pytest.fixture
def api_finance(accountant):
    return token_client(accountant)


@pytest.mark.django_db
def test_bill_from_purchase_order_match_post_and_reverse(company, user, accountant, api_finance, chart):
    po = ordered(company, user)
    receive(po.world, user, po.order, ["10"])
    response = api_finance.post(f"{URL}from-purchase-order/", {"purchase_order": po.order.pk,
                                                               "supplier_reference": "S-77"}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["party"], body["supplier"], body["purchase_order"], body["supplier_reference"], body["status"]) == (
        po.order.supplier_id, po.order.supplier_id, po.order.pk, "S-77", "draft")
    assert (body["total"], body["total_with_tax"], body["amount_due"]) == ("25.00", "29.75", "0.00")
    assert set(body["allowed_transitions"]) == {"match", "post", "cancel"}
    url = f"{URL}{body['id']}/"
    matched = api_finance.post(f"{url}match/").json()
    assert (matched["status"], matched["lines"][0]["match_note"]) == (
        "draft", "Matched: 10 billed of 10 received, price as ordered.")
    posted = api_finance.post(f"{url}post/").json()
    assert (posted["status"], posted["amount_due"], posted["lines"][0]["grir_amount"]) == ("posted", "29.75", "25.00")
    assert posted["entry_number"].startswith("PUR-")
    assert api_finance.post(f"{url}post/").status_code == 409
    assert api_finance.patch(url, {"notes": "x"}, format="json").status_code == 409
    reversed_ = api_finance.post(f"{url}reverse/", {}, format="json")
    assert reversed_.status_code == 200, reversed_.content
    assert reversed_.json()["status"] == "cancelled"


@pytest.mark.django_db
def test_held_bill_is_released_by_a_manager_only(company, user, accountant, manager, api_finance, chart):
    po = ordered(company, user)
    receive(po.world, user, po.order, ["5"])
    response = api_finance.post(URL, {"supplier": po.order.supplier_id, "purchase_order": po.order.pk, "lines": [
        {"purchase_order_line": po.lines[0].pk, "quantity": "6"}]}, format="json")
    assert response.status_code == 201, response.content
    url = f"{URL}{response.json()['id']}/"
    held = api_finance.post(f"{url}post/").json()
    assert held["status"] == "held"
    assert "billed quantity 6 (this bill 6, other bills 0) exceeds the received quantity 5" in held["hold_reason"]
    assert held["lines"][0]["match_note"].startswith("Held: ")
    assert api_finance.get(URL, {"held": "true"}).json()["count"] == 1
    assert api_finance.get(URL, {"held": "false"}).json()["count"] == 0
    assert api_finance.get(URL, {"purchase_order": po.order.pk}).json()["count"] == 1
    assert api_finance.get(URL, {"supplier": PartyFactory(company=company, is_supplier=True).pk}).json()[
        "count"] == 0
    assert api_finance.post(f"{url}release/", {"reason": "ok"}, format="json").status_code == 403
    api_manager = token_client(manager)
    missing = api_manager.post(f"{url}release/", {}, format="json")
    assert missing.status_code == 400
    assert "reason" in str(missing.json())
    released = api_manager.post(f"{url}release/", {"reason": "Sixth piece accepted."}, format="json")
    assert released.status_code == 200, released.content
    assert (released.json()["status"], released.json()["release_reason"]) == ("posted", "Sixth piece accepted.")


@pytest.mark.django_db
def test_bad_input_answers_400_naming_the_field(company, user, api_finance, other_company, other_user, chart):
    po = ordered(company, user)
    other = ordered(other_company, other_user)
    cases = [
        ({"supplier": po.order.supplier_id, "lines": [{"description": "x", "quantity": "0", "unit_price": "1"}]},
         "lines.0.quantity"),
        ({"supplier": po.order.supplier_id, "purchase_order": po.order.pk,
          "lines": [{"purchase_order_line": other.lines[0].pk, "quantity": "1"}]}, "lines.0.purchase_order_line"),
        ({"supplier": po.order.supplier_id, "purchase_order": other.order.pk, "lines": []}, "purchase_order"),
        ({"supplier": other.order.supplier_id, "lines": []}, "supplier"),
    ]
    for payload, field in cases:
        response = api_finance.post(URL, payload, format="json")
        assert response.status_code == 400, (payload, response.content)
        assert response["Content-Type"].startswith("application/problem+json")
        assert field in str(response.json()), (field, response.json())
    response = api_finance.post(f"{URL}from-purchase-order/", {"purchase_order": other.order.pk}, format="json")
    assert response.status_code == 400
    assert "purchase_order" in str(response.json())
    nothing = api_finance.post(f"{URL}from-purchase-order/", {"purchase_order": po.order.pk}, format="json")
    assert nothing.status_code == 400
    assert "nothing_to_bill" in str(nothing.json())
    assert not VendorBill.objects.filter(company=company).exists()


@pytest.mark.django_db
def test_another_companys_bill_is_404(company, user, other_company, api_finance):
    bill = VendorBillFactory(company=other_company)
    assert api_finance.get(f"{URL}{bill.pk}/").status_code == 404
    assert api_finance.post(f"{URL}{bill.pk}/post/").status_code == 404


@pytest.mark.django_db
def test_grir_report_api(company, user, api_finance, chart):
    po = ordered(company, user)
    receive(po.world, user, po.order, ["10"])
    body = api_finance.get(GRIR).json()
    assert [(r["purchase_order_number"], r["received_value"], r["billed_value"], r["difference"])
            for r in body["received_not_billed"]] == [(po.order.number, "25.00", "0.00", "25.00")]
    assert (body["billed_not_received"], body["totals"]["balance"], body["currency"]) == ([], "25.00", "EUR")
    assert api_finance.get(GRIR, {"supplier": PartyFactory(company=company, is_supplier=True).pk}).json()[
        "received_not_billed"] == []
    assert api_finance.get(GRIR, {"date": "not-a-date"}).status_code == 400
    assert token_client(user).get(GRIR).status_code == 200
