"""Browser screens of the stock half of SCM: resources, overview, stock card, transfer/adjust forms, counts."""

from decimal import Decimal

import pytest
from django.urls import reverse

from apps.scm.models import CycleCount, StockMove, StockQuant
from apps.scm.services.locations import virtual_location
from apps.scm.services.stock import cycle_count_create, stock_move_post
from tests.mixins import CompanyOwnedUIResourceTests, CreatableUIResourceTests, EditableUIResourceTests
from tests.plm.factories import ItemFactory
from tests.scm.factories import LocationFactory, LotFactory, WarehouseFactory

D = Decimal


class TestWarehouseUI(CreatableUIResourceTests, EditableUIResourceTests, CompanyOwnedUIResourceTests):
    url_prefix = "scm:warehouse"
    factory = WarehouseFactory
    create_form_data = {"code": "UIWH", "name": "UI warehouse", "is_active": "on"}
    update_form_data = {"code": "UIWH2", "name": "Renamed", "is_active": "on"}
    allowed_role, denied_role = "Warehouse", "Sales"


class TestLocationUI(CreatableUIResourceTests, EditableUIResourceTests, CompanyOwnedUIResourceTests):
    url_prefix = "scm:location"
    factory = LocationFactory
    allowed_role, denied_role = "Warehouse", "Sales"

    def create_form_data(self, company):
        return {"warehouse": WarehouseFactory(company=company).pk, "code": "UI/BIN", "name": "UI bin",
                "kind": "internal", "is_active": "on"}

    def update_form_data(self, company):
        return {"warehouse": WarehouseFactory(company=company).pk, "code": "UI/BIN2", "name": "Bin 2",
                "kind": "internal", "is_active": "on"}


class TestLotUI(CreatableUIResourceTests, EditableUIResourceTests, CompanyOwnedUIResourceTests):
    url_prefix = "scm:lot"
    factory = LotFactory
    allowed_role, denied_role = "Warehouse", "Sales"

    def create_form_data(self, company):
        return {"item": ItemFactory(company=company, tracking="lot").pk, "code": "UI-LOT"}

    def update_form_data(self, company):
        return {"item": ItemFactory(company=company, tracking="lot").pk, "code": "UI-LOT2",
                "expires_on": "2030-01-01"}


@pytest.fixture
def stocked(company, user):
    item = ItemFactory(company=company, number="UI-ITEM")
    bin_a = LocationFactory(company=company, code="UI-A")
    stock_move_post(company=company, item=item, quantity=D(10), unit_cost=D(1), to_location=bin_a,
                    from_location=virtual_location(company=company, kind="supplier"), actor=user)
    return item, bin_a


@pytest.mark.parametrize("by", ["item", "location", "lot"])
def test_stock_overview_groups(web, stocked, by):
    response = web.get(reverse("scm:stock_overview"), {"by": by})
    assert response.status_code == 200
    if by == "lot":
        assert response.context["rows"] == []
    else:
        [row] = response.context["rows"]
        assert row["on_hand_total"] == D(10)


def test_stock_overview_hides_other_company(web, other_company, other_user):
    item = ItemFactory(company=other_company)
    stock_move_post(company=other_company, item=item, quantity=D(1), to_location=LocationFactory(
        company=other_company), from_location=virtual_location(company=other_company, kind="supplier"),
        actor=other_user)
    assert web.get(reverse("scm:stock_overview")).context["rows"] == []


def test_stock_card_shows_running_balance(web, company, user, stocked):
    item, bin_a = stocked
    stock_move_post(company=company, item=item, quantity=D(4), from_location=bin_a,
                    to_location=virtual_location(company=company, kind="customer"), actor=user)
    response = web.get(reverse("scm:stock_card", args=[item.pk]))
    assert response.status_code == 200
    assert [m.balance for m in response.context["moves"]] == [D(10), D(6)]
    assert b'data-testid="stock-card"' in response.content


def test_transfer_form_posts_a_move(web, company, stocked):
    item, bin_a = stocked
    bin_b = LocationFactory(company=company, code="UI-B", warehouse=bin_a.warehouse)
    response = web.post(reverse("scm:stock_transfer"), {"item": item.pk, "quantity": "3", "from_location": bin_a.pk,
                                                        "to_location": bin_b.pk, "reference": "UI-T"})
    assert response.status_code == 302
    assert StockQuant.objects.get(item=item, location=bin_b).on_hand == D(3)


def test_transfer_shortage_shows_error_on_quantity(web, company, stocked):
    item, bin_a = stocked
    bin_b = LocationFactory(company=company, code="UI-B", warehouse=bin_a.warehouse)
    count = StockMove.objects.count()
    response = web.post(reverse("scm:stock_transfer"), {"item": item.pk, "quantity": "30",
                                                        "from_location": bin_a.pk, "to_location": bin_b.pk})
    assert response.status_code == 400
    assert "10 available" in str(response.context["form"].errors["quantity"])
    assert StockMove.objects.count() == count


def test_adjustment_form_writes_to_inventory_loss(web, company, stocked):
    item, bin_a = stocked
    response = web.post(reverse("scm:stock_adjust"), {"item": item.pk, "location": bin_a.pk, "direction": "out",
                                                      "quantity": "2", "reason": "Damaged"})
    assert response.status_code == 302
    move = StockMove.objects.latest("id")
    assert (move.to_location.kind, move.reason, move.quantity) == ("inventory_loss", "Damaged", D(2))


def test_sales_role_cannot_open_transfer(client, company, make_user):
    client.force_login(make_user(company, "Sales"))
    assert client.get(reverse("scm:stock_transfer")).status_code == 403
    assert client.get(reverse("scm:stock_overview")).status_code == 200


def test_cycle_count_screen_records_and_posts(web, company, user, stocked):
    item, bin_a = stocked
    count = cycle_count_create(company=company, location=bin_a, actor=user)
    line = count.lines.get()
    assert web.get(reverse("scm:cyclecount_count", args=[count.pk])).status_code == 200
    response = web.post(reverse("scm:cyclecount_count", args=[count.pk]), {f"line-{line.pk}": "12"})
    assert response.status_code == 302
    response = web.post(reverse("scm:cyclecount_action", args=[count.pk, "post"]))
    assert response.status_code == 302
    assert CycleCount.objects.get(pk=count.pk).status == "posted"
    assert StockQuant.objects.get(item=item, location=bin_a).on_hand == D(12)
    assert web.get(reverse("scm:cyclecount_detail", args=[count.pk])).status_code == 200


def test_reservation_create_and_move_list(web, company, stocked):
    item, bin_a = stocked
    response = web.post(reverse("scm:reservation_create"), {"item": item.pk, "location": bin_a.pk,
                                                            "quantity": "20", "reference": "SO-UI"})
    assert response.status_code == 400
    assert "Only 10 of UI-ITEM available" in str(response.context["form"].errors)
    response = web.post(reverse("scm:reservation_create"), {"item": item.pk, "location": bin_a.pk,
                                                            "quantity": "2", "reference": "SO-UI"})
    assert response.status_code == 302
    assert web.get(reverse("scm:stockmove_list")).status_code == 200
    assert web.get(reverse("scm:reservation_list")).status_code == 200
