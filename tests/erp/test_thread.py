"""The thread end to end (apps/erp/services/thread.py): one order from lead to cash and from design to delivery, its
figures at step 9 asserted exactly; the same figures when every event is dispatched twice through a real Celery
worker, and when the worker is stopped in the middle and a new one takes over; `run_thread` prints the steps and
fails with a readable message when a check does not hold.

Hand-computed figures (2 bikes at 1,250.00, tax 20 %):
* bought: tubes 10 (supplier minimum) x 12.50 = 125.00, motors 5 (minimum) x 80.00 = 400.00 → GR/IR 525.00;
* drive modules: 2 good + 1 scrapped consume 3 motors = 240.00; 30 min at 48.00/h = 24.00 → 264.00, 132.00 each;
* bikes: 2 drives 264.00 + 4 tubes 50.00 = 314.00; welding 45 min at 60.00 + 20.00 machine = 45.00 + 15.00;
  final assembly 60 min at 48.00 = 48.00 → 422.00, 211.00 each = COGS when both ship;
* left in stock: 6 tubes 75.00 + 2 motors 160.00 = 235.00 = the inventory accounts; WIP 0;
* invoice 2,500.00 + 500.00 tax = 3,000.00, paid in full.
"""

import datetime
import os
from decimal import Decimal as D

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from apps.core import outbox
from apps.core.choices import DeliveryStatus
from apps.core.models import EventDelivery
from apps.erp.models import Invoice, JournalEntry
from apps.erp.services import thread as thread_module
from apps.erp.services.thread import ThreadFailed, thread_run
from apps.mes.models import GenealogyLink
from apps.mes.services import operations
from apps.scm.choices import ShipmentStatus
from apps.scm.models import PurchaseOrder, Shipment

EXPECTED = {
    "invoice_total": D("2500.00"), "invoice_tax": D("500.00"), "invoice_total_with_tax": D("3000.00"),
    "invoice_amount_due": D("0.00"), "invoice_status": "paid",
    "cogs": D("422.00"),
    "finished": {"DRIVE": (D(2), D(1), D("264.00")), "BIKE": (D(2), D(0), D("422.00"))},
    "on_hand": {"TUBE": D(6), "MOTOR": D(2), "DRIVE": D(0), "BIKE": D(0)},
    "stock_value_of_run": D("235.00"),
    "company_stock_value": D("235.00"), "company_inventory_accounts": D("235.00"), "company_wip": D("0.00"),
    "timeline": ["invoice", "opportunity_won", "payment", "quote_accepted", "quote_sent", "sales_order", "shipment"],
}


class ShopClock:
    """MES's clock in the operations service, frozen; `work(minutes)` moves it on: time logs last exactly as long
    as the thread says the operator worked."""

    def __init__(self):
        self.now = timezone.now() - datetime.timedelta(hours=3)

    def work(self, minutes: int) -> None:
        self.now += datetime.timedelta(minutes=minutes)


@pytest.fixture
def clock(monkeypatch):
    shop = ShopClock()

    class Frozen:
        def __getattr__(self, name):
            return getattr(timezone, name)

        @staticmethod
        def now():
            return shop.now

    monkeypatch.setattr(operations, "timezone", Frozen())
    return shop


def figures_of(thread) -> dict:
    figures = dict(thread.figures)
    figures["shipped_serials"] = [code.rsplit("-", 1)[1] for code in figures["shipped_serials"]]
    return figures


def assert_expected(thread) -> None:
    figures = figures_of(thread)
    assert figures.pop("shipped_serials") == ["SN001", "SN002"]
    assert figures == EXPECTED
    assert all(check.ok for check in thread.checks)
    assert [c.name for c in thread.checks] == [
        "trial balance balances", "inventory accounts equal stock value", "WIP is zero",
        "every event delivery is done", "genealogy of the shipped serial reaches the supplier lots",
        "the serial was shipped", "CRM timeline shows every step", "invoice paid"]


def assert_documents_once(thread) -> None:
    """Each effect of an event exists once: one invoice, one COGS entry, one entry per receipt and completion."""
    company = thread.company
    assert Invoice.objects.filter(company=company).count() == 1
    assert PurchaseOrder.objects.filter(company=company).count() == 2
    # 2 receipts, 1 quality release (a move between internal locations: no entry), 2 completions, 1 shipment,
    # the invoice and the payment
    assert JournalEntry.objects.filter(company=company).count() == 7
    assert not EventDelivery.objects.filter(event__company=company).exclude(status=DeliveryStatus.DONE).exists()
    # the sales order's own shipment shipped: its shortage was reserved once, by SCM when the bikes were completed
    # (not cancelled and replaced, not topped up by hand), and nothing was left for a backorder
    shipment = thread.docs["shipment"]
    assert list(Shipment.objects.filter(company=company).values_list("number", "status")) == [
        (shipment.number, ShipmentStatus.SHIPPED)]
    assert next(s for s in thread.steps if s.number == 7).documents[0] == (
        f"shipment {shipment.number}: the shortage reserved when the stock arrived, {thread.items['BIKE'].number} x 2")


def test_the_thread_in_one_process_gives_the_hand_computed_figures(company, clock):
    thread = thread_run(company=company, clock=clock)
    assert_expected(thread)
    assert_documents_once(thread)
    assert [s.number for s in thread.steps] == list(range(10))
    # the genealogy: each bike serial ← the drive module lot and the tube lot; the drive module lot ← the motor lot
    tag = thread.tag
    links = sorted(GenealogyLink.objects.filter(company=company).values_list("parent_lot__code", "child_lot__code",
                                                                             "quantity"))
    assert links == [
        (f"{tag}-DRIVE-L1", f"{tag}-MOTOR-L1", D(3)),
        (f"{tag}-SN001", f"{tag}-DRIVE-L1", D(1)), (f"{tag}-SN001", f"{tag}-TUBE-L1", D(2)),
        (f"{tag}-SN002", f"{tag}-DRIVE-L1", D(1)), (f"{tag}-SN002", f"{tag}-TUBE-L1", D(2)),
    ]
    assert thread.steps[-1].documents[4].endswith(f"{tag}-SN001 ← {tag}-MOTOR-L1 ({thread.docs['receipts'][0].number})"
                                                  f", {tag}-TUBE-L1 ({thread.docs['receipts'][1].number})")


def test_a_second_thread_in_the_same_company_adds_the_same_figures(company, clock):
    first = thread_run(company=company, clock=clock)
    second = thread_run(company=company, clock=clock)
    assert first.tag != second.tag
    figures = figures_of(second)
    assert figures["cogs"] == D("422.00")
    assert figures["stock_value_of_run"] == D("235.00")
    assert figures["company_inventory_accounts"] == figures["company_stock_value"] == D("470.00")


def test_a_check_that_does_not_hold_fails_the_thread_naming_it(company, clock, monkeypatch):
    thread = thread_run(company=company, clock=clock)
    real = thread_module.thread_figures

    def skewed(thread):  # what a lost posting would look like: the books no longer equal the stock
        figures = real(thread)
        figures["company_inventory_accounts"] += D("0.01")
        return figures

    monkeypatch.setattr(thread_module, "thread_figures", skewed)
    with pytest.raises(ThreadFailed, match=r"inventory accounts equal stock value does not hold \(accounts 235.01"):
        thread_module.thread_check(thread)
    assert [c.name for c in thread.checks if not c.ok] == ["inventory accounts equal stock value"]
    # a delivery left undone is named too
    EventDelivery.objects.filter(event__company=company).update(status=DeliveryStatus.DEAD)
    monkeypatch.setattr(thread_module, "thread_figures", real)
    with pytest.raises(ThreadFailed, match=r"every event delivery is done does not hold \(0 done, \d+ not done; "):
        thread_module.thread_check(thread)


def test_a_failing_step_names_the_step_and_the_reason(company, clock, monkeypatch):
    monkeypatch.setattr(thread_module, "UNIT_PRICE", D("-1"))
    why = r"step 1 \(A lead asks for a cargo variant\) failed: DomainError: amount: The amount cannot be negative"
    with pytest.raises(ThreadFailed, match=why):
        thread_run(company=company, clock=clock)


def test_run_thread_prints_the_steps_and_exits_non_zero_on_a_failed_check(company, clock, monkeypatch, capsys):
    call_command("run_thread", company=company.code)
    out = capsys.readouterr().out
    for heading in ("1. Lead qualified", "4. MRP run", "7. Shipped", "9. Checks", "every check holds"):
        assert heading in out
    assert "ok   trial balance balances" in out
    monkeypatch.setattr(thread_module, "TIMELINE_KINDS", thread_module.TIMELINE_KINDS | {"case_opened"})
    with pytest.raises(CommandError, match=r"CRM timeline shows every step does not hold .*missing case_opened"):
        call_command("run_thread", company=company.code)
    with pytest.raises(CommandError, match="No company with code NOPE"):
        call_command("run_thread", company="NOPE")


# ---- through a real Celery worker ------------------------------------------------------------------------------

@pytest.fixture
def own_worker(transactional_db):
    """Start and stop real Celery workers (threads) on a queue of this test; the broker keeps the messages sent
    while none runs (memory broker, or Redis when REDIS_URL is set)."""
    from suite.celery import app
    from tests.conftest import settle_deliveries, start_test_worker, stop_session_worker, stop_test_worker

    stop_session_worker()  # one worker at a time in this process
    queue = f"millwright-thread-{os.getpid()}-{id(object())}"
    previous = app.conf.task_default_queue, app.conf.broker_transport_options
    app.conf.task_default_queue = queue
    if app.conf.broker_url.startswith("memory://"):  # the memory transport polls its queues: every 10 ms, not 1 s
        app.conf.broker_transport_options = {**(previous[1] or {}), "polling_interval": 0.01}
    app.conf.task_always_eager = False
    running = []

    def start():
        running.append(start_test_worker(app, queue)[0])

    def stop():
        stop_test_worker(running.pop())

    yield start, stop
    while running:
        stop()
    settle_deliveries()
    app.conf.task_default_queue, app.conf.broker_transport_options = previous


@pytest.mark.flow
def test_every_event_dispatched_twice_through_the_worker_gives_the_same_figures(own_worker, company, clock,
                                                                                monkeypatch):
    start, _stop = own_worker
    start()
    sent = []
    real = outbox.enqueue_dispatch

    def twice(event_id, countdown=0, handler=None):  # an event's message, or one per handler of it
        sent.append(event_id)
        real(event_id, countdown, handler)
        return real(event_id, countdown, handler)

    monkeypatch.setattr(outbox, "enqueue_dispatch", twice)
    thread = thread_run(company=company, deliver=False, clock=clock, timeout=30)
    assert_expected(thread)
    assert_documents_once(thread)
    assert len(sent) >= 20  # every event of the thread went out twice


@pytest.mark.flow
def test_the_worker_restarted_in_the_middle_gives_the_same_figures(own_worker, company, clock, monkeypatch):
    start, stop = own_worker
    start()
    stopped, waiting = [], []
    settle = thread_module.Thread.settle

    def restart(thread, number):
        if number == 4:  # the worker stops after planning; step 5 orders and receives with none running
            stop()
            stopped.append(number)

    def settle_restarting(thread):
        if stopped and not waiting:  # the receipts' events were sent while no worker ran: they wait in the broker
            waiting.append(EventDelivery.objects.filter(event__name="scm.goods_receipt.posted",
                                                        status=DeliveryStatus.PENDING).count())
            start()
        return settle(thread)

    monkeypatch.setattr(thread_module.Thread, "settle", settle_restarting)
    thread = thread_run(company=company, deliver=False, clock=clock, timeout=30, between=restart)
    assert waiting[0] >= 2  # each of the two receipts' postings at least
    assert_expected(thread)
    assert_documents_once(thread)
