"""Gapless document numbers: per company, per type and per year; concurrent callers never share one."""

import datetime
import threading

import pytest
from django.db import connection, transaction

from apps.core.numbering import next_number
from tests.core.factories import CompanyFactory

DAY = datetime.date(2026, 3, 15)


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_draws_get_twenty_consecutive_numbers(company):
    workers = 20
    barrier = threading.Barrier(workers)
    numbers, errors = [], []
    lock = threading.Lock()

    def draw():
        try:
            barrier.wait(timeout=30)
            with transaction.atomic():  # each thread: its own connection and transaction
                number = next_number(company=company, doc_type="T", date=DAY)
            with lock:
                numbers.append(number)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=draw) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sorted(numbers) == [f"T-2026-{n:05d}" for n in range(1, workers + 1)]


@pytest.mark.django_db
def test_rolled_back_draw_gives_its_number_back(company):
    class Abort(Exception):
        pass

    assert next_number(company=company, doc_type="SO", date=DAY) == "SO-2026-00001"
    drawn = []

    def draw_then_fail():
        with transaction.atomic():
            drawn.append(next_number(company=company, doc_type="SO", date=DAY))
            raise Abort()

    with pytest.raises(Abort):
        draw_then_fail()
    assert drawn == ["SO-2026-00002"]
    assert next_number(company=company, doc_type="SO", date=DAY) == "SO-2026-00002"


@pytest.mark.django_db
def test_numbers_are_per_company_type_and_year(company, other_company):
    assert next_number(company=company, doc_type="PO", date=DAY) == "PO-2026-00001"
    assert next_number(company=company, doc_type="PO", date=DAY) == "PO-2026-00002"
    assert next_number(company=other_company, doc_type="PO", date=DAY) == "PO-2026-00001"
    assert next_number(company=company, doc_type="SO", date=DAY) == "SO-2026-00001"
    assert next_number(company=company, doc_type="PO", date=datetime.date(2027, 1, 1)) == "PO-2027-00001"
    assert next_number(company=company, doc_type="PO", date=datetime.date(2026, 12, 31)) == "PO-2026-00003"


@pytest.mark.django_db
def test_unyearly_numbers_and_width(company):
    assert next_number(company=company, doc_type="P", yearly=False) == "P-00001"
    assert next_number(company=company, doc_type="P", yearly=False, width=3) == "P-002"
    third = CompanyFactory(code="THIRD")
    assert next_number(company=third, doc_type="P", yearly=False) == "P-00001"


@pytest.mark.django_db
def test_year_defaults_to_today(company):
    from django.utils import timezone

    assert next_number(company=company, doc_type="INV") == f"INV-{timezone.localdate().year}-00001"
