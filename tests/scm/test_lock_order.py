"""The suite's lock order in SCM: shipments naming items in opposite orders, backorders drawing their numbers and
new shipments reserving, all at once, never deadlock; `lock_stock` creates and takes what they need."""

from decimal import Decimal
from functools import partial

import pytest
from django.db import transaction

from apps.core.errors import DomainError
from apps.scm.models import ItemValuation, Shipment, StockQuant
from apps.scm.selectors import stock_ledger_differences
from apps.scm.services.locations import virtual_location
from apps.scm.services.shipments import shipment_cancel, shipment_create, shipment_pick, shipment_reserve, shipment_ship
from apps.scm.services.stock import MoveSpec, lock_stock, stock_moves_post
from tests.conftest import race
from tests.core.factories import PartyFactory
from tests.plm.factories import ItemFactory
from tests.scm.factories import LocationFactory

D = Decimal
RUNS = 10
STOCK = 500


def test_lock_stock_creates_missing_valuations_and_locks_every_lot_of_a_place(company, user):
    items = [ItemFactory(company=company, number=n) for n in ("B-2", "A-1")]
    location = LocationFactory(company=company)
    with transaction.atomic():
        lock_stock(company=company, items=[items[0]], quant_keys=[(items[1], location), (items[0].pk, location.pk,
                                                                                           None)])
    assert sorted(ItemValuation.objects.values_list("item__number", "quantity")) == [("A-1", D(0)), ("B-2", D(0))]
    assert not StockQuant.objects.exists()  # quants are locked when they exist, never created by locking


@pytest.mark.django_db(transaction=True)
@pytest.mark.xdist_group("scm_concurrency")
def test_shipments_in_opposite_orders_backorders_and_new_shipments_never_deadlock(company, user):
    items = [ItemFactory(company=company, number=f"PART-{n}") for n in range(4)]
    stock = LocationFactory(company=company, code="MAIN/A1")
    customer = PartyFactory(company=company, is_customer=True)
    supplier = virtual_location(company=company, kind="supplier")
    stock_moves_post(company=company, actor=user, moves=[
        MoveSpec(item=item, quantity=D(STOCK), from_location=supplier, to_location=stock, unit_cost=D(1))
        for item in items])

    def shipment(lines):
        created = shipment_create(company=company, actor=user, customer=customer, warehouse=stock.warehouse,
                                  lines=[{"item": item, "quantity": D(1)} for item in lines])
        return shipment_reserve(shipment=created, actor=user)

    for _run in range(RUNS):
        forward, backward = shipment(items), shipment(items[::-1])
        for item in (items[3], items[1]):  # the rest of both goes on backorders, numbered while racing
            shipment_pick(shipment=forward, item=item, quantity=D(1), actor=user)
            shipment_pick(shipment=backward, item=item, quantity=D(1), actor=user)
        cancelled = shipment(items[::-1])

        def new_shipment():
            with transaction.atomic():
                shipment([items[2], items[0]])

        outcomes = race([partial(shipment_ship, shipment=forward, actor=user),
                         partial(shipment_ship, shipment=backward, actor=user),
                         partial(shipment_cancel, shipment=cancelled, actor=user),
                         new_shipment])
        assert all(o == "ok" or isinstance(o, DomainError) for o in outcomes), outcomes
        assert outcomes == ["ok"] * 4, outcomes

    quants = {q.item_id: (q.on_hand, q.reserved) for q in StockQuant.objects.filter(location=stock)}
    # per run: items 1 and 3 are shipped twice; items 0 and 2 are on both backorders and the new shipment
    assert quants == {items[0].pk: (D(STOCK), D(3 * RUNS)), items[1].pk: (D(STOCK - 2 * RUNS), D(0)),
                      items[2].pk: (D(STOCK), D(3 * RUNS)), items[3].pk: (D(STOCK - 2 * RUNS), D(0))}
    assert Shipment.objects.filter(backorder_of__isnull=False, status="reserved").count() == 2 * RUNS
    assert stock_ledger_differences() == []
