"""Each posting rule on a hand-computed example: the exact lines of the entry an event posts, its journal and
source, once (a second delivery or call posts nothing), and the inventory accounts equal to SCM's stock value."""

from decimal import Decimal

import pytest

from apps.core.errors import DomainError
from apps.core.models import Event, EventDelivery
from apps.core.outbox import deliver
from apps.erp.choices import PostingRule
from apps.erp.models import Employee, JournalEntry
from apps.erp.services.postings import (
    completion_labour_cost,
    goods_receipt_posting,
    shipment_posting,
    stock_move_posting,
    work_order_completion_posting,
)
from apps.mes.choices import TimeLogKind
from apps.mes.services.workorders import work_order_complete
from apps.scm.choices import LocationKind
from apps.scm.services.locations import virtual_location
from apps.scm.services.stock import cycle_count_create, cycle_count_post, stock_move_post, stock_move_reverse
from tests.erp.postings_helpers import (
    ERP,
    balance,
    deliver_postings,
    entry_lines,
    entry_of,
    inventory_balance,
    last_event,
    log_hours,
    receive_purchase,
    released_work_order,
    ship,
    stock_value,
)
from tests.mes.plant import build_plant
from tests.plm.factories import ItemFactory
from tests.scm.factories import LocationFactory, purchasing_world

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def world(company, chart):
    return purchasing_world(company)


@pytest.fixture
def gearbox(world):
    """A made item the company also buys in (its stock is on finished goods)."""
    return ItemFactory(company=world.company, number="GB-9", made=True)


def test_goods_receipt_posts_inventory_against_grir_per_line_at_the_move_value(world, user, gearbox):
    receipt = receive_purchase(world, user, [(world.item, "10", "2.50"), (gearbox, "4", "12.25")])
    event = last_event("scm.goods_receipt.posted")
    assert deliver_postings() == 1
    entry = entry_of(event)
    # bolts (bought): 10 x 2.50 = 25.00 on raw material; gearboxes (made): 4 x 12.25 = 49.00 on finished goods
    assert entry_lines(entry) == [("1300", D("25.00"), D("0.00")), ("2100", D("0.00"), D("25.00")),
                                  ("1320", D("49.00"), D("0.00")), ("2100", D("0.00"), D("49.00"))]
    grir = entry.lines.filter(account__code="2100")
    assert set(grir.values_list("party_id", flat=True)) == {world.supplier.pk}
    assert (entry.journal.code, entry.status, entry.date, entry.source_document) == (
        "INV", "posted", receipt.received_on, receipt)
    assert (balance(world.company, "inventory"), balance(world.company, "finished_goods"),
            balance(world.company, "grir")) == (D("25.00"), D("49.00"), D("-74.00"))
    assert inventory_balance(world.company) == stock_value(world.company) == D("74.00")
    # delivered again (by hand, and the service called again): nothing more
    delivery = EventDelivery.objects.get(event=event, handler=f"{ERP}post_goods_receipt")
    assert deliver(delivery.pk) is False
    assert goods_receipt_posting(event=event).pk == entry.pk
    assert JournalEntry.objects.filter(company=world.company).count() == 1


def test_shipment_posts_cogs_against_inventory_at_the_moves_value(world, user, gearbox):
    receive_purchase(world, user, [(world.item, "10", "2.50"), (gearbox, "3", "20.00")])
    shipment = ship(world, user, [(world.item, "4"), (gearbox, "1")])
    event = last_event("scm.shipment.shipped")
    assert deliver_postings() == 2
    entry = entry_of(event)
    assert entry_lines(entry) == [("5000", D("10.00"), D("0.00")), ("1300", D("0.00"), D("10.00")),
                                  ("5000", D("20.00"), D("0.00")), ("1320", D("0.00"), D("20.00"))]
    assert (entry.journal.code, entry.source_document) == ("INV", shipment)
    assert balance(world.company, "cogs") == D("30.00")
    assert inventory_balance(world.company) == stock_value(world.company) == D("55.00")  # 15 + 40
    assert shipment_posting(event=event).pk == entry.pk
    assert JournalEntry.objects.filter(company=world.company).count() == 2


def test_cycle_count_posts_gains_and_losses_against_inventory_adjustments(world, user, gearbox):
    receive_purchase(world, user, [(world.item, "10", "2.50"), (gearbox, "2", "30.00")])
    count = cycle_count_create(company=world.company, location=world.stock, actor=user, lines=[
        {"item": world.item, "counted_quantity": D("12")}, {"item": gearbox, "counted_quantity": D("1")}])
    cycle_count_post(count=count, actor=user)
    deliver_postings()
    entry = entry_of(last_event("scm.stock.adjusted"))
    # 2 bolts found at the average 2.50 (5.00); 1 gearbox lost at 30.00
    assert sorted(entry_lines(entry)) == sorted([("1300", D("5.00"), D("0.00")), ("5300", D("0.00"), D("5.00")),
                                                 ("5300", D("30.00"), D("0.00")), ("1320", D("0.00"), D("30.00"))])
    assert entry.source_document == count
    assert balance(world.company, "inventory_adjustment") == D("25.00")
    assert inventory_balance(world.company) == stock_value(world.company) == D("60.00")  # 30 + 30


def test_manual_moves_post_against_the_virtual_side_and_transfers_post_nothing(world, user):
    company = world.company
    supplier = virtual_location(company=company, kind=LocationKind.SUPPLIER)
    scrap = virtual_location(company=company, kind=LocationKind.SCRAP)
    other_bin = LocationFactory(company=company, warehouse=world.warehouse, code="B-2")
    stock_move_post(company=company, item=world.item, quantity=D(20), from_location=supplier,
                    to_location=world.stock, unit_cost=D("2.00"), actor=user)
    received = entry_of(last_event("scm.stock.moved")) if deliver_postings() else None
    assert entry_lines(received) == [("1300", D("40.00"), D("0.00")), ("2100", D("0.00"), D("40.00"))]
    events = Event.objects.count()
    stock_move_post(company=company, item=world.item, quantity=D(5), from_location=world.stock,
                    to_location=other_bin, actor=user)
    assert Event.objects.count() == events  # value-neutral: no event, no entry
    scrapped = stock_move_post(company=company, item=world.item, quantity=D(5), from_location=other_bin,
                               to_location=scrap, reason="Damaged", actor=user)
    deliver_postings()
    scrap_entry = entry_of(last_event("scm.stock.moved"))
    assert entry_lines(scrap_entry) == [("5300", D("10.00"), D("0.00")), ("1300", D("0.00"), D("10.00"))]
    assert scrap_entry.source_document == scrapped
    stock_move_reverse(move=scrapped, actor=user, reason="Found again")
    deliver_postings()
    assert entry_lines(entry_of(last_event("scm.stock.moved"))) == [("1300", D("10.00"), D("0.00")),
                                                                    ("5300", D("0.00"), D("10.00"))]
    assert balance(company, "inventory_adjustment") == 0
    assert inventory_balance(company) == stock_value(company) == D("40.00")
    assert stock_move_posting(event=last_event("scm.stock.moved")).pk == entry_of(last_event("scm.stock.moved")).pk


@pytest.fixture
def plant(company, user, chart):
    return build_plant(company, user)


def complete_ten(plant, operator):
    """10 gearboxes: 20 bolts at 0.50 + 16.5 steel at 4.00 = 76.00 of material; cutting 2 h run (labour 60/h,
    machine 30/h) and assembly 1.5 h setup (labour 40/h): MES's labour 180.00, machine 60.00, total 316.00."""
    work_order = released_work_order(plant)
    log_hours(work_order, 10, 2, operator)
    log_hours(work_order, 20, D("1.5"), operator, kind=TimeLogKind.SETUP)
    work_order_complete(work_order=work_order, quantity_good=D(10), lot_code="GB-001", actor=plant.user)
    return work_order


def test_completion_without_an_employee_costs_labour_at_the_work_center_rate(plant, user):
    work_order = complete_ten(plant, user)
    deliver_postings()
    entry = entry_of(last_event("mes.work_order.completed"))
    assert entry_lines(entry) == [
        ("1310", D("76.00"), D("0.00")), ("1300", D("0.00"), D("76.00")),    # components consumed
        ("1310", D("180.00"), D("0.00")), ("5100", D("0.00"), D("180.00")),  # labour
        ("1310", D("60.00"), D("0.00")), ("5100", D("0.00"), D("60.00")),    # machine time
        ("1320", D("316.00"), D("0.00")), ("1310", D("0.00"), D("316.00")),  # finished goods
    ]
    assert (entry.journal.code, entry.source_document) == ("MFG", work_order)
    company = plant.company
    assert (balance(company, "wip"), balance(company, "variance")) == (0, 0)
    assert inventory_balance(company) == stock_value(company)
    assert work_order_completion_posting(event=last_event("mes.work_order.completed")).pk == entry.pk


def test_completion_costs_labour_at_the_operators_hourly_cost_and_the_difference_is_a_variance(plant, user,
                                                                                             make_user):
    Employee.objects.create(company=plant.company, number="E-1", name="Alice", user=user, hourly_cost=D("45.00"))
    other = make_user(plant.company, "Manager", username="bob")  # not an employee: the work center's rate
    work_order = released_work_order(plant)
    log_hours(work_order, 10, 2, user)  # 2 h x 45 (not 60)
    log_hours(work_order, 20, D("1.5"), other, kind=TimeLogKind.SETUP)  # 1.5 h x 40
    work_order_complete(work_order=work_order, quantity_good=D(10), lot_code="GB-001", actor=plant.user)
    completion = work_order.completions.get()
    assert (completion.labour_cost, completion_labour_cost(completion)) == (D("180.00"), D("150.00"))
    deliver_postings()
    entry = entry_of(last_event("mes.work_order.completed"))
    assert entry_lines(entry) == [
        ("1310", D("76.00"), D("0.00")), ("1300", D("0.00"), D("76.00")),
        ("1310", D("150.00"), D("0.00")), ("5100", D("0.00"), D("150.00")),
        ("1310", D("60.00"), D("0.00")), ("5100", D("0.00"), D("60.00")),
        ("1320", D("316.00"), D("0.00")), ("1310", D("0.00"), D("316.00")),
        ("1310", D("30.00"), D("0.00")), ("5200", D("0.00"), D("30.00")),  # 180 in MES - 150 at ERP's cost
    ]
    company = plant.company
    assert (balance(company, "wip"), balance(company, "variance"), balance(company, "labour_absorbed")) == (
        0, D("-30.00"), D("-210.00"))
    assert inventory_balance(company) == stock_value(company)


def test_a_partial_completion_posts_only_its_own_components(plant, user):
    work_order = released_work_order(plant)
    work_order_complete(work_order=work_order, quantity_good=D(4), lot_code="GB-A", actor=plant.user)
    work_order_complete(work_order=work_order, quantity_good=D(6), lot_code="GB-B", actor=plant.user)
    deliver_postings()
    first, second = (entry_of(e) for e in Event.objects.filter(name="mes.work_order.completed").order_by("id"))
    # 4 units: 8 bolts (4.00) + 6.6 steel (26.40); 6 units: 12 bolts (6.00) + 9.9 steel (39.60)
    assert entry_lines(first)[:2] == [("1310", D("30.40"), D("0.00")), ("1300", D("0.00"), D("30.40"))]
    assert entry_lines(second)[:2] == [("1310", D("45.60"), D("0.00")), ("1300", D("0.00"), D("45.60"))]
    assert balance(plant.company, "wip") == 0
    assert inventory_balance(plant.company) == stock_value(plant.company)


def test_a_bad_event_posts_nothing_and_names_the_field(world, user, company):
    event = Event.objects.create(company=company, name="mes.work_order.completed", subject_type="mes.workorder",
                                 subject_id="0", payload={"completion_id": 999999})
    with pytest.raises(DomainError) as error:
        work_order_completion_posting(event=event)
    assert error.value.errors[0][0] == "completion_id"
    other = Event.objects.create(company=company, name="scm.shipment.shipped", subject_type="scm.shipment",
                                 subject_id="0", payload={"lines": [{"item_id": 999999, "value": "1.00"}]})
    with pytest.raises(DomainError) as error:
        shipment_posting(event=other)
    assert error.value.errors[0][0] == "lines.0.item_id"
    assert not JournalEntry.objects.exists()


def test_another_companys_item_is_not_posted(world, user, other_company):
    foreign = ItemFactory(company=other_company, number="X-1")
    event = Event.objects.create(company=world.company, name="scm.goods_receipt.posted",
                                 subject_type="scm.goodsreceipt", subject_id="0",
                                 payload={"number": "GR-X", "lines": [{"item_id": foreign.pk, "value": "5.00"}]})
    with pytest.raises(DomainError):
        goods_receipt_posting(event=event)
    assert not JournalEntry.objects.exists()


def test_posting_rules_use_the_mapped_accounts(world, user):
    from apps.erp.models import AccountMapping
    from apps.erp.services.accounts import account_create, account_mapping_update

    stores = account_create(company=world.company, actor=user, code="1301", name="Stores", kind="asset")
    account_mapping_update(instance=AccountMapping.objects.get(company=world.company, rule=PostingRule.INVENTORY),
                           actor=user, account=stores)
    receive_purchase(world, user, [(world.item, "2", "3.00")])
    deliver_postings()
    assert entry_lines(entry_of(last_event("scm.goods_receipt.posted"))) == [
        ("1301", D("6.00"), D("0.00")), ("2100", D("0.00"), D("6.00"))]


def test_the_entry_page_links_its_source_document(world, user, web):
    receipt = receive_purchase(world, user, [(world.item, "2", "3.00")])
    deliver_postings()
    entry = entry_of(last_event("scm.goods_receipt.posted"))
    page = web.get(entry.get_absolute_url())
    assert page.status_code == 200
    assert f'href="{receipt.get_absolute_url()}"' in page.content.decode()
    assert entry.source == f"scm.goodsreceipt:{receipt.pk}"


def test_the_api_shows_the_entry_source_and_event(world, user, api):
    receipt = receive_purchase(world, user, [(world.item, "2", "3.00")])
    deliver_postings()
    event = last_event("scm.goods_receipt.posted")
    entry = entry_of(event)
    body = api.get(f"/api/v1/erp/journal-entries/{entry.pk}/").json()
    assert (body["source"], body["source_event_id"], body["total_debit"]) == (
        f"scm.goodsreceipt:{receipt.pk}", event.pk, "6.00")


def test_quality_rejections_reach_the_ledger(world, user):
    from apps.mes.services.quality import held_stock_reject
    from apps.scm.services.purchasing import purchase_order_create, purchase_order_send
    from apps.scm.services.receipts import goods_receipt_create, goods_receipt_post

    order = purchase_order_send(purchase_order=purchase_order_create(
        company=world.company, actor=user, supplier=world.supplier, warehouse=world.warehouse,
        lines=[{"item": world.item, "quantity": D(10), "unit_price": D("2.50")}]), actor=user)
    goods_receipt_post(receipt=goods_receipt_create(
        company=world.company, actor=user, purchase_order=order, lines=[
            {"purchase_order_line": order.lines.get(), "quantity": D(10), "location": world.stock,
             "quality_hold": True}]), actor=user)
    held_stock_reject(company=world.company, item=world.item, location=world.hold, quantity=D(4),
                      destination="supplier", description="Cracked threads", actor=user)
    held_stock_reject(company=world.company, item=world.item, location=world.hold, quantity=D(1),
                      destination="scrap", description="Rusty", actor=user)
    deliver_postings()
    returned, scrapped = (entry_of(e) for e in Event.objects.filter(name="scm.stock.moved").order_by("id"))
    assert entry_lines(returned) == [("2100", D("10.00"), D("0.00")), ("1300", D("0.00"), D("10.00"))]
    assert entry_lines(scrapped) == [("5300", D("2.50"), D("0.00")), ("1300", D("0.00"), D("2.50"))]
    assert balance(world.company, "grir") == D("-15.00")
    assert inventory_balance(world.company) == stock_value(world.company) == D("12.50")
