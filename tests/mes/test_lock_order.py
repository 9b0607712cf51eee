"""One lock order for the whole suite: shipments and work-order completions whose lines name the same items in
opposite orders, and a new shipment drawing its number, run together without ever deadlocking."""

import datetime
from decimal import Decimal
from functools import partial

import pytest
from django.db import transaction

from apps.core.errors import DomainError
from apps.mes.services.workorders import work_order_complete, work_order_create, work_order_release
from apps.scm.models import StockQuant
from apps.scm.selectors import stock_ledger_differences
from apps.scm.services.shipments import shipment_create, shipment_pick, shipment_reserve, shipment_ship
from tests.conftest import race
from tests.core.factories import PartyFactory
from tests.mes.factories import ManufacturingDefinitionFactory, ManufacturingDefinitionLineFactory
from tests.mes.plant import receive
from tests.plm.factories import ItemFactory, RevisionFactory
from tests.scm.factories import LocationFactory

D = Decimal
RUNS = 20
STOCK = 1000
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("mes_concurrency")]


def made_of(company, product, components):
    definition = ManufacturingDefinitionFactory(company=company, revision=RevisionFactory(released=True,
        company=company, item=product))
    for position, component in enumerate(components, start=1):
        ManufacturingDefinitionLineFactory(definition=definition, component=component, quantity=D(1),
                                           position=10 * position)
    return definition


def test_shipments_and_completions_crossing_items_never_deadlock(company, user):
    # products first: their ids are lower than their components', so "components, then the product" (the old
    # completion order) runs against the item order that shipments lock in
    p, q = (ItemFactory(company=company, number=n, item_type="make") for n in ("P", "Q"))
    a, b = (ItemFactory(company=company, number=n) for n in ("A", "B"))
    made_of(company, p, [a, b])
    made_of(company, q, [b, a])
    stock = LocationFactory(company=company, code="MAIN/STOCK")
    customer = PartyFactory(company=company, is_customer=True)
    for item in (p, q, a, b):
        receive(company, item, str(STOCK), location=stock, user=user)

    def shipment(items, quantity=1):
        created = shipment_create(company=company, actor=user, customer=customer, warehouse=stock.warehouse,
                                  lines=[{"item": i, "quantity": D(quantity)} for i in items])
        return shipment_reserve(shipment=created, actor=user)

    def work_order(product):
        created = work_order_create(company=company, actor=user, item=product, revision=product_revision[product],
                                    quantity=D(1), due_date=datetime.date(2030, 3, 15), location=stock)
        return work_order_release(work_order=created, actor=user)

    product_revision = {product: product.revisions.get() for product in (p, q)}
    for _run in range(RUNS):
        in_line_order = shipment([p, q, a, b])
        reversed_order = shipment([b, a, q, p])
        for item in (b, a):  # picked in part: shipping it leaves a backorder, whose number is drawn while racing
            shipment_pick(shipment=reversed_order, item=item, quantity=D(1), actor=user)
        orders = [work_order(p), work_order(q)]

        def new_shipment():
            with transaction.atomic():
                shipment([a, p])

        outcomes = race([
            *(partial(shipment_ship, shipment=s, actor=user) for s in (in_line_order, reversed_order)),
            *(partial(work_order_complete, work_order=o, quantity_good=D(1), actor=user) for o in orders),
            new_shipment,
        ])
        # every call answers: done, or a clear domain refusal; never a deadlock (or any other database error)
        assert all(o == "ok" or isinstance(o, DomainError) for o in outcomes), outcomes
        assert outcomes == ["ok"] * 5, outcomes  # and with stock for everyone, all of them are done

    quants = {q.item_id: (q.on_hand, q.reserved) for q in StockQuant.objects.filter(location=stock)}
    # per run: A and B leave once per shipment and once per completion; P and Q leave once (shipped) and come
    # back once (made); the backorder holds P and Q, the new shipment A and P
    assert quants == {a.pk: (D(STOCK - 4 * RUNS), D(RUNS)), b.pk: (D(STOCK - 4 * RUNS), D(0)),
                      p.pk: (D(STOCK), D(2 * RUNS)), q.pk: (D(STOCK), D(RUNS))}
    assert stock_ledger_differences() == []
