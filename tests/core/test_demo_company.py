"""The demo company DEMO of `seed_demo` is a believable small manufacturer (the e-bike range beside the garden
tractor): its catalog, structure, partners and three months of history, complete and consistent after the first
run (its own events delivered, books balanced and equal to the stock), and a second run adds nothing."""

import datetime
import io
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.management import call_command
from django.utils import timezone

from apps.core.choices import DeliveryStatus
from apps.core.home import last_months
from apps.core.models import Company, EventDelivery, Party
from apps.crm.models import Opportunity, Quote
from apps.erp.dashboard import margin_per_product, revenue_by_month
from apps.erp.inventory_valuation import inventory_valuation_data
from apps.erp.models import Invoice, JournalEntry, Payment, SalesOrder, VendorBill
from apps.erp.selectors import balance_sheet, trial_balance
from apps.mes.models import Routing, WorkCenter, WorkOrder
from apps.plm.demo_catalog import BIKES
from apps.plm.models import Item
from apps.scm.models import GoodsReceipt, PurchaseOrder, SupplierItem
from apps.scm.selectors import stock_ledger_differences

pytestmark = pytest.mark.usefixtures("eur")


def suite_counts() -> dict[str, int]:
    """Rows per model of every suite app (both demo companies, events and audit included)."""
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()
            if model.__module__.startswith("apps.")}


def bom_depth(item: Item) -> int:
    """Levels of the item's released structure, the item itself counted."""
    lines = item.current_revision.bom_lines.select_related("component__current_revision") \
        if item.current_revision else []
    return 1 + max((bom_depth(line.component) for line in lines), default=0)


def test_the_demo_company_is_a_small_manufacturer_with_three_months_of_history_once():
    said = io.StringIO()
    call_command("seed_demo", verbosity=0, stdout=said)
    demo = Company.objects.get(code="DEMO")
    today = timezone.localdate()
    # the first run is complete: every event it raised was delivered, none failed, and it says how many
    assert EventDelivery.objects.exists()
    assert not EventDelivery.objects.exclude(status=DeliveryStatus.DONE).exists()
    assert f"{EventDelivery.objects.count()} event deliveries done." in said.getvalue()

    # product: ~50 items, released, the bikes four levels deep, a routing for every made item
    items = Item.objects.filter(company=demo)
    assert items.count() >= 50
    assert not items.exclude(current_revision__status="released").exists()
    bikes = [Item.objects.get(company=demo, number=number) for number, *_rest in BIKES]
    assert [bom_depth(bike) for bike in bikes] == [4, 4, 4]
    made = items.filter(item_type="make")
    assert Routing.objects.filter(item__in=made).values("item").distinct().count() == made.count()
    assert WorkCenter.objects.filter(company=demo).count() == 5
    assert Routing.objects.filter(company=demo).values("operations__work_center").distinct().count() == 5

    # partners: ten suppliers selling their items, twenty customers, a pipeline and open quotes
    suppliers = Party.objects.filter(company=demo, is_supplier=True)
    assert suppliers.count() == 10
    assert SupplierItem.objects.filter(company=demo).values("supplier").distinct().count() == 10
    offers = SupplierItem.objects.filter(company=demo, item__number__startswith="EB-")
    assert offers.count() == items.filter(number__startswith="EB-", item_type="buy").count()
    assert not offers.filter(lead_time_days=0).exists()
    assert not offers.filter(price_breaks__isnull=True).exists()
    assert offers.filter(minimum_order_quantity__gt=0).count() == offers.count()
    assert Party.objects.filter(company=demo, is_customer=True).count() >= 20
    open_deals = Opportunity.objects.filter(company=demo, status="open")
    assert open_deals.count() >= 20
    assert open_deals.values("stage").distinct().count() >= 4
    assert Quote.objects.filter(company=demo, status="sent").count() >= 4

    # three months of history, dated through the services: purchases received, work orders completed, sales
    # orders shipped, invoiced and paid
    horizon = today - datetime.timedelta(days=92)
    received = PurchaseOrder.objects.filter(company=demo, status="received")
    assert received.count() >= 20
    assert received.order_by("order_date").first().order_date >= horizon
    assert GoodsReceipt.objects.filter(company=demo, received_on__lt=today - datetime.timedelta(days=60)).exists()
    completed = WorkOrder.objects.filter(company=demo, status="completed")
    assert completed.count() >= 20
    assert completed.filter(completed_at__date__lt=today - datetime.timedelta(days=60)).exists()
    orders = SalesOrder.objects.filter(company=demo, order_date__gte=horizon)
    assert orders.filter(status="invoiced").count() >= 10
    assert orders.filter(status="confirmed").exists()  # the open order book
    assert orders.filter(order_date__lt=today - datetime.timedelta(days=60)).exists()
    assert Invoice.objects.filter(company=demo, status="paid", sales_order__isnull=False).count() >= 8
    assert Invoice.objects.filter(company=demo, status="posted", sales_order__isnull=False).exists()  # still open
    assert Payment.objects.filter(company=demo, status="posted", direction="paid").count() >= 10
    assert VendorBill.objects.filter(company=demo, status="paid").count() >= 10

    # the finance dashboard: posted revenue in three of the last four months (this one's may not have started),
    # entries posted in each of the last three months, a margin for each bike
    months = last_months(4)
    assert sum(1 for amount in revenue_by_month(company=demo, months=months) if amount > 0) >= 3
    posted = JournalEntry.objects.filter(company=demo, status="posted")
    for back in (1, 2, 3):
        day = today - datetime.timedelta(days=30 * back)
        assert posted.filter(date__year=day.year, date__month=day.month).count() >= 5, day
    margins = {m.number: m for m in margin_per_product(company=demo, date_from=months[0], date_to=today)}
    assert {number for number, *_rest in BIKES} <= set(margins)
    assert all(Decimal(0) < margins[number].cost < margins[number].revenue for number, *_rest in BIKES)

    # consistent: the books balance and hold exactly SCM's stock value, the stock ledger adds up
    assert trial_balance(company=demo, date=today).difference == 0
    assert balance_sheet(company=demo, date=today).difference == 0
    valuation = inventory_valuation_data(company=demo, date=today)
    assert valuation["totals"]["stock_value"] > 0
    assert valuation["totals"]["difference"] == 0
    assert all(category["difference"] == 0 for category in valuation["categories"])
    assert stock_ledger_differences() == []

    # a second run adds nothing, anywhere
    first = suite_counts()
    said = io.StringIO()
    call_command("seed_demo", verbosity=0, stdout=said)
    assert suite_counts() == first
    assert "0 event deliveries done." in said.getvalue()
