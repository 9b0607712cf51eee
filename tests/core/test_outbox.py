"""The outbox: no commit no event, exactly-once delivery per handler, redelivery, sweeper, dead letters, replay.

Handlers write Notes on the event's subject, so "exactly once" is counted in the database.
Flow tests go through a real Celery worker thread (`celery_worker`) and committed data.
"""

import threading
from unittest import mock

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction

from apps.core import outbox
from apps.core.choices import DeliveryStatus
from apps.core.models import Event, EventDelivery, Note, Party
from apps.core.services.events import event_replay
from tests.conftest import settle_deliveries, wait_for
from tests.core.factories import PartyFactory, UserFactory

EVENT = "test.party.touched"


class WorkerDied(BaseException):
    """Stands for a worker killed mid-handler: not an Exception, so nothing in deliver() catches it."""


class Handlers:
    """Two subscribers that leave one Note each per delivery; switches make them fail on demand."""

    def __init__(self):
        self.calls = {"first": 0, "second": 0}
        self.die_on_first_call = False
        self.keep_failing = False
        self.lock = threading.Lock()

    def note(self, event, who: str) -> None:
        with self.lock:
            self.calls[who] += 1
            call = self.calls[who]
        if who == "first" and self.die_on_first_call and call == 1:
            Note.objects.create(**_note_fields(event, f"{who} half-done"))
            raise WorkerDied()
        if who == "first" and self.keep_failing:
            Note.objects.create(**_note_fields(event, f"{who} partial"))
            raise RuntimeError("supplier system unreachable")
        Note.objects.create(**_note_fields(event, who))


def _note_fields(event, body: str) -> dict:
    party = Party.objects.get(pk=event.subject_id)
    return {"company_id": event.company_id, "content_type": ContentType.objects.get_for_model(Party),
            "object_id": str(party.pk), "body": body, "author_id": event.payload["author"]}


STATE = Handlers()


def first_handler(event):
    STATE.note(event, "first")


def second_handler(event):
    STATE.note(event, "second")


@pytest.fixture
def handlers():
    global STATE
    STATE = Handlers()
    outbox.subscriber(EVENT)(first_handler)
    outbox.subscriber(EVENT)(second_handler)
    yield STATE
    outbox.unsubscribe(EVENT, first_handler)
    outbox.unsubscribe(EVENT, second_handler)


@pytest.fixture
def subject(company):
    return PartyFactory(company=company, name="Ferro AG")


@pytest.fixture
def author(db):
    return UserFactory(username="outbox-author")


def emit_committed(subject, author) -> Event:
    with transaction.atomic():
        return outbox.emit(EVENT, company=subject.company, subject=subject, payload={"author": author.pk})


def notes(body: str | None = None) -> list[str]:
    queryset = Note.objects.all()
    if body is not None:
        queryset = queryset.filter(body=body)
    return sorted(queryset.values_list("body", flat=True))


def all_done(event) -> bool:
    return (EventDelivery.objects.filter(event=event).exists()
            and not EventDelivery.objects.filter(event=event).exclude(status=DeliveryStatus.DONE).exists())


def broker_down():
    from apps.core.tasks import dispatch_event

    return mock.patch.object(dispatch_event, "apply_async", side_effect=ConnectionRefusedError("broker down"))


# ---- emit --------------------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_emit_writes_the_event_and_one_pending_delivery_per_handler(handlers, subject, author,
                                                                    django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        event = outbox.emit(EVENT, company=subject.company, subject=subject, payload={"author": author.pk})
    assert (event.name, event.subject_type, event.subject_id) == (EVENT, "core.party", str(subject.pk))
    deliveries = list(event.deliveries.order_by("handler").values_list("handler", "status", "attempts"))
    assert deliveries == [("tests.core.test_outbox.first_handler", "pending", 0),
                          ("tests.core.test_outbox.second_handler", "pending", 0)]
    assert len(callbacks) == 1  # the dispatch is enqueued on commit, not before


@pytest.mark.flow
def test_rolled_back_event_is_never_delivered(celery_worker, handlers, subject, author):
    class Abort(Exception):
        pass

    def emit_then_fail():
        with transaction.atomic():
            outbox.emit(EVENT, company=subject.company, subject=subject, payload={"author": author.pk})
            raise Abort()

    with pytest.raises(Abort):
        emit_then_fail()
    assert not Event.objects.exists()
    assert not EventDelivery.objects.exists()
    # a committed marker event afterwards proves the worker was running and would have delivered the first one
    marker = emit_committed(subject, author)
    wait_for(lambda: all_done(marker), message="the marker event delivered")
    assert handlers.calls == {"first": 1, "second": 1}
    assert Event.objects.count() == 1


@pytest.mark.flow
def test_committed_event_is_delivered_once_to_each_subscriber(celery_worker, handlers, subject, author):
    event = emit_committed(subject, author)
    wait_for(lambda: all_done(event), message="both deliveries done")
    assert notes() == ["first", "second"]
    for delivery in event.deliveries.all():
        assert (delivery.status, delivery.attempts, delivery.last_error) == (DeliveryStatus.DONE, 1, "")
        assert delivery.delivered_at is not None


@pytest.mark.flow
def test_dispatching_twice_has_effects_once(celery_worker, handlers, subject, author):
    event = emit_committed(subject, author)
    outbox.enqueue_dispatch(event.pk)  # a duplicate message, as a broker redelivery would send
    wait_for(lambda: all_done(event), message="both deliveries done")
    assert outbox.dispatch(event.pk) == []  # and once more, in-process: nothing left to do
    assert outbox.dispatch(event.pk) == []
    assert notes() == ["first", "second"]
    assert handlers.calls == {"first": 1, "second": 1}
    assert sorted(event.deliveries.values_list("attempts", flat=True)) == [1, 1]


@pytest.mark.flow
def test_between_flow_tests_the_session_worker_delivers_nothing(celery_worker_session, transactional_db, handlers,
                                                                 subject, author):
    """A transactional test after a flow test sends its events where no worker reads them: the session's worker
    delivering them while the test ends would lock rows the test's flush must truncate (a CI run failed so)."""
    from suite.celery import app

    celery_worker_session.ensure()
    celery_worker_session.park()
    with app.connection_for_write() as connection:  # what earlier tests of this process sent there while parked
        connection.default_channel.queue_purge(celery_worker_session.unconsumed)
    event = emit_committed(subject, author)
    with app.connection_for_write() as connection:
        waiting = connection.default_channel.queue_declare(celery_worker_session.unconsumed, passive=True)
    assert waiting.message_count == 2  # one message per handler, still in the broker
    assert sorted(event.deliveries.values_list("status", flat=True)) == ["pending", "pending"]
    celery_worker_session.ensure()  # the next flow test: its worker delivers what is sent now
    outbox.enqueue_deliveries(event.pk, list(outbox.subscribers_of(EVENT)))
    wait_for(lambda: all_done(event), message="both deliveries done")
    settle_deliveries()
    celery_worker_session.park()
    assert notes() == ["first", "second"]


@pytest.mark.django_db(transaction=True)
def test_concurrent_dispatch_from_two_threads_has_effects_once(handlers, subject, author):
    with broker_down():  # keep the event for the two racing dispatchers alone
        event = emit_committed(subject, author)
    barrier = threading.Barrier(2)
    results, errors = [], []

    def race():
        try:
            barrier.wait(timeout=10)
            results.append(outbox.dispatch(event.pk))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=race) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert sorted(h for result in results for h in result) == ["tests.core.test_outbox.first_handler",
                                                                "tests.core.test_outbox.second_handler"]
    assert notes() == ["first", "second"]
    assert handlers.calls == {"first": 1, "second": 1}


@pytest.mark.flow
def test_worker_dying_mid_handler_leaves_the_delivery_pending_for_the_sweeper(celery_worker, handlers, subject,
                                                                               author):
    handlers.die_on_first_call = True
    with broker_down():
        event = emit_committed(subject, author)
    with pytest.raises(WorkerDied):
        outbox.dispatch(event.pk)  # the "worker" runs the first delivery and dies inside the handler
    first = event.deliveries.get(handler__endswith="first_handler")
    assert (first.status, first.attempts) == (DeliveryStatus.PENDING, 0)  # the delivery transaction rolled back
    assert notes() == []  # and so did the half-done effect
    assert outbox.sweep(older_than_seconds=0) == [event.pk]
    wait_for(lambda: all_done(event), message="the sweeper's dispatch delivered both")
    assert notes() == ["first", "second"]
    assert handlers.calls == {"first": 2, "second": 1}
    assert outbox.sweep(older_than_seconds=0) == []


@pytest.mark.flow
def test_event_enqueued_while_the_broker_was_down_is_sent_by_the_sweeper(celery_worker, handlers, subject, author):
    with broker_down() as apply_async:
        event = emit_committed(subject, author)
    assert apply_async.call_count == 1  # the commit tried to send it
    assert list(event.deliveries.values_list("status", flat=True)) == ["pending", "pending"]
    assert notes() == []
    assert outbox.sweep() == []  # not yet due: younger than OUTBOX_SWEEP_AFTER_SECONDS
    assert outbox.sweep(older_than_seconds=0) == [event.pk]
    wait_for(lambda: all_done(event), message="the sweeper's dispatch delivered both")
    assert notes() == ["first", "second"]


@pytest.mark.flow
def test_failing_handler_ends_dead_then_replay_delivers_it_once(celery_worker, handlers, subject, author,
                                                                settings):
    settings.OUTBOX_MAX_ATTEMPTS = 3
    handlers.keep_failing = True
    event = emit_committed(subject, author)
    first = event.deliveries.get(handler__endswith="first_handler")
    wait_for(lambda: EventDelivery.objects.get(pk=first.pk).status == DeliveryStatus.DEAD,
             message="the failing delivery to be dead")
    wait_for(lambda: event.deliveries.get(handler__endswith="second_handler").status == DeliveryStatus.DONE)
    first.refresh_from_db()
    assert first.attempts == 3
    assert first.last_error == "RuntimeError: supplier system unreachable"
    assert first.next_attempt_at is None
    assert handlers.calls["first"] == 3
    assert notes() == ["second"]  # the failing attempts left no partial effect

    handlers.keep_failing = False
    event_replay(event=event, actor=author)
    wait_for(lambda: all_done(event), message="the replayed delivery done")
    first.refresh_from_db()
    assert (first.status, first.attempts, first.last_error) == (DeliveryStatus.DONE, 1, "")
    assert notes() == ["first", "second"]
    assert handlers.calls == {"first": 4, "second": 1}


@pytest.mark.django_db
def test_delivery_to_an_unregistered_handler_fails_with_a_clear_error(subject, author, settings):
    settings.OUTBOX_MAX_ATTEMPTS = 1
    event = Event.objects.create(company=subject.company, name=EVENT, subject_type="core.party",
                                 subject_id=str(subject.pk), payload={"author": author.pk})
    delivery = EventDelivery.objects.create(event=event, handler="tests.gone.handler")
    with mock.patch.object(outbox, "enqueue_dispatch") as enqueue:
        assert outbox.dispatch(event.pk) == []
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DEAD
    assert delivery.last_error == "LookupError: No subscriber registered under tests.gone.handler"
    enqueue.assert_not_called()  # dead: no retry is scheduled


@pytest.mark.django_db
def test_failed_delivery_is_retried_after_backoff(handlers, subject, author, settings,
                                                  django_capture_on_commit_callbacks):
    settings.OUTBOX_MAX_ATTEMPTS = 5
    settings.OUTBOX_BACKOFF_SECONDS = 10
    handlers.keep_failing = True
    with django_capture_on_commit_callbacks():
        event = outbox.emit(EVENT, company=subject.company, subject=subject, payload={"author": author.pk})
    with mock.patch.object(outbox, "enqueue_dispatch") as enqueue:
        outbox.dispatch(event.pk)
    first = event.deliveries.get(handler__endswith="first_handler")
    assert (first.status, first.attempts) == (DeliveryStatus.PENDING, 1)
    enqueue.assert_called_once_with(event.pk, countdown=10)
    with mock.patch.object(outbox, "enqueue_dispatch"):
        assert outbox.dispatch(event.pk) == []  # not due yet: the backoff has not passed
    first.refresh_from_db()
    assert first.attempts == 1
    assert [outbox.backoff_seconds(n) for n in (1, 2, 3)] == [10, 20, 40]


# ---- deliver_pending: a command that needs its events' effects before it goes on (seed_demo) ---------------------

CHAINED = "test.party.touched.again"


def chaining_handler(event):
    """Emits a second event from within the delivery: deliver_pending delivers it in its next round."""
    STATE.note(event, "first")
    outbox.emit(CHAINED, company=event.company, subject=Party.objects.get(pk=event.subject_id),
                payload=event.payload)


@pytest.mark.django_db
def test_deliver_pending_delivers_events_and_the_events_their_handlers_emit_once(handlers, subject, author):
    outbox.unsubscribe(EVENT, first_handler)
    outbox.subscriber(EVENT)(chaining_handler)
    outbox.subscriber(CHAINED)(second_handler)
    try:
        with broker_down():  # no worker: only deliver_pending delivers
            event = emit_committed(subject, author)
        assert outbox.deliver_pending() == 3  # EVENT to chaining + second, then CHAINED to second
        assert notes() == ["first", "second", "second"]
        assert all_done(event)
        assert all_done(Event.objects.get(name=CHAINED))
        assert outbox.deliver_pending() == 0  # nothing pending: nothing runs again
        assert notes() == ["first", "second", "second"]
    finally:
        outbox.unsubscribe(EVENT, chaining_handler)
        outbox.unsubscribe(CHAINED, second_handler)
        outbox.subscriber(EVENT)(first_handler)


@pytest.mark.django_db
def test_deliver_pending_stops_at_a_failing_delivery_and_leaves_it_for_the_retry(handlers, subject, author,
                                                                                 settings):
    settings.OUTBOX_BACKOFF_SECONDS = 60
    handlers.keep_failing = True
    with broker_down():
        event = emit_committed(subject, author)
        assert outbox.deliver_pending() == 1  # second ran; first failed and waits for its backoff
    first = EventDelivery.objects.get(event=event, handler__endswith="first_handler")
    assert first.status == DeliveryStatus.PENDING
    assert first.attempts == 1
    assert first.next_attempt_at is not None
    assert notes() == ["second"]
