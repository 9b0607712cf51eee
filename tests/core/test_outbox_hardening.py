"""Outbox hardening (issue #9): claims with SKIP LOCKED, due re-check, capped sweep, attempt log, backfill, purge.

Handlers write Notes on the event's subject, so effects are counted in the database; their calls are
counted in memory (the worker runs in a thread of this process).
"""

import re
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from io import StringIO
from unittest import mock

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from apps.core import outbox
from apps.core.choices import AttemptOutcome, DeliveryStatus
from apps.core.errors import DomainError
from apps.core.models import DeliveryAttempt, Event, EventDelivery, IdempotencyRecord, Note, Party
from apps.core.services.outbox_ops import PurgeResult, outbox_backfill, outbox_purge
from tests.conftest import wait_for
from tests.core.factories import (
    CompanyFactory,
    DeliveryAttemptFactory,
    EventDeliveryFactory,
    EventFactory,
    PartyFactory,
    UserFactory,
)
from tests.plm.factories import ChangeRequestFactory

EVENT = "test.hardening.touched"
OTHER_EVENT = "test.hardening.other"
MODULE = "tests.core.test_outbox_hardening"


class Controls:
    """Call counts and switches of the test handlers; `release` holds the slow handler until set."""

    def __init__(self):
        self.calls: dict[str, int] = {}
        self.lock = threading.Lock()
        self.failures_left = 0
        self.entered = threading.Event()
        self.release = threading.Event()

    def count(self, who: str) -> int:
        with self.lock:
            self.calls[who] = self.calls.get(who, 0) + 1
            return self.calls[who]


CONTROLS = Controls()


def _note(event, body: str) -> None:
    Note.objects.create(company_id=event.company_id, content_type=ContentType.objects.get_for_model(Party),
                        object_id=event.subject_id, body=body, author_id=event.payload["author"])


def counting_handler(event):
    CONTROLS.count("counting")
    _note(event, "counting")


def flaky_handler(event):
    """Fails (after writing a Note that must roll back) while `failures_left` > 0."""
    CONTROLS.count("flaky")
    _note(event, "flaky partial")
    with CONTROLS.lock:
        failing = CONTROLS.failures_left > 0
        CONTROLS.failures_left -= 1
    if failing:
        raise RuntimeError("ledger locked")
    Note.objects.filter(body="flaky partial", object_id=event.subject_id).update(body="flaky")


def slow_handler(event):
    """Blocks until the test releases it (bounded, so a failing test cannot hang the worker)."""
    CONTROLS.count("slow")
    CONTROLS.entered.set()
    CONTROLS.release.wait(timeout=30)
    _note(event, "slow")


def late_handler(event):
    CONTROLS.count("late")
    _note(event, "late")


@pytest.fixture
def controls():
    global CONTROLS
    CONTROLS = Controls()
    yield CONTROLS
    CONTROLS.release.set()  # never leave a worker thread stuck in slow_handler


@pytest.fixture
def subscribe(controls):
    """subscribe(event_name, handler): a temporary subscription, removed after the test."""
    registered = []

    def add(event_name, func):
        outbox.subscriber(event_name)(func)
        registered.append((event_name, func))

    yield add
    for event_name, func in registered:
        outbox.unsubscribe(event_name, func)


@pytest.fixture
def subject(company):
    return PartyFactory(company=company, name="Ferro AG")


@pytest.fixture
def author(db):
    return UserFactory(username="hardening-author")


def emit_committed(subject, author, name: str = EVENT) -> Event:
    with transaction.atomic():
        return outbox.emit(name, company=subject.company, subject=subject, payload={"author": author.pk})


def emit_quietly(subject, author, name: str = EVENT) -> Event:
    """Emit with the broker down, so that only the test decides who dispatches the event."""
    from apps.core.tasks import dispatch_event

    with mock.patch.object(dispatch_event, "apply_async", side_effect=ConnectionRefusedError("broker down")):
        return emit_committed(subject, author, name)


def delivery_of(event, func) -> EventDelivery:
    return EventDelivery.objects.get(event=event, handler=f"{MODULE}.{func.__name__}")


def attempts_of(delivery) -> list[tuple]:
    return list(DeliveryAttempt.objects.filter(delivery=delivery).order_by("number")
                .values_list("number", "outcome", "error"))


def run_in_thread(target) -> tuple[threading.Thread, dict]:
    """Start `target()` in a thread with its own connection; the dict receives its result or error."""
    outcome: dict = {}

    def run():
        try:
            outcome["result"] = target()
        except BaseException as exc:  # pragma: no cover - reported by the test's assertions
            outcome["error"] = exc
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


# ---- the lock and the due check ------------------------------------------------------------------------------

@pytest.mark.django_db
def test_delivery_not_yet_due_is_not_run_by_an_early_dispatch(subscribe, controls, subject, author):
    subscribe(EVENT, counting_handler)
    event = emit_quietly(subject, author)
    delivery = delivery_of(event, counting_handler)
    later = timezone.now() + timedelta(minutes=5)
    EventDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=later)
    assert outbox.deliver(delivery.pk) is False
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == (DeliveryStatus.PENDING, 0, later)
    assert controls.calls == {}
    assert not DeliveryAttempt.objects.exists()
    assert Note.objects.count() == 0


@pytest.mark.django_db
def test_retry_racing_a_sweep_runs_once_per_attempt(subscribe, controls, subject, author, settings):
    settings.OUTBOX_BACKOFF_SECONDS = 60
    subscribe(EVENT, flaky_handler)
    controls.failures_left = 1
    event = emit_quietly(subject, author)
    delivery = delivery_of(event, flaky_handler)
    with mock.patch.object(outbox, "enqueue_dispatch") as enqueue:
        assert outbox.deliver(delivery.pk) is False  # the countdown's run: fails, next attempt in 60 s
        # the sweep had selected the delivery as due before that failure; its run must not try again now
        assert outbox.deliver(delivery.pk) is False
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.PENDING, 1)
    assert controls.calls == {"flaky": 1}
    assert attempts_of(delivery) == [(1, AttemptOutcome.FAILED, "RuntimeError: ledger locked")]
    enqueue.assert_called_once_with(event.pk, countdown=60)


@pytest.mark.django_db(transaction=True)
def test_delivery_held_by_another_worker_is_skipped_not_waited_on(subscribe, controls, subject, author):
    subscribe(EVENT, slow_handler)
    event = emit_quietly(subject, author)
    delivery = delivery_of(event, slow_handler)
    first, first_outcome = run_in_thread(lambda: outbox.deliver(delivery.pk))
    assert controls.entered.wait(timeout=20), "the first worker never entered the handler"
    second, second_outcome = run_in_thread(lambda: outbox.deliver(delivery.pk))
    second.join(timeout=20)
    # the second worker is back while the first still holds the delivery: it skipped it
    assert not second.is_alive()
    assert first.is_alive()
    assert second_outcome == {"result": False}
    controls.release.set()
    first.join(timeout=20)
    assert first_outcome == {"result": True}
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.DONE, 1)
    assert controls.calls == {"slow": 1}
    assert attempts_of(delivery) == [(1, AttemptOutcome.DONE, "")]
    assert list(Note.objects.values_list("body", flat=True)) == ["slow"]


@pytest.mark.flow
def test_slow_handler_does_not_hold_up_other_events(celery_worker, subscribe, controls, subject, author):
    subscribe(EVENT, slow_handler)
    subscribe(OTHER_EVENT, counting_handler)
    slow = emit_committed(subject, author)  # one worker thread takes it and blocks in the handler
    assert controls.entered.wait(timeout=20), "no worker entered the slow handler"

    # 200 more dispatches of the held event (sweeps, countdown retries) from 8 threads: each skips it at once
    def redispatch():
        try:
            return outbox.dispatch(slow.pk)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = [f.result(timeout=30) for f in [pool.submit(redispatch) for _ in range(200)]]
    assert results == [[]] * 200
    # and through the broker: the worker's other thread gets past the duplicates to another event's delivery
    for _ in range(3):
        outbox.enqueue_dispatch(slow.pk)
    fast = emit_committed(subject, author, OTHER_EVENT)
    wait_for(lambda: delivery_of(fast, counting_handler).status == DeliveryStatus.DONE, timeout=30,
             message="the other event delivered while the slow one is held")
    slow_delivery = delivery_of(slow, slow_handler)
    assert (slow_delivery.status, slow_delivery.attempts) == (DeliveryStatus.PENDING, 0)
    assert controls.calls == {"slow": 1, "counting": 1}
    controls.release.set()
    wait_for(lambda: delivery_of(slow, slow_handler).status == DeliveryStatus.DONE, message="the slow delivery")
    assert controls.calls == {"slow": 1, "counting": 1}
    assert attempts_of(delivery_of(slow, slow_handler)) == [(1, AttemptOutcome.DONE, "")]
    assert sorted(Note.objects.values_list("body", flat=True)) == ["counting", "slow"]


# ---- the sweep -----------------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_sweep_sends_at_most_the_batch_oldest_first(company, settings):
    settings.OUTBOX_SWEEP_BATCH = 50
    events = Event.objects.bulk_create([Event(company=company, name=EVENT, subject_type="core.party",
                                              subject_id=str(n), payload={}) for n in range(200)])
    EventDelivery.objects.bulk_create([EventDelivery(event=e, handler="tests.h") for e in events])
    Event.objects.update(created_at=timezone.now() - timedelta(minutes=10))
    ids = sorted(e.pk for e in events)
    with mock.patch.object(outbox, "enqueue_dispatch") as enqueue:
        assert outbox.sweep() == ids[:50]
        assert [c.args for c in enqueue.call_args_list] == [(pk,) for pk in ids[:50]]
        assert outbox.sweep(batch=500) == ids


# ---- the attempt log -----------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_every_attempt_leaves_a_row_also_when_the_handler_rolled_back(subscribe, controls, subject, author,
                                                                      settings):
    settings.OUTBOX_MAX_ATTEMPTS = 5
    subscribe(EVENT, flaky_handler)
    controls.failures_left = 2
    event = emit_quietly(subject, author)
    delivery = delivery_of(event, flaky_handler)
    with mock.patch.object(outbox, "enqueue_dispatch"):
        assert outbox.dispatch(event.pk) == []
        assert outbox.dispatch(event.pk) == []
        assert outbox.dispatch(event.pk) == [f"{MODULE}.flaky_handler"]
    assert attempts_of(delivery) == [(1, AttemptOutcome.FAILED, "RuntimeError: ledger locked"),
                                     (2, AttemptOutcome.FAILED, "RuntimeError: ledger locked"),
                                     (3, AttemptOutcome.DONE, "")]
    for attempt in DeliveryAttempt.objects.filter(delivery=delivery):
        assert attempt.started_at <= attempt.finished_at
        assert attempt.duration_ms >= 0
    # the failed attempts' rows survived; their effects did not
    assert list(Note.objects.values_list("body", flat=True)) == ["flaky"]
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.DONE, 3)


@pytest.mark.django_db
def test_last_failed_attempt_is_logged_dead(subscribe, controls, subject, author, settings):
    settings.OUTBOX_MAX_ATTEMPTS = 2
    subscribe(EVENT, flaky_handler)
    controls.failures_left = 10
    event = emit_quietly(subject, author)
    with mock.patch.object(outbox, "enqueue_dispatch") as enqueue:
        outbox.dispatch(event.pk)
        outbox.dispatch(event.pk)
        assert outbox.dispatch(event.pk) == []  # dead: nothing runs any more
    delivery = delivery_of(event, flaky_handler)
    assert delivery.status == DeliveryStatus.DEAD
    assert attempts_of(delivery) == [(1, AttemptOutcome.FAILED, "RuntimeError: ledger locked"),
                                     (2, AttemptOutcome.DEAD, "RuntimeError: ledger locked")]
    assert controls.calls == {"flaky": 2}
    assert enqueue.call_count == 1  # a retry after the first failure, none after the dead one
    assert Note.objects.count() == 0


def test_event_api_lists_each_deliverys_attempts(api, company):
    event = EventFactory(company=company)
    delivery = EventDeliveryFactory(event=event, status=DeliveryStatus.DONE, attempts=2, handler="tests.h")
    started = timezone.now().replace(microsecond=0) - timedelta(minutes=1)
    DeliveryAttemptFactory(delivery=delivery, number=1, started_at=started, finished_at=started,
                           duration_ms=7, error="RuntimeError: boom")
    DeliveryAttemptFactory(delivery=delivery, number=2, started_at=started + timedelta(seconds=5),
                           finished_at=started + timedelta(seconds=5), outcome=AttemptOutcome.DONE, error="",
                           duration_ms=3)
    body = api.get(f"/api/v1/core/events/{event.pk}/").json()
    [row] = body["deliveries"]
    assert (row["handler"], row["status"], row["attempts"]) == ("tests.h", "done", 2)
    assert [(a["number"], a["outcome"], a["error"], a["duration_ms"]) for a in row["attempts_log"]] == [
        (1, "failed", "RuntimeError: boom", 7), (2, "done", "", 3)]
    assert row["attempts_log"][1]["started_at"] == (started + timedelta(seconds=5)).isoformat().replace(
        "+00:00", "Z")


def test_flow_monitor_and_admin_show_the_attempts_of_each_delivery(web, company, client, make_user):
    event = EventFactory(company=company)
    delivery = EventDeliveryFactory(event=event, status=DeliveryStatus.DEAD, attempts=1, handler="tests.h",
                                    last_error="RuntimeError: supplier unreachable")
    DeliveryAttemptFactory(delivery=delivery, outcome=AttemptOutcome.DEAD,
                           error="RuntimeError: supplier unreachable", duration_ms=41)
    page = web.get(reverse("core:event_detail", args=[event.pk]))
    assert page.status_code == 200
    [shown] = page.context["deliveries"]
    assert [(a.number, a.outcome, a.duration_ms) for a in shown.attempts_log.all()] == [(1, "dead", 41)]
    html = page.content.decode()
    assert html.count('data-testid="attempt"') == 1
    assert "RuntimeError: supplier unreachable" in html
    admin = make_user(company, "Admin", is_staff=True, is_superuser=True)
    client.force_login(admin)
    change = client.get(reverse("admin:core_eventdelivery_change", args=[delivery.pk]))
    assert change.status_code == 200
    html = change.content.decode()
    assert html.count('class="form-row has_original"') == 1  # one read-only inline row: the attempt
    assert 'id="attempts_log-0"' in html
    assert re.search(r'field-error">\s*<p>RuntimeError: supplier unreachable</p>', html)
    assert re.search(r'field-duration_ms">\s*<p>41</p>', html)


# ---- backfill for a late subscriber --------------------------------------------------------------------------

@pytest.mark.flow
def test_backfill_gives_a_late_subscriber_each_past_event_once(celery_worker, subscribe, controls, subject, author):
    past = emit_committed(subject, author)  # nobody subscribes yet: no delivery
    assert not EventDelivery.objects.exists()
    subscribe(EVENT, late_handler)
    today = timezone.localdate().isoformat()
    out = StringIO()
    call_command("outbox_backfill", "--handler", f"{MODULE}.late_handler", "--since", today, stdout=out)
    assert out.getvalue().strip() == f"Created 1 deliveries for {MODULE}.late_handler."
    wait_for(lambda: delivery_of(past, late_handler).status == DeliveryStatus.DONE, message="the backfilled one")
    again = StringIO()
    call_command("outbox_backfill", "--handler", f"{MODULE}.late_handler", "--since", today, stdout=again)
    assert again.getvalue().strip() == f"Created 0 deliveries for {MODULE}.late_handler."
    assert outbox.dispatch(past.pk) == []
    assert controls.calls == {"late": 1}
    assert list(Note.objects.values_list("body", flat=True)) == ["late"]
    assert attempts_of(delivery_of(past, late_handler)) == [(1, AttemptOutcome.DONE, "")]
    assert EventDelivery.objects.count() == 1


@pytest.mark.django_db
def test_backfill_takes_only_the_period_company_and_events_of_the_handler(subscribe, controls, company, author,
                                                                          django_capture_on_commit_callbacks):
    subscribe(EVENT, late_handler)
    other = CompanyFactory(code="OTH")
    day = timezone.now().replace(hour=12, minute=0, second=0, microsecond=0) - timedelta(days=10)

    def event_on(when, *, name=EVENT, of=company):
        event = EventFactory(company=of, name=name)
        Event.objects.filter(pk=event.pk).update(created_at=when)
        return event

    before = event_on(day - timedelta(days=2))
    inside = event_on(day)
    inside_later = event_on(day + timedelta(days=1))
    after = event_on(day + timedelta(days=5))
    elsewhere = event_on(day, of=other)
    not_subscribed = event_on(day, name=OTHER_EVENT)
    already = event_on(day)
    EventDeliveryFactory(event=already, handler=f"{MODULE}.late_handler", status=DeliveryStatus.DONE)
    handler = f"{MODULE}.late_handler"
    period = {"since": day - timedelta(hours=1), "until": day + timedelta(days=2), "company": company}
    assert outbox_backfill(handler=handler, dry_run=True, **period) == 2
    assert EventDelivery.objects.filter(handler=handler).count() == 1
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert outbox_backfill(handler=handler, batch=1, **period) == 2
    assert len(callbacks) == 2  # one dispatch per event that got a delivery
    created = EventDelivery.objects.filter(handler=handler).exclude(event=already)
    assert sorted(created.values_list("event_id", flat=True)) == [inside.pk, inside_later.pk]
    assert set(created.values_list("status", flat=True)) == {DeliveryStatus.PENDING}
    assert outbox_backfill(handler=handler, **period) == 0
    untouched = [before, after, elsewhere, not_subscribed]
    assert not EventDelivery.objects.filter(event__in=untouched).exists()


@pytest.mark.django_db
def test_backfill_of_an_unknown_handler_fails_and_creates_nothing(subscribe, controls, company):
    subscribe(EVENT, late_handler)
    EventFactory(company=company, name=EVENT)
    with pytest.raises(CommandError, match=r"handler: No subscriber is registered under 'tests\.nope\.handler'"):
        call_command("outbox_backfill", "--handler", "tests.nope.handler", "--since", "2020-01-01")
    with pytest.raises(DomainError) as raised:
        outbox_backfill(handler="tests.nope.handler", since=timezone.now() - timedelta(days=1))
    assert raised.value.code == "unknown_handler"
    with pytest.raises(CommandError, match="--since: 'yesterday' is not a date"):
        call_command("outbox_backfill", "--handler", f"{MODULE}.late_handler", "--since", "yesterday")
    assert not EventDelivery.objects.exists()


# ---- purge ---------------------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_purge_removes_old_delivered_events_and_keeps_pending_dead_recent_and_referenced(company, user, settings):
    settings.OUTBOX_RETENTION_DAYS = 30
    settings.IDEMPOTENCY_RETENTION_HOURS = 24
    now = timezone.now()
    old, recent = now - timedelta(days=31), now - timedelta(days=29)

    def event_with(*statuses, at=old):
        event = EventFactory(company=company)
        for status in statuses:
            delivery = EventDeliveryFactory(event=event, status=status)
            DeliveryAttemptFactory(delivery=delivery, outcome=AttemptOutcome.FAILED)
        Event.objects.filter(pk=event.pk).update(created_at=at)
        return event

    done_twice = event_with(DeliveryStatus.DONE, DeliveryStatus.DONE)
    no_deliveries = event_with()
    kept = {
        "pending": event_with(DeliveryStatus.DONE, DeliveryStatus.PENDING),
        "dead": event_with(DeliveryStatus.DEAD),
        "recent": event_with(DeliveryStatus.DONE, at=recent),
        "referenced": event_with(DeliveryStatus.DONE),
    }
    ChangeRequestFactory(company=company, source_event=kept["referenced"])
    old_key = IdempotencyRecord.objects.create(user=user, key="old", method="POST", path="/x/", request_hash="h",
                                               status_code=201)
    IdempotencyRecord.objects.filter(pk=old_key.pk).update(created_at=now - timedelta(hours=25),
                                                           claimed_at=now - timedelta(hours=25))
    fresh_key = IdempotencyRecord.objects.create(user=user, key="fresh", method="POST", path="/x/",
                                                 request_hash="h", status_code=201)

    assert outbox_purge(batch=1) == PurgeResult(events=2, deliveries=2, attempts=2, idempotency_records=1)
    assert not Event.objects.filter(pk__in=[done_twice.pk, no_deliveries.pk]).exists()
    assert sorted(Event.objects.values_list("pk", flat=True)) == sorted(e.pk for e in kept.values())
    assert EventDelivery.objects.count() == 5
    assert DeliveryAttempt.objects.count() == 5
    assert list(IdempotencyRecord.objects.values_list("pk", flat=True)) == [fresh_key.pk]
    out = StringIO()
    call_command("outbox_purge", stdout=out)  # nothing left to purge: a second run deletes nothing
    assert out.getvalue().strip() == ("Purged 0 events (0 deliveries, 0 attempts) older than 30 days and "
                                      "0 idempotency records older than 24 hours.")
    assert Event.objects.count() == 4


def test_purge_runs_hourly_from_celery_beat(settings):
    from apps.core.tasks import purge_outbox

    entry = settings.CELERY_BEAT_SCHEDULE["outbox-purge"]
    assert (entry["task"], entry["schedule"]) == ("core.purge_outbox", timedelta(hours=1))
    assert purge_outbox.name == "core.purge_outbox"
    assert (settings.OUTBOX_RETENTION_DAYS, settings.IDEMPOTENCY_RETENTION_HOURS) == (30, 24)
    assert (settings.OUTBOX_SWEEP_BATCH, settings.IDEMPOTENCY_CLAIM_TTL_SECONDS) == (500, 60)
