"""Shared fixtures: companies, users per role, API clients, a real Celery worker, waiting on conditions,
racing callables on their own connections."""

import importlib
import os
import threading
import time
from collections.abc import Callable

import pytest
from django.contrib.auth.models import Group, User
from django.db import connections
from rest_framework.test import APIClient

from apps.core.models import Company, Currency
from apps.core.services.companies import membership_set

# the shared assertions of helper modules report their values as a test's own do (registered before a test
# module imports them)
pytest.register_assert_rewrite("tests.mixins", "tests.mes.signal_plant", "tests.mes.mqtt_helpers",
                               "tests.erp.postings_helpers")


def ensure_reference_data() -> None:
    """Put back the roles, currencies and units a data migration seeds.

    A transactional test (flow tests, concurrency tests) ends with a flush that empties every
    table; permissions come back (post_migrate), the seeded rows would not.
    """
    if Group.objects.filter(name="Admin").exists() and Currency.objects.filter(code="EUR").exists():
        return
    from django.apps import apps

    from apps.core.roles import sync_roles

    seed = importlib.import_module("apps.core.migrations.0002_roles_and_reference_data")
    seed.seed_reference(apps, None)
    sync_roles(apps)


DB_FIXTURES = {"db", "transactional_db", "live_server", "django_db_reset_sequences", "django_db_serialized_rollback"}


@pytest.fixture(autouse=True)
def _reference_data(request):
    """Every database test starts with the seeded roles, currencies and units (a flush removes them)."""
    if request.node.get_closest_marker("django_db") is None and not DB_FIXTURES & set(request.fixturenames):
        return
    request.getfixturevalue("_django_db_helper")
    ensure_reference_data()


@pytest.fixture
def eur(db):
    return Currency.objects.get(code="EUR")


@pytest.fixture
def company(db, eur):
    return Company.objects.create(code="ACME", name="Acme Manufacturing", currency=eur)


@pytest.fixture
def other_company(db, eur):
    return Company.objects.create(code="OTHER", name="Other Works", currency=eur)


@pytest.fixture
def make_user(db):
    """make_user(company, role="Admin", username=None) → a user who is a member with that role."""
    counter = {"n": 0}

    def make(company, role: str = "Admin", username: str | None = None, **extra) -> User:
        counter["n"] += 1
        user = User.objects.create_user(username=username or f"{role.lower()}{counter['n']}-{company.code.lower()}",
                                        password="pw-secret-123", **extra)
        membership_set(company=company, user=user, role=Group.objects.get(name=role), actor=None)
        return User.objects.get(pk=user.pk)  # fresh: no cached permissions or companies

    return make


@pytest.fixture
def user(company, make_user):
    return make_user(company, "Admin", username="alice")


@pytest.fixture
def other_user(other_company, make_user):
    return make_user(other_company, "Admin", username="olga")


@pytest.fixture
def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def api_for():
    def make(user) -> APIClient:
        client = APIClient()
        client.force_authenticate(user)
        return client

    return make


@pytest.fixture
def web(client, user):
    client.force_login(user)
    return client


def wait_for(condition, timeout: float = 20.0, interval: float = 0.05, message: str = "condition"):
    """Poll `condition()` until it returns a truthy value or the deadline passes (no sleep-and-hope)."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {message}")
        time.sleep(interval)


def race(works: list[Callable[[], object]], *, timeout: float = 60.0) -> list[object]:
    """Run each callable on its own thread (its own database connection), released together by a barrier.

    Returns, per callable in order, "ok" or the exception it raised. Fails when a thread hangs (a deadlock
    PostgreSQL did not break). Needs committed data: use it in `transactional_db` tests."""
    barrier = threading.Barrier(len(works))
    outcomes: dict[int, object] = {}

    def run(index: int, work: Callable[[], object]) -> None:
        try:
            barrier.wait(timeout=30)
            work()
            outcomes[index] = "ok"
        except Exception as exc:  # the caller classifies: a DomainError is an answer, anything else a failure
            outcomes[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, w)) for i, w in enumerate(works)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    assert not any(thread.is_alive() for thread in threads), "a racing call hung (deadlock?)"
    return [outcomes[i] for i in range(len(works))]


WORKER_SHUTDOWN = 30  # seconds a test worker's running tasks get to finish when it stops


def _ensure_started(worker, timeout: float = 30.0) -> None:
    """celery's `TestWorkController.ensure_started`, bounded. Its wait has no timeout and ends only when the
    consumer calls its ready callback once; a consumer that restarts before its first loop (a broker connection
    error while it starts) never calls it again, and the test hung there for good, holding the whole run. Here it
    goes on after `timeout` when the worker's blueprint runs (its consumer then serves the queue), else it fails."""
    from celery.bootsteps import RUN

    if worker._on_started.wait(timeout):
        return
    if worker.blueprint.state != RUN:
        raise RuntimeError(f"the test worker did not start within {timeout:.0f} s")


def bound_worker_start() -> None:
    from celery.contrib.testing.worker import TestWorkController

    TestWorkController.ensure_started = _ensure_started


bound_worker_start()


def release_stop_flag() -> None:
    """Clear celery's process-wide stop flag. Its testing worker sets `state.should_terminate = 0` to stop and
    clears it only after the worker's thread has ended: when that join times out, the flag stays set and every
    worker started later in the process stops at once, so one hung test would fail every flow test after it."""
    from celery.worker import state

    state.should_terminate = None


def start_test_worker(app, queue: str):
    """A real Celery worker thread (thread pool, 2 threads) on `queue`, started: (its `start_worker` context, for
    `stop_test_worker`; the worker)."""
    from celery.contrib.testing.worker import start_worker

    context = start_worker(app, pool="threads", concurrency=2, perform_ping_check=False, queues=[queue],
                           loglevel="WARNING", shutdown_timeout=WORKER_SHUTDOWN)
    return context, context.__enter__()


def stop_test_worker(context) -> None:
    """Leave a `start_worker` context; if its thread does not end in time, the test fails (re-raised) but the stop
    flag is cleared for the workers of the next tests."""
    try:
        context.__exit__(None, None, None)
    except RuntimeError:
        release_stop_flag()
        raise


class SessionWorker:
    """The test process's real Celery worker thread, on its own queue (memory broker, or Redis if set).

    Celery's testing worker stops by setting a process-wide flag (`celery.worker.state.should_terminate`), so a
    test that starts and stops workers of its own (the thread's worker restart) stops this one too: `ensure()`
    starts it again, on the same queue, before each flow test.

    Between flow tests the process sends to a queue nobody consumes (`park()`): the worker thread lives for the
    whole session, and a later transactional test's events (a payment posted in a race test) would otherwise be
    delivered behind its back, their row locks deadlocking the flush at the test's end ("couldn't be flushed")."""

    def __init__(self, app, queue: str):
        self.app, self.queue, self.context, self.worker = app, queue, None, None
        self.unconsumed = f"{queue}-unconsumed"

    def running(self) -> bool:
        from celery.bootsteps import RUN

        return self.worker is not None and self.worker.blueprint.state == RUN

    def ensure(self):
        self.app.conf.task_default_queue = self.queue
        self.app.conf.task_always_eager = False
        if not self.running():  # a stopped worker's context is left as it is: leaving it would stop the new one
            release_stop_flag()
            self.context, self.worker = start_test_worker(self.app, self.queue)
        return self.worker

    def park(self):
        """Send the process's later messages to a queue no worker reads (emptied when the session ends)."""
        self.app.conf.task_default_queue = self.unconsumed

    def stop_worker(self):
        if self.running():
            stop_test_worker(self.context)

    def stop(self):
        self.stop_worker()
        with self.app.connection_for_write() as connection:
            connection.default_channel.queue_purge(self.unconsumed)


_SESSION_WORKERS: list[SessionWorker] = []


def stop_session_worker() -> None:
    """Stop the process's session worker, if it runs, before a test starts workers of its own: two workers'
    event loops in one process interfere on kombu's Redis transport (seen: one consumer blocked for good reading
    a reply, "I/O operation on closed epoll object" after the other stopped, a delivery left pending). The next
    flow test's `celery_worker` starts it again."""
    for session in _SESSION_WORKERS:
        session.stop_worker()


@pytest.fixture(scope="session")
def celery_worker_session(django_db_setup, django_db_blocker):
    """One real Celery worker thread per test process, on its own queue (see `SessionWorker`)."""
    from suite.celery import app

    session = SessionWorker(app, f"millwright-test-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}-{os.getpid()}")
    _SESSION_WORKERS.append(session)
    with django_db_blocker.unblock():
        session.ensure()
        yield session
        session.stop()
    _SESSION_WORKERS.remove(session)


@pytest.fixture
def celery_worker(celery_worker_session, transactional_db):
    """A running worker for a flow test; data is committed so the worker's connection sees it. At the end the
    test waits for the deliveries the worker is still running (other handlers of the test's events): the flush
    of the test's data would otherwise wait on their row locks while they wait on the flush, a deadlock."""
    yield celery_worker_session.ensure()
    settle_deliveries()
    celery_worker_session.park()


def settle_deliveries(timeout: float = 10.0) -> None:
    """Return once no due pending delivery is being run or about to be (its row locked, or the count of due
    ones still falling), or after `timeout`; deliveries left pending on purpose do not hold it up for long."""
    from django.db import transaction
    from django.db.models import Q
    from django.utils import timezone

    from apps.core.choices import DeliveryStatus
    from apps.core.models import EventDelivery

    deadline, last, steady_since = time.monotonic() + timeout, None, time.monotonic()
    while time.monotonic() < deadline:
        due = EventDelivery.objects.filter(status=DeliveryStatus.PENDING).filter(
            Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=timezone.now()))
        with transaction.atomic():
            every = set(due.values_list("pk", flat=True))
            free = set(due.select_for_update(skip_locked=True).values_list("pk", flat=True))
        if not every:
            return
        if len(every) != last:
            last, steady_since = len(every), time.monotonic()
        elif every == free and time.monotonic() - steady_since > 1.5:
            return  # nothing running, nothing moving: left pending by the test
        time.sleep(0.05)


def pytest_terminal_summary(terminalreporter):
    """What the schemathesis fuzzing covered (`tests/api/test_fuzz.py`; also reported from xdist workers)."""
    runs = [value for reports in terminalreporter.stats.values() for report in reports
            for name, value in getattr(report, "user_properties", ()) if name == "fuzz"]
    if runs:
        operations = max(run[0] for run in runs)
        requests, seconds = sum(run[1] for run in runs), sum(run[2] for run in runs)
        terminalreporter.write_line(f"fuzz: {operations} operations x {len(runs)} roles, {requests} requests, "
                                    f"{seconds:.0f} s")
