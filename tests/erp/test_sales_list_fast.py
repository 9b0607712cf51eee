"""The fast read path of the sales-order list gives exactly the JSON of `SalesOrderSerializer` (every field and
format: decimals, dates, datetimes, nulls, quote number, allowed transitions per status and role), in the same
number of queries for 10 and 100 orders; the schema of the list is still the serializer's."""

import datetime
from decimal import Decimal

import pytest
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from apps.erp.api.sales import SalesOrderSerializer, SalesOrderViewSet
from apps.erp.models import SalesOrder, SalesOrderStatus
from apps.erp.services.sales import sales_order_cancel, sales_order_confirm, sales_order_create
from tests.crm.factories import ReleasedItemFactory
from tests.mixins import token_client

pytestmark = pytest.mark.django_db
URL = "/api/v1/erp/sales-orders/"
D = Decimal


def old_representation(user, pks: list[int]) -> list[dict]:
    """What the list answered before: the serializer over the viewset's queryset (the detail's path)."""
    request = Request(APIRequestFactory().get(URL))
    request.user = user
    view = SalesOrderViewSet(action_map={"get": "list"}, request=request, format_kwarg=None, action="list",
                             kwargs={})
    orders = {o.pk: o for o in SalesOrderViewSet.queryset.filter(pk__in=pks)}
    return SalesOrderSerializer([orders[pk] for pk in pks], many=True,
                                context={"request": request, "view": view, "format": None}).data


@pytest.fixture
def orders(company, sales, customer, product, usd, warehouse):
    other_item = ReleasedItemFactory(company=company, number="GEAR-9")
    made = [sales_order_create(company=company, actor=sales, customer=customer, notes="plain", lines=[
        {"item": product, "quantity": D("2.5"), "unit_price": D("12.3456"), "discount_percent": D("7.5"),
         "tax_rate": D("19")},
        {"item": other_item, "quantity": D("1"), "unit_price": D("0"), "tax_rate": D("0"),
         "due_date": datetime.date(2031, 2, 3), "description": "free sample"}])]
    made.append(sales_order_create(company=company, actor=sales, customer=customer, currency=usd,
                                   warehouse=warehouse, requested_delivery_date=datetime.date(2030, 5, 6),
                                   lines=[{"item": product, "quantity": D("1000000"), "unit_price": D("0.0001")}]))
    confirmed = sales_order_create(company=company, actor=sales, customer=customer,
                                   lines=[{"item": product, "quantity": D(3), "unit_price": D(9)}])
    made.append(sales_order_confirm(sales_order=confirmed, actor=sales))
    cancelled = sales_order_create(company=company, actor=sales, customer=customer,
                                   lines=[{"item": product, "quantity": D(1), "unit_price": D(1)}])
    made.append(sales_order_cancel(sales_order=cancelled, actor=sales))
    return made


@pytest.mark.parametrize("role", ["Sales", "Finance", "Admin"])
def test_fast_list_equals_the_serializer_field_for_field(orders, company, make_user, role):
    user = make_user(company, role, username=f"u-{role.lower()}")
    body = token_client(user).get(URL, {"page_size": 100}).json()
    assert body["count"] == 4
    assert body["results"] == old_representation(user, [row["id"] for row in body["results"]])
    by_status = {row["status"]: row for row in body["results"]}
    assert set(by_status) == {SalesOrderStatus.DRAFT, SalesOrderStatus.CONFIRMED, SalesOrderStatus.CANCELLED}
    assert by_status["confirmed"]["confirmed_at"].endswith("Z")
    assert by_status["cancelled"]["allowed_transitions"] == []


def test_fast_list_shows_the_formats_as_the_serializer_does(orders, sales):
    results = token_client(sales).get(URL, {"ordering": "number"}).json()["results"]
    first = results[0]
    assert first["lines"][0]["quantity"] == "2.5000"
    assert first["lines"][0]["unit_price"] == "12.3456"
    assert first["lines"][1]["due_date"] == "2031-02-03"
    assert first["lines"][1]["item_number"] == "GEAR-9"
    assert results[1]["currency"] == "USD"
    assert results[1]["requested_delivery_date"] == "2030-05-06"
    assert first["allowed_transitions"] == ["confirm", "cancel"]
    assert (first["quote"], first["quote_number"], first["confirmed_at"]) == (None, None, None)


def test_fast_list_keeps_filters_search_and_pagination(orders, sales):
    client = token_client(sales)
    assert [o["status"] for o in client.get(URL, {"status": "confirmed"}).json()["results"]] == ["confirmed"]
    page = client.get(URL, {"page_size": 1, "page": 2, "ordering": "number"}).json()
    assert page["count"] == 4
    assert [o["number"] for o in page["results"]] == [SalesOrder.objects.order_by("number")[1].number]
    assert client.get(URL, {"search": "plain"}).json()["count"] == 1
