"""Inventory valuation vs the inventory accounts on hand-made moves and entries: SCM's stock value per item (done
moves into and out of internal locations, transfers between them neutral, drafts and later moves not counted),
raw material and finished goods against their mapped accounts, the open work orders' WIP against the WIP account,
each difference shown; the API (documented shape, 400 naming the field, another company refused), the page and
its CSV."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.erp.inventory_valuation import inventory_valuation_data
from apps.erp.services.entries import post_entry
from apps.mes.models import WorkOrderCompletion
from apps.scm.choices import LocationKind, MoveStatus
from apps.scm.models import StockMove
from apps.scm.services.locations import virtual_location
from apps.scm.services.stock import stock_move_post
from tests.mes.factories import WorkOrderFactory
from tests.mixins import token_client
from tests.plm.factories import ItemFactory
from tests.scm.factories import LocationFactory

pytestmark = pytest.mark.django_db
D = Decimal
URL = "/api/v1/erp/reports/inventory-valuation/"


@pytest.fixture
def stock(company, user):
    """Bolts: 100 in at 2.00, 30 out to a customer (moving average 2.00), 10 moved between two shelves; gears
    (made): 5 in at 40.00; a draft move of 999 bolts that never counts."""
    supplier = virtual_location(company=company, kind=LocationKind.SUPPLIER)
    customer = virtual_location(company=company, kind=LocationKind.CUSTOMER)
    shelf, other_shelf = LocationFactory(company=company, code="A1"), LocationFactory(company=company, code="A2")
    bolt = ItemFactory(company=company, number="BOLT", name="Bolt")
    gear = ItemFactory(company=company, number="GEAR", made=True)
    stock_move_post(company=company, item=bolt, quantity=D(100), from_location=supplier, to_location=shelf,
                    unit_cost=D(2), actor=user)
    stock_move_post(company=company, item=bolt, quantity=D(30), from_location=shelf, to_location=customer,
                    actor=user)
    stock_move_post(company=company, item=bolt, quantity=D(10), from_location=shelf, to_location=other_shelf,
                    actor=user)
    stock_move_post(company=company, item=gear, quantity=D(5), from_location=supplier, to_location=shelf,
                    unit_cost=D(40), actor=user)
    StockMove.objects.create(company=company, item=bolt, quantity=D(999), from_location=supplier, to_location=shelf,
                             unit_cost=D(1), value=D(999), status=MoveStatus.DRAFT)
    return bolt, gear


@pytest.fixture
def books(company, accountant, chart, general):
    """Raw material booked 130 (10 short of SCM's 140), finished goods 200 (equal), WIP 40."""
    for rule, amount in (("inventory", "130"), ("finished_goods", "200"), ("wip", "40")):
        post_entry(company=company, journal=general, date=timezone.localdate(), memo="t", actor=accountant,
                   lines=[{"account": chart(rule), "debit": D(amount)},
                          {"account": chart("grir"), "credit": D(amount)}])
    return chart


@pytest.fixture
def work_orders(company):
    """One in progress holding 100 + 20 + 5 charged of which 80 went on to finished goods (45 left); a completed
    one (not work in progress, whatever its figures)."""
    open_order = WorkOrderFactory(company=company, status="in_progress", material_cost=D(100), labour_cost=D(20),
                                  machine_cost=D(5))
    WorkOrderCompletion.objects.create(work_order=open_order, quantity_good=D(1), total_cost=D(80))
    WorkOrderFactory(company=company, status="completed", material_cost=D(500))


def by_category(data: dict) -> dict:
    return {c["category"]: (c["stock_value"], c["account_balance"], c["difference"]) for c in data["categories"]}


def test_stock_value_against_the_accounts_with_the_differences(company, stock, books, work_orders):
    data = inventory_valuation_data(company=company, date=timezone.localdate())
    assert [(r["number"], r["item_type"], r["quantity"], r["value"]) for r in data["items"]] == [
        ("BOLT", "buy", D("70.0000"), D("140.00")), ("GEAR", "make", D("5.0000"), D("200.00"))]
    assert by_category(data) == {"raw_material": (D("140.00"), D("130.00"), D("10.00")),
                                 "finished_goods": (D("200.00"), D("200.00"), D("0.00")),
                                 "wip": (D("45.00"), D("40.00"), D("5.00"))}
    assert data["totals"] == {"stock_value": D("385.00"), "account_balance": D("370.00"), "difference": D("15.00")}
    codes = {c["category"]: c["account_code"] for c in data["categories"]}
    assert codes == {"raw_material": books("inventory").code, "finished_goods": books("finished_goods").code,
                     "wip": books("wip").code}


def test_before_the_moves_and_entries_nothing_is_in_stock_or_booked(company, stock, books):
    data = inventory_valuation_data(company=company, date=timezone.localdate() - datetime.timedelta(days=1))
    assert data["items"] == []
    assert data["totals"] == {"stock_value": D(0), "account_balance": D(0), "difference": D(0)}


def test_the_api_answers_the_documented_shape_and_names_a_bad_date(company, stock, books, work_orders, accountant):
    api = token_client(accountant)
    body = api.get(URL, {"date": timezone.localdate().isoformat()}).json()
    assert body["totals"] == {"stock_value": "385.00", "account_balance": "370.00", "difference": "15.00"}
    assert body["items"][0] == {"item": stock[0].pk, "number": "BOLT", "name": "Bolt", "item_type": "buy",
                                "quantity": "70.0000", "value": "140.00"}
    assert [c["difference"] for c in body["categories"]] == ["10.00", "0.00", "5.00"]
    bad = api.get(URL, {"date": "2026-13-01"})
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["attr"] == "date"


def test_another_companys_valuation_is_refused_naming_the_company(company, other_company, make_user, stock):
    theirs = make_user(other_company, "Finance", username="olaf")
    refused = token_client(theirs).get(URL, {"company": company.pk})
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["attr"] == "company"
    assert token_client(theirs).get(URL).json()["items"] == []  # their own company: no stock


def test_the_page_and_its_csv_show_the_differences(client, accountant, company, stock, books, work_orders):
    client.force_login(accountant)
    page = client.get(reverse("erp:inventory_valuation")).content.decode()
    assert 'data-testid="difference-raw_material">10.00' in page
    assert 'data-testid="difference-total">15.00' in page
    assert "BOLT" in page
    csv = client.get(reverse("erp:inventory_valuation"), {"format": "csv"}).content.decode()
    assert "category,raw_material,Raw material" in csv
    assert csv.strip().splitlines()[-1] == "total,,Total,,,385.00,370.00,15.00"
