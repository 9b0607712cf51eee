"""Property test: random receipts, transfers, reservations, shipments and adjustments conserve stock.

After every step, on-hand per (item, location, lot) equals the sum of done moves, reserved never exceeds
on-hand, and nothing is negative.
"""

from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from apps.core.errors import ConflictError
from apps.scm.models import Reservation, StockQuant
from apps.scm.selectors import stock_available, stock_ledger_differences
from apps.scm.services.locations import virtual_location
from apps.scm.services.stock import (
    lot_get_or_create,
    reservation_consume,
    reservation_release,
    stock_move_post,
    stock_reserve,
)
from tests.plm.factories import ItemFactory
from tests.scm.factories import LocationFactory

D = Decimal
quantities = st.integers(min_value=1, max_value=20).map(D)


@pytest.mark.django_db
def test_random_stock_operations_conserve_the_ledger(company, user):
    bins = [LocationFactory(company=company, code=f"P-{n}") for n in range(3)]
    plain = ItemFactory(company=company, number="PROP-PLAIN")
    tracked = ItemFactory(company=company, number="PROP-LOT", tracking="lot")
    lots = [lot_get_or_create(company=company, item=tracked, code=f"LOT{n}") for n in range(2)]
    stock = [(plain, None), (tracked, lots[0]), (tracked, lots[1])]
    supplier = virtual_location(company=company, kind="supplier")
    customer = virtual_location(company=company, kind="customer")
    loss = virtual_location(company=company, kind="inventory_loss")

    class StockMachine(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            self.savepoint = transaction.savepoint()
            self.expected: dict[tuple, Decimal] = {}

        def teardown(self):
            transaction.savepoint_rollback(self.savepoint)

        def _post(self, key, quantity, source, target):
            (item, lot) = stock[key]
            try:
                stock_move_post(company=company, item=item, lot=lot, quantity=quantity, from_location=source,
                                to_location=target, unit_cost=D("1.25"), actor=user)
            except ConflictError:
                available = stock_available(item=item, location=source, lot=lot)
                assert quantity > available  # refused only when short
                return
            for location, sign in ((source, -1), (target, 1)):
                if location.is_internal:
                    k = (item.pk, location.pk, lot.pk if lot else None)
                    self.expected[k] = self.expected.get(k, D(0)) + sign * quantity

        @rule(key=st.integers(0, 2), bin_=st.integers(0, 2), quantity=quantities)
        def receive(self, key, bin_, quantity):
            self._post(key, quantity, supplier, bins[bin_])

        @rule(key=st.integers(0, 2), from_bin=st.integers(0, 2), to_bin=st.integers(0, 2), quantity=quantities)
        def transfer(self, key, from_bin, to_bin, quantity):
            if from_bin != to_bin:
                self._post(key, quantity, bins[from_bin], bins[to_bin])

        @rule(key=st.integers(0, 2), bin_=st.integers(0, 2), quantity=quantities)
        def ship(self, key, bin_, quantity):
            self._post(key, quantity, bins[bin_], customer)

        @rule(key=st.integers(0, 2), bin_=st.integers(0, 2), quantity=quantities, gain=st.booleans())
        def adjust(self, key, bin_, quantity, gain):
            self._post(key, quantity, loss if gain else bins[bin_], bins[bin_] if gain else loss)

        @rule(key=st.integers(0, 2), bin_=st.integers(0, 2), quantity=quantities)
        def reserve(self, key, bin_, quantity):
            item, lot = stock[key]
            available = stock_available(item=item, location=bins[bin_], lot=lot)
            if quantity > available:
                with pytest.raises(ConflictError) as refused:
                    stock_reserve(company=company, item=item, lot=lot, location=bins[bin_], quantity=quantity,
                                  actor=user)
                assert D(refused.value.extra["available"]) == available
            else:
                stock_reserve(company=company, item=item, lot=lot, location=bins[bin_], quantity=quantity,
                              actor=user)

        @rule(data=st.data(), consume=st.booleans())
        def finish_reservation(self, data, consume):
            active = list(Reservation.objects.filter(company=company, status="active").order_by("id"))
            if not active:
                return
            reservation = data.draw(st.sampled_from(active))
            if consume:
                move = reservation_consume(reservation=reservation, to_location=customer, actor=user)
                k = (move.item_id, move.from_location_id, move.lot_id)
                self.expected[k] = self.expected.get(k, D(0)) - move.quantity
            else:
                reservation_release(reservation=reservation, actor=user)

        @invariant()
        def on_hand_equals_the_sum_of_done_moves(self):
            assert stock_ledger_differences(company_ids=[company.pk]) == []
            actual = {(q.item_id, q.location_id, q.lot_id): q.on_hand
                      for q in StockQuant.objects.filter(company=company)}
            assert {k: v for k, v in actual.items() if v} == {k: v for k, v in self.expected.items() if v}

        @invariant()
        def reserved_matches_active_reservations_and_nothing_is_negative(self):
            for quant in StockQuant.objects.filter(company=company):
                assert D(0) <= quant.reserved <= quant.on_hand
                held = sum((r.open_quantity for r in Reservation.objects.filter(
                    item=quant.item_id, location=quant.location_id, lot=quant.lot_id, status="active")), D(0))
                assert quant.reserved == held

    run_state_machine_as_test(StockMachine, settings=settings(
        max_examples=25, stateful_step_count=30, deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]))
