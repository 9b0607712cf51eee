"""Completions under real concurrency: two work orders racing for the same last components (own connections)."""

import datetime
from decimal import Decimal

import pytest

from apps.mes.choices import WorkOrderStatus
from apps.mes.models import GenealogyLink, WorkOrder, WorkOrderCompletion
from apps.mes.services.workorders import work_order_complete, work_order_create, work_order_release
from apps.plm.choices import Tracking
from apps.scm.models import StockMove, StockQuant
from apps.scm.selectors import stock_ledger_differences
from tests.conftest import race
from tests.mes.factories import ManufacturingDefinitionFactory, ManufacturingDefinitionLineFactory
from tests.mes.plant import receive
from tests.plm.factories import ItemFactory, RevisionFactory
from tests.scm.factories import LocationFactory

D = Decimal
DUE = datetime.date(2030, 3, 15)
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("mes_concurrency")]


def shortage_orders(company, user, repetition: int):
    """Two released orders of 10 whose components were missing at release; then stock for one order only."""
    stock = LocationFactory(company=company, code=f"RACE/{repetition:02d}")
    product = ItemFactory(made=True, company=company, number=f"PUMP-{repetition:02d}")
    revision = RevisionFactory(released=True, company=company, item=product)
    bolt = ItemFactory(company=company, number=f"BOLT-{repetition:02d}")
    steel = ItemFactory(company=company, number=f"STEEL-{repetition:02d}", tracking=Tracking.LOT)
    definition = ManufacturingDefinitionFactory(company=company, revision=revision, item=product)
    ManufacturingDefinitionLineFactory(definition=definition, component=bolt, quantity=D(2), position=10)
    ManufacturingDefinitionLineFactory(definition=definition, component=steel, quantity=D("1.5"), position=20)
    orders = []
    for _ in range(2):
        order = work_order_create(company=company, actor=user, item=product, revision=revision, quantity=D(10),
                                  due_date=DUE, location=stock)
        orders.append(work_order_release(work_order=order, actor=user, allow_shortage=True))
    receive(company, bolt, "20", location=stock, unit_cost="0.50", user=user)  # exactly one order's worth
    receive(company, steel, "15", location=stock, unit_cost="4.00", lot_code=f"S-{repetition:02d}", user=user)
    return stock, bolt, steel, orders


def test_two_completions_competing_for_the_last_components_one_gets_a_shortage(company, user):
    for repetition in range(10):
        stock, bolt, steel, orders = shortage_orders(company, user, repetition)
        assert StockQuant.objects.get(item=bolt, location=stock).reserved == D(0)  # neither holds a reservation

        def complete(work_order):
            return lambda: work_order_complete(work_order=work_order, quantity_good=D(10), actor=user)

        outcomes = race([complete(o) for o in orders])
        assert sorted(o if o == "ok" else type(o).__name__ for o in outcomes) == ["DomainError", "ok"], outcomes
        [winner_index] = [i for i, o in enumerate(outcomes) if o == "ok"]
        winner, loser = orders[winner_index], orders[1 - winner_index]
        error = outcomes[1 - winner_index]
        # the first component in lock order (item id) is the one that is missing
        assert error.field == "quantity_good"
        assert error.code == "shortage"
        assert error.message == (f"Not enough {bolt.number} at {stock.code} to complete: 20 more needed, "
                              "0 available.")
        assert error.extra["shortages"] == [{"item": bolt.number, "item_id": bolt.pk, "required": "20",
                                             "available": "0"}]

        winner.refresh_from_db()
        loser.refresh_from_db()
        assert (winner.status, winner.quantity_good) == (WorkOrderStatus.COMPLETED, D(10))
        assert (loser.status, loser.quantity_good, loser.material_cost) == (WorkOrderStatus.RELEASED, D(0), D(0))
        # nothing of the failed completion was written: no moves, no completion, no consumption, no links
        assert not StockMove.objects.filter(reference=loser.number).exists()
        assert not WorkOrderCompletion.objects.filter(work_order=loser).exists()
        assert not GenealogyLink.objects.filter(work_order=loser).exists()
        assert list(loser.materials.values_list("quantity_consumed", flat=True)) == [D(0), D(0)]
        assert StockMove.objects.filter(reference=winner.number, item=bolt).count() == 1
        assert [(q.on_hand, q.reserved) for q in StockQuant.objects.filter(item__in=[bolt, steel],
                                                                            location=stock)] == [(D(0), D(0))] * 2
    assert not StockQuant.objects.filter(on_hand__lt=0).exists()
    assert WorkOrder.objects.filter(status=WorkOrderStatus.COMPLETED).count() == 10
    assert stock_ledger_differences() == []
