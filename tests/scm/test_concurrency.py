"""Reservations under real concurrency: separate connections (threads) racing for the same quant."""

import importlib
import threading
from decimal import Decimal

import pytest
from django.db import connection, connections

from apps.core.errors import ConflictError
from apps.scm.models import Reservation, StockQuant
from apps.scm.selectors import stock_ledger_differences
from apps.scm.services.locations import virtual_location
from apps.scm.services.stock import lot_get_or_create, stock_move_post, stock_reserve
from tests.scm.factories import ItemFactory, LocationFactory

D = Decimal
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("scm_concurrency")]


@pytest.fixture(autouse=True)
def reference_data(transactional_db):
    """A transactional test's flush also removes migration data (currencies, units, roles): seed it again."""
    from django.apps import apps

    from apps.core.roles import sync_roles

    seed_reference = importlib.import_module("apps.core.migrations.0002_roles_and_reference_data").seed_reference
    seed_reference(apps, None)
    sync_roles(apps, None)


def race(workers: int, work) -> list[str]:
    """Run `work()` on `workers` threads (each its own connection) released together; outcome per thread."""
    barrier = threading.Barrier(workers)
    outcomes: list[str] = []
    lock = threading.Lock()

    def run():
        try:
            barrier.wait(timeout=30)
            work()
            result = "ok"
        except ConflictError as exc:
            result = f"409:{exc.extra.get('available')}"
        except Exception as exc:  # anything else is a failure the test reports
            result = f"error:{type(exc).__name__}:{exc}"
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=run) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a reservation hung (deadlock?)"
    return outcomes


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

        outcomes = race(16, reserve)
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

        outcomes = race(8, claim)
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

    outcomes = race(12, work)
    assert all(o == "ok" or o.startswith("409") for o in outcomes), outcomes
    assert stock_ledger_differences() == []
