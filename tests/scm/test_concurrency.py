"""Reservations under real concurrency: separate connections (threads) racing for the same quant."""

import threading
from decimal import Decimal

import pytest
from django.db import connection

from apps.core.errors import ConflictError
from apps.scm.models import Reservation, StockQuant
from apps.scm.selectors import stock_ledger_differences
from apps.scm.services.locations import virtual_location
from apps.scm.services.stock import lot_get_or_create, stock_move_post, stock_reserve
from tests.conftest import race
from tests.plm.factories import ItemFactory
from tests.scm.factories import LocationFactory

D = Decimal
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("scm_concurrency")]


def outcome(result) -> str:
    """"ok", "409:<available>" for a conflict, "error:..." for anything else (a failure the test reports)."""
    if result == "ok":
        return "ok"
    if isinstance(result, ConflictError):
        return f"409:{result.extra.get('available')}"
    return f"error:{type(result).__name__}:{result}"


def test_sixteen_concurrent_reservations_of_ten_units_succeed_exactly_ten_times(company, user):
    location = LocationFactory(company=company)
    supplier = virtual_location(company=company, kind="supplier")
    for repetition in range(20):
        item = ItemFactory(company=company, number=f"RACE-{repetition:02d}")
        stock_move_post(company=company, item=item, quantity=D(10), from_location=supplier, to_location=location,
                        unit_cost=D(1), actor=user)

        def reserve(item=item):
            stock_reserve(company=company, item=item, location=location, quantity=D(1), reference="race",
                          actor=user)

        outcomes = [outcome(o) for o in race([reserve] * 16)]
        assert sorted(o.split(":")[0] for o in outcomes) == ["409"] * 6 + ["ok"] * 10, outcomes
        assert all(o == "409:0.0000" for o in outcomes if o != "ok")
        quant = StockQuant.objects.get(item=item, location=location)
        assert (quant.on_hand, quant.reserved) == (D(10), D(10))
        assert Reservation.objects.filter(item=item).count() == 10
    assert not StockQuant.objects.filter(on_hand__lt=0).exists()
    assert stock_ledger_differences() == []
    assert connection.connection is not None


def test_eight_concurrent_claims_of_one_serial_number_succeed_once(company, user):
    location = LocationFactory(company=company)
    supplier = virtual_location(company=company, kind="supplier")
    for repetition in range(20):
        item = ItemFactory(company=company, number=f"SER-{repetition:02d}", tracking="serial")
        serial = lot_get_or_create(company=company, item=item, code=f"SN-{repetition}")
        stock_move_post(company=company, item=item, quantity=D(1), lot=serial, from_location=supplier,
                        to_location=location, unit_cost=D(100), actor=user)

        def claim(item=item, serial=serial):
            stock_reserve(company=company, item=item, location=location, lot=serial, quantity=D(1), actor=user)

        outcomes = [outcome(o) for o in race([claim] * 8)]
        assert sorted(outcomes) == ["409:0.0000"] * 7 + ["ok"], outcomes
        quant = StockQuant.objects.get(item=item, lot=serial)
        assert (quant.on_hand, quant.reserved) == (D(1), D(1))


def test_concurrent_receipts_and_issues_of_one_item_keep_the_ledger_exact(company, user):
    location = LocationFactory(company=company)
    supplier = virtual_location(company=company, kind="supplier")
    customer = virtual_location(company=company, kind="customer")
    item = ItemFactory(company=company, number="BUSY")
    stock_move_post(company=company, item=item, quantity=D(5), from_location=supplier, to_location=location,
                    unit_cost=D(2), actor=user)
    counter = iter(range(100))
    lock = threading.Lock()

    def work():
        with lock:
            n = next(counter)
        if n % 2:
            stock_move_post(company=company, item=item, quantity=D(1), from_location=location, to_location=customer,
                            actor=user)
        else:
            stock_move_post(company=company, item=item, quantity=D(1), from_location=supplier, to_location=location,
                            unit_cost=D(2), actor=user)

    outcomes = [outcome(o) for o in race([work] * 12)]
    assert all(o == "ok" or o.startswith("409") for o in outcomes), outcomes
    assert stock_ledger_differences() == []
