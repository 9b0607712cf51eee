"""`seed_demo` for ERP sales: the demo sales orders exist once; a second run changes nothing."""

import pytest
from django.core.management import call_command

from apps.core.models import Event
from apps.erp.history_demo import HISTORY_NOTE, ORDERS
from apps.erp.models import SalesOrder


@pytest.mark.usefixtures("eur")
def test_seed_demo_twice_is_idempotent_for_sales_orders():
    call_command("seed_demo")
    orders = SalesOrder.objects.exclude(notes=HISTORY_NOTE)  # sales_demo's (the e-bike history's: test_demo_company)
    first = list(orders.order_by("id").values_list("number", "status", "quote__status"))
    call_command("seed_demo")
    assert list(orders.order_by("id").values_list("number", "status", "quote__status")) == first
    assert sorted(status for _number, status, _quote in first) == ["confirmed", "draft"]
    assert [quote for _number, status, quote in first if status == "draft"] == ["accepted"]
    confirmed = Event.objects.filter(name="erp.sales_order.confirmed")
    assert confirmed.filter(subject_id__in=[str(pk) for pk in orders.values_list("pk", flat=True)]).count() == 1
    assert confirmed.count() == 1 + len(ORDERS)
