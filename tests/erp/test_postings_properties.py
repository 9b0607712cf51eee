"""Property: whatever sequence of manual postings and reversals, purchase receipts, shipments, manual receipts and
scraps, work order completions (operators with and without an employee cost) and cycle counts, every posted entry
balances, the trial balance's difference is zero, the inventory accounts (raw material + finished goods) equal
SCM's stock value after every step, and WIP equals the open work orders' consumed-but-not-completed cost (zero:
MES consumes components only when it reports a completion, see apps.erp.services.postings).

Reversals are drawn among the manual entries: reversing an automatic posting of a stock movement on purpose
takes the books away from the stock (the inventory valuation report shows that difference)."""

from decimal import Decimal

import pytest
from django.db import transaction
from django.db.models import Count, Sum
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.core.errors import DomainError
from apps.erp.choices import JournalKind
from apps.erp.models import Employee, JournalEntry
from apps.erp.selectors import trial_balance
from apps.erp.services.accounts import journal_for
from apps.erp.services.entries import journal_entry_reverse, post_entry
from apps.mes.choices import TimeLogKind
from apps.mes.services.workorders import work_order_complete
from apps.scm.choices import LocationKind
from apps.scm.services.locations import virtual_location
from apps.scm.services.stock import cycle_count_create, cycle_count_post, stock_move_post
from tests.erp.postings_helpers import (
    balance,
    deliver_postings,
    inventory_balance,
    log_hours,
    receive_purchase,
    released_work_order,
    ship,
    stock_value,
)
from tests.mes.plant import build_plant, receive
from tests.scm.factories import purchasing_world

pytestmark = pytest.mark.django_db
D = Decimal
money = st.decimals(min_value=D("0.01"), max_value=D("999.99"), places=2)
quantity = st.integers(min_value=1, max_value=12)
operation = st.one_of(
    st.tuples(st.just("post"), money),
    st.tuples(st.just("reverse"), st.integers(0, 100)),
    st.tuples(st.just("receive"), quantity, money),
    st.tuples(st.just("ship"), quantity),
    st.tuples(st.just("scrap"), quantity),
    st.tuples(st.just("supply"), quantity, st.integers(1, 3)),
    st.tuples(st.just("complete"), st.integers(1, 4), st.booleans(), st.integers(1, 3)),
    st.tuples(st.just("count"), st.integers(0, 30)),
)


@pytest.fixture
def books(company, user, chart, make_user):
    world = purchasing_world(company)
    plant = build_plant(company, user)
    Employee.objects.create(company=company, number="E-1", name="Alice", user=user, hourly_cost=D("37.50"))
    stranger = make_user(company, "Manager", username="bob")  # an operator who is no employee
    deliver_postings()
    return world, plant, stranger


def run(kind, data, *, world, plant, user, stranger) -> None:
    company = world.company
    if kind == "post":
        post_entry(company=company, journal=journal_for(company=company, kind=JournalKind.GENERAL),
                   date=timezone.localdate(), memo="manual", actor=user,
                   lines=[{"account": world.bank, "debit": data[0]}, {"account": world.equity, "credit": data[0]}])
    elif kind == "reverse":
        manual = list(JournalEntry.objects.filter(company=company, status="posted", memo="manual").order_by("id"))
        if manual:
            journal_entry_reverse(entry=manual[data[0] % len(manual)], actor=user)
    elif kind == "receive":
        receive_purchase(world, user, [(world.item, data[0], data[1])])
    elif kind == "ship":
        ship(world, user, [(world.item, data[0])])
    elif kind == "scrap":
        stock_move_post(company=company, item=world.item, quantity=D(data[0]), from_location=world.stock,
                        to_location=virtual_location(company=company, kind=LocationKind.SCRAP), actor=user)
    elif kind == "supply":
        receive(plant, plant.steel, data[0] * 3, location=plant.stock, unit_cost=f"{data[1]}.35",
                lot_code=f"S-P{data[1]}", user=user)
        receive(plant, plant.bolt, data[0] * 4, location=plant.stock, unit_cost="0.55", user=user)
    elif kind == "complete":
        units, employee, hours = data
        work_order = released_work_order(plant, str(units))
        log_hours(work_order, 10, D(hours) / 3, user if employee else stranger)
        log_hours(work_order, 20, D("0.25"), stranger, kind=TimeLogKind.SETUP)
        work_order_complete(work_order=work_order, quantity_good=D(units), actor=user)
    elif kind == "count":
        count = cycle_count_create(company=company, location=world.stock, actor=user,
                                   lines=[{"item": world.item, "counted_quantity": D(data[0])}])
        cycle_count_post(count=count, actor=user)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=st.lists(operation, min_size=1, max_size=8))
def test_stock_flows_keep_the_books_balanced_and_equal_to_the_stock(books, user, chart, operations):
    world, plant, stranger = books
    company = world.company
    world.bank, world.equity = chart("bank"), chart("equity")
    for kind, *data in operations:
        try:
            with transaction.atomic():
                run(kind, data, world=world, plant=plant, user=user, stranger=stranger)
        except DomainError:  # a shortage, nothing to ship...: refused as a whole, nothing to post
            pass
        deliver_postings()
        assert inventory_balance(company) == stock_value(company), (kind, data)
        assert balance(company, "wip") == 0, (kind, data)
    unbalanced = (JournalEntry.objects.filter(company=company).exclude(status="draft")
                  .annotate(d=Sum("lines__debit"), c=Sum("lines__credit"), n=Count("lines"))
                  .values_list("number", "d", "c", "n"))
    assert [row for row in unbalanced if row[1] != row[2] or row[3] < 2] == []
    report = trial_balance(company=company, date=timezone.localdate())
    assert report.difference == 0
