"""Benchmark of the flows between modules (not a test): PLM release → MES definition → work order completion → ERP
posting through the real outbox and a Celery worker on Redis, against the same service calls made synchronously in
one process, in the same run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres REDIS_URL=redis://127.0.0.1:6379/0 \\
        .venv/bin/python bench/flow_latency.py [--flows 60] [--load-flows 300] [--clients 4] [--concurrency 2]

Creates its own database `bench_flow` (migrated from scratch) and drops it at the end. Each flow has its own made
item (a BOM of one bought component with stock) whose revision A waits in an approved ECO:

1. `change_order_release` (PLM) publishes `plm.revision.released`;
2. MES stores the manufacturing definition (`manufacturing_definition_store`, the subscriber);
3. a work order for the item is created, released and completed (MES), publishing `mes.work_order.completed`;
4. ERP posts the completion (`work_order_completion_posting`, the subscriber).

* Synchronous baseline: the same service calls in this process, each event's deliveries run right after the call
  that published it (`apps.core.outbox.deliver`): the cost of the work itself.
* Idle latency: one flow at a time through the worker (a `celery worker` process on Redis, `--concurrency`
  prefork children): the client releases, waits for the definition, makes the work order, waits for the posting.
  p50/p95 from the release call to the posting seen by the client. The client sees each hop's effect (`--wait`)
  by LISTEN/NOTIFY: triggers the bench adds to its own database notify at the commit of the definition and of the
  posting, and the client reads the effect once then (2 reads a flow); `--wait poll` polls instead (every 2 ms,
  then 10 ms: ~25 reads a flow under load, and a poll's interval added to each hop).
* Synchronous ceiling: the synchronous path run by one forked process per core side by side (`--ceiling-flows`
  flows in all, no worker, no transport, no polling): flows/s and the CPU each flow costs (the processes and their
  PostgreSQL backends). It is the rate of the work itself with no transport, waiting or Celery cost, and its CPU
  per flow bounds every design: cores / CPU per flow (printed). Two processes leave a core idle while they wait on
  each other's row locks (every flow consumes the same component), so a sustained run that keeps both cores busy
  can come within noise of the measured rate, or just past it; the CPU bound is the one that holds.
* Sustained: `--clients` client processes (forked from this one, each with its own database connection; threads
  with `--client-threads`, which share one interpreter lock) run `--load-flows` flows as fast as the worker keeps
  up; flows/s and p95.

The last line is `RESULT flow_latency=<idle p95 ms> baseline=<sync p95 ms> ratio=<ours/baseline>
flows_per_s=<sustained> load_p95_ms=<sustained p95> sync_ceiling_flows_per_s=<ceiling>`. Targets (issue #14): idle
p95 ≤ 150 ms and ≤ 3x the synchronous path; ≥ 50 flows/s with p95 ≤ 1 s.
"""

import argparse
import datetime
import multiprocessing
import os
import signal
import statistics
import subprocess
import sys
import threading
import time
import uuid
from decimal import Decimal
from urllib.parse import quote

from common import ROOT, configure, throwaway_database

DATABASE = "bench_flow"


def production_settings() -> None:
    """DEBUG off, as the suite runs (`make run` too), unless DEBUG is set: with DEBUG on Django wraps every
    statement to log its SQL and time, CPU that no deployment spends (the worker inherits this environment)."""
    os.environ.setdefault("DEBUG", "false")
    os.environ.setdefault("SECRET_KEY", "bench-only-not-secret")


def cpu_of(pid: int) -> float:
    """CPU seconds (user + system) a process has used so far; 0 if it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def descendants(pid: int) -> list[int]:
    """A process and all its children, grandchildren ..."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        for task in os.listdir(f"/proc/{current}/task") if os.path.isdir(f"/proc/{current}/task") else []:
            try:
                with open(f"/proc/{current}/task/{task}/children") as children:
                    todo.extend(int(child) for child in children.read().split())
            except OSError:
                pass
    return found


def redis_pids() -> list[int]:
    pids = []
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{entry}/comm") as comm:
                if comm.read().strip() == "redis-server":
                    pids.append(int(entry))
        except OSError:
            pass
    return pids


def machine_busy() -> float:
    """CPU seconds the whole machine has been busy (all processes, all cores) since boot."""
    with open("/proc/stat") as stat:
        ticks = [int(value) for value in stat.readline().split()[1:]]
    return (sum(ticks) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")


def backend_pids(connection, *, others: bool) -> list[int]:
    """This connection's PostgreSQL backend, or (others) every other backend on its database."""
    with connection.cursor() as cursor:
        if others:
            cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                           "AND pid <> pg_backend_pid()")
            return [row[0] for row in cursor.fetchall()]
        cursor.execute("SELECT pg_backend_pid()")
        return [cursor.fetchone()[0]]


class CpuMeter:
    """CPU seconds used between `start()` and `stop()` by named groups of processes (pids read at both ends; a
    process that appears only at the end is counted whole)."""

    def __init__(self, **groups):
        self.groups = groups  # name -> callable returning pids

    def _read(self) -> dict[str, dict[int, float]]:
        return {name: {pid: cpu_of(pid) for pid in pids()} for name, pids in self.groups.items()}

    def start(self) -> None:
        self.before, self.busy_before = self._read(), machine_busy()

    def stop(self) -> dict[str, float]:
        after, busy = self._read(), machine_busy()
        used = {name: sum(cpu - self.before[name].get(pid, 0.0) for pid, cpu in pids.items())
                for name, pids in after.items()}
        used["machine"] = busy - self.busy_before
        return used


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def build(count: int, company, people, component, stock) -> list:
    """`count` made items, each with revision A (one component) in a submitted ECO approved by both roles."""
    from apps.core.models import UnitOfMeasure
    from apps.plm.choices import ItemType
    from apps.plm.services.boms import bom_line_add
    from apps.plm.services.changes import change_order_approve, change_order_create, change_order_submit
    from apps.plm.services.items import item_create

    each = UnitOfMeasure.objects.get(code="ea")
    orders = []
    for _ in range(count):
        number = f"FL-{uuid.uuid4().hex[:10].upper()}"
        item = item_create(company=company, number=number, name=f"Flow {number}", uom=each, item_type=ItemType.MAKE,
                           actor=people["engineer"])
        revision = item.revisions.get(code="A")
        bom_line_add(revision=revision, component=component, quantity=Decimal(2), actor=people["engineer"])
        order = change_order_create(company=company, title=f"Release {number}", actor=people["engineer"],
                                    revisions=[revision])
        change_order_submit(change_order=order, actor=people["engineer"])
        change_order_approve(change_order=order, actor=people["engineer"])
        orders.append(change_order_approve(change_order=order, actor=people["quality"]))
    return orders


def world():
    """The company, an engineer, a quality approver, an operator, a bought component with plenty of stock."""
    from django.contrib.auth.models import Group, User

    from apps.core.models import Company, Currency, UnitOfMeasure
    from apps.core.outbox import deliver_pending
    from apps.core.services.companies import membership_set
    from apps.plm.choices import ItemType
    from apps.plm.services.items import item_create
    from apps.scm.choices import LocationKind
    from apps.scm.models import Location
    from apps.scm.services.locations import virtual_location, warehouse_create
    from apps.scm.services.stock import stock_move_post

    company = Company.objects.create(code="FLOW", name="Flow Works", currency=Currency.objects.get(code="EUR"))
    people = {}
    for key, role in (("engineer", "Engineering"), ("quality", "Quality"), ("operator", "Production")):
        user = User.objects.create_user(username=f"flow-{key}")
        membership_set(company=company, user=user, role=Group.objects.get(name=role), actor=None)
        people[key] = User.objects.get(pk=user.pk)
    warehouse_create(company=company, code="WH", name="Main", actor=people["operator"])
    stock = Location.objects.get(company=company, code="WH/STOCK")
    component = item_create(company=company, number="FL-PART", name="Flow part", item_type=ItemType.BUY,
                            uom=UnitOfMeasure.objects.get(code="ea"), standard_cost=Decimal("3.50"),
                            actor=people["engineer"])
    stock_move_post(company=company, item=component, quantity=Decimal(1_000_000),
                    from_location=virtual_location(company=company, kind=LocationKind.SUPPLIER), to_location=stock,
                    unit_cost=Decimal("3.50"), actor=people["operator"])
    deliver_pending()
    return company, people, component, stock


def make_and_complete(*, company, people, item, stock):
    """Step 3: a work order for one unit of the released item, released (reserving its component) and completed."""
    from django.utils import timezone

    from apps.mes.services.workorders import work_order_complete, work_order_create, work_order_release

    order = work_order_create(company=company, actor=people["operator"], item=item, quantity=Decimal(1),
                              due_date=timezone.localdate() + datetime.timedelta(days=7))
    order = work_order_release(work_order=order, actor=people["operator"], location=stock)
    return work_order_complete(work_order=order, quantity_good=Decimal(1), actor=people["operator"])


def posted(order) -> bool:
    """ERP has posted the work order's completion (the entry of its `mes.work_order.completed` event)."""
    from apps.core.models import Event
    from apps.erp.models import JournalEntry

    event = Event.objects.filter(name="mes.work_order.completed", subject_id=str(order.pk)).values_list(
        "pk", flat=True).first()
    return event is not None and JournalEntry.objects.filter(source_event_id=event).exists()


def deliver_now(event_names: tuple[str, ...], subject_ids: list[str]) -> None:
    from apps.core.choices import DeliveryStatus
    from apps.core.models import EventDelivery
    from apps.core.outbox import deliver

    for delivery_id in EventDelivery.objects.filter(event__name__in=event_names, event__subject_id__in=subject_ids,
                                                    status=DeliveryStatus.PENDING).values_list("pk", flat=True):
        deliver(delivery_id)


def sync_flow(change_order, company, people, stock) -> float:
    """The whole flow in this process; seconds."""
    from apps.plm.services.changes import change_order_release

    start = time.perf_counter()
    change_order_release(change_order=change_order, actor=people["engineer"])
    revision = change_order.revisions.get()
    deliver_now(("plm.revision.released",), [str(revision.pk)])
    order = make_and_complete(company=company, people=people, item=revision.item, stock=stock)
    deliver_now(("mes.work_order.completed",), [str(order.pk)])
    assert posted(order), f"{order.number} was not posted"
    return time.perf_counter() - start


POLLS = {"count": 0}
WAIT = {"how": "poll"}  # --wait
CHANNEL = "bench_flow"
LISTENING: dict[int, set[str]] = {}  # id of a psycopg connection listening on CHANNEL -> notices it received


def notify_triggers() -> None:
    """Triggers on the bench's own database that announce the two effects a client waits for when they commit:
    `definition:<revision id>` (MES stored the definition) and `posting:<work order id>` (ERP posted the
    completion). PostgreSQL delivers a NOTIFY at the commit of the transaction that sent it."""
    from django.db import connection

    from apps.core.models import Event
    from apps.erp.models import JournalEntry
    from apps.mes.models import ManufacturingDefinition

    definitions, entries = ManufacturingDefinition._meta.db_table, JournalEntry._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"""
            CREATE FUNCTION bench_flow_notify() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_TABLE_NAME = '{definitions}' THEN
                    PERFORM pg_notify('{CHANNEL}', 'definition:' || NEW.revision_id);
                ELSIF NEW.source_event_id IS NOT NULL THEN
                    PERFORM pg_notify('{CHANNEL}', 'posting:' || event.subject_id) FROM {Event._meta.db_table} event
                     WHERE event.id = NEW.source_event_id AND event.name = 'mes.work_order.completed';
                END IF;
                RETURN NULL;
            END $$;
            CREATE TRIGGER bench_flow_definition AFTER INSERT ON {definitions}
                FOR EACH ROW EXECUTE FUNCTION bench_flow_notify();
            CREATE TRIGGER bench_flow_posting AFTER INSERT ON {entries}
                FOR EACH ROW EXECUTE FUNCTION bench_flow_notify();""")


def listen() -> None:
    """LISTEN on this thread's database connection (once per connection), before the flow's first step."""
    from django.db import connection

    connection.ensure_connection()
    if id(connection.connection) not in LISTENING:
        with connection.cursor() as cursor:
            cursor.execute(f"LISTEN {CHANNEL}")
        LISTENING[id(connection.connection)] = set()


def wait(condition, deadline: float, what: str, notice: str):
    """Wait for `condition` (read from the database): with `--wait notify`, block on the connection until the
    trigger's `notice` arrives, then read the condition once; else poll (`polled`)."""
    from django.db import connection

    if WAIT["how"] != "notify":
        return polled(condition, deadline, what)
    received = LISTENING[id(connection.connection)]
    while notice not in received:
        remaining = deadline - time.perf_counter()
        if remaining <= 0:
            raise TimeoutError(f"timed out waiting for {what}")
        # notices that came in while this connection ran other statements are buffered by psycopg, yielded first
        received.update(n.payload for n in connection.connection.notifies(timeout=remaining, stop_after=1))
    received.discard(notice)
    POLLS["count"] += 1
    return condition() or polled(condition, deadline, what)  # committed before the notice: found at once


def polled(condition, deadline: float, what: str):
    """Poll the database for `condition`: every 2 ms for the first 60 ms (an idle flow's waits end sooner, so its
    latency keeps a 2 ms resolution), then every 10 ms. Each poll is a query that costs the client and PostgreSQL
    CPU; polling every 2 ms through a loaded second took CPU the worker needed on this 2-core machine."""
    polls, started = 0, time.perf_counter()
    while not (found := condition()):
        now = time.perf_counter()
        if now > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        polls += 1
        time.sleep(0.002 if now - started < 0.060 else 0.010)
    POLLS["count"] += polls + 1
    return found


def async_flow(change_order, company, people, stock, timeout: float = 60.0) -> float:
    """The flow with the worker delivering the events; the client waits on the database for their effects."""
    from apps.mes.models import ManufacturingDefinition
    from apps.plm.services.changes import change_order_release

    start = time.perf_counter()
    deadline = start + timeout
    if WAIT["how"] == "notify":
        listen()
    change_order_release(change_order=change_order, actor=people["engineer"])
    revision = change_order.revisions.select_related("item").get()
    wait(lambda: ManufacturingDefinition.objects.filter(revision_id=revision.pk).exists(), deadline,
         f"the definition of {revision.item.number}", f"definition:{revision.pk}")
    order = make_and_complete(company=company, people=people, item=revision.item, stock=stock)
    wait(lambda: posted(order), deadline, f"the posting of {order.number}", f"posting:{order.pk}")
    return time.perf_counter() - start


def hops(since, until) -> str:
    """Where an event's time went between `since` and `until`: from its row's creation to the worker's start of the
    delivery (commit, enqueue, broker, worker pick-up) and the delivery itself, p50/p95 in ms, per event name."""
    from apps.core.models import DeliveryAttempt

    rows = DeliveryAttempt.objects.filter(started_at__gte=since, started_at__lte=until).values_list(
        "delivery__event__name", "delivery__event__created_at", "started_at", "duration_ms")
    by_name: dict[str, tuple[list, list]] = {}
    for name, created, started, duration in rows:
        waits, runs = by_name.setdefault(name, ([], []))
        waits.append((started - created).total_seconds() * 1000)
        runs.append(duration)
    return "; ".join(f"{name}: to worker p50 {statistics.median(w):.1f}/p95 {p95(w):.1f} ms, delivery p50 "
                     f"{statistics.median(r):.0f}/p95 {p95(r):.0f} ms" for name, (w, r) in sorted(by_name.items()))


def start_worker(connection, broker: str, queue: str, concurrency: int) -> subprocess.Popen:
    settings = connection.settings_dict
    host = quote(settings["HOST"] or "127.0.0.1", safe="")
    port = f":{settings['PORT']}" if settings.get("PORT") else ""
    database_url = f"postgres://{settings['USER']}@{host}{port}/{settings['NAME']}"
    env = {**os.environ, "DATABASE_URL": database_url, "CELERY_BROKER_URL": broker, "CELERY_QUEUE": queue,
           "DB_POOL": "false", "DJANGO_SETTINGS_MODULE": "suite.settings"}
    env.pop("TEST_DATABASE_NAME", None)
    return subprocess.Popen([sys.executable, "-m", "celery", "-A", "suite", "worker", "-Q", queue, "-c",
                             str(concurrency), "--pool", "prefork", "--loglevel", "WARNING", "--without-gossip",
                             "--without-mingle", "--without-heartbeat"], cwd=ROOT, env=env)


def sustained_threads(chunks, company, people, stock) -> tuple[list[float], list, float]:
    """The sustained run with one thread per client; (latencies, errors, elapsed seconds)."""
    from django.db import connections

    latencies, errors, lock = [], [], threading.Lock()

    def client(chunk):
        try:
            for order in chunk:
                seconds = async_flow(order, company, people, stock)
                with lock:
                    latencies.append(seconds)
        except Exception as exc:  # reported below, the run goes on
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=client, args=(chunk,)) for chunk in chunks]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, errors, time.perf_counter() - started


def own_meter() -> CpuMeter:
    """The CPU of this process and of its own PostgreSQL backend, started."""
    from django.db import connections

    meter = CpuMeter(client=lambda: [os.getpid()], postgres=lambda: backend_pids(connections["default"], others=False))
    meter.start()
    return meter


def _client_process(chunk, company, people, stock, go, results) -> None:
    from django.db import connections

    latencies, error, cpu = [], None, {}
    POLLS["count"] = 0  # counted from here: this client's flows
    go.wait()
    try:
        meter = own_meter()
        for order in chunk:
            latencies.append(async_flow(order, company, people, stock))
        cpu = {**meter.stop(), "polls": POLLS["count"]}
    except Exception as exc:  # reported by the parent, the run goes on
        error = repr(exc)
    finally:
        connections.close_all()
        results.put((latencies, error, cpu))


def _ceiling_process(chunk, company, people, stock, go, results) -> None:
    from django.db import connections

    cpu, error = {}, None
    go.wait()
    try:
        meter = own_meter()
        for order in chunk:
            sync_flow(order, company, people, stock)
        cpu = meter.stop()
    except Exception as exc:  # reported by the parent
        error = repr(exc)
    finally:
        connections.close_all()
        results.put((len(chunk) if error is None else 0, error, cpu))


def sync_ceiling(orders, company, people, stock, processes: int) -> tuple[float, dict, list]:
    """The synchronous path in `processes` forked processes at once (one per core): (flows/s, CPU seconds by
    group summed over the processes, errors). The processes are forked first and wait; the clock starts when they
    are told to go (each then opens its own connection, inside the measured time) and stops when the last is done."""
    from django.db import connections

    connections.close_all()  # a forked child must not share this process's connection
    context = multiprocessing.get_context("fork")
    go, results = context.Event(), context.Queue()
    chunks = [orders[i::processes] for i in range(processes)]
    workers = [context.Process(target=_ceiling_process, args=(chunk, company, people, stock, go, results))
               for chunk in chunks]
    for process in workers:
        process.start()
    busy_before = machine_busy()
    started = time.perf_counter()
    go.set()
    done, errors, cpu = 0, [], {"client": 0.0, "postgres": 0.0}
    for _process in workers:
        count, error, used = results.get()
        done += count
        if error:
            errors.append(error)
        for name in cpu:
            cpu[name] += used.get(name, 0.0)
    elapsed = time.perf_counter() - started
    cpu["machine"] = machine_busy() - busy_before
    for process in workers:
        process.join()
    return done / elapsed, {name: seconds / max(done, 1) for name, seconds in cpu.items()}, errors


def sustained_processes(chunks, company, people, stock) -> tuple[list[float], list, float]:
    """The sustained run with one forked process per client (each opens its own database connection); the clock
    starts when all of them are ready."""
    from django.db import connections

    connections.close_all()  # a forked child must not share this process's connection
    context = multiprocessing.get_context("fork")
    go, results = context.Event(), context.Queue()
    processes = [context.Process(target=_client_process, args=(chunk, company, people, stock, go, results))
                 for chunk in chunks]
    for process in processes:
        process.start()
    started = time.perf_counter()
    go.set()
    latencies, errors = [], []
    clients_cpu = {"client": 0.0, "postgres": 0.0, "polls": 0}
    for _process in processes:
        samples, error, cpu = results.get()
        latencies.extend(samples)
        if error:
            errors.append(error)
        for name in clients_cpu:
            clients_cpu[name] += cpu.get(name, 0.0)
    elapsed = time.perf_counter() - started
    for process in processes:
        process.join()
    sustained_processes.cpu = clients_cpu
    return latencies, errors, elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--flows", type=int, default=60, help="flows timed one at a time, each path (default 60)")
    parser.add_argument("--load-flows", type=int, default=300, help="flows of the sustained run (default 300)")
    parser.add_argument("--clients", type=int, default=4, help="client processes of the sustained run (default 4)")
    parser.add_argument("--client-threads", action="store_true",
                        help="clients as threads of this process instead of processes")
    parser.add_argument("--concurrency", type=int, default=2, help="worker processes (default 2)")
    parser.add_argument("--wait", choices=["poll", "notify"], default="notify",
                        help="how a client sees each hop's effect: LISTEN/NOTIFY from triggers on the bench's "
                             "database, one read after the notice (default), or polling the database")
    parser.add_argument("--ceiling-flows", type=int, default=120,
                        help="flows of the synchronous ceiling, shared by one process per core (default 120)")
    args = parser.parse_args()
    broker = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    queue = f"bench-flow-{os.getpid()}"
    os.environ["CELERY_BROKER_URL"], os.environ["CELERY_QUEUE"] = broker, queue
    production_settings()
    configure(DATABASE)
    from django.utils import timezone

    with throwaway_database() as connection:
        company, people, component, stock = world()
        total = 2 * args.flows + args.load_flows + args.ceiling_flows + 10
        print(f"building {total} items with approved ECOs ...", flush=True)
        orders = build(total, company, people, component, stock)

        # synchronous baseline (a few warm-up flows first)
        for order in orders[:5]:
            sync_flow(order, company, people, stock)
        own_backend = backend_pids(connection, others=False)
        sync_meter = CpuMeter(client=lambda: [os.getpid()], postgres=lambda: own_backend)
        sync_meter.start()
        sync = [sync_flow(order, company, people, stock) for order in orders[5:5 + args.flows]]
        sync_cpu = sync_meter.stop()
        ceiling_orders = orders[5 + args.flows:5 + args.flows + args.ceiling_flows]
        # before the worker starts: what the synchronous flows enqueue (done deliveries) it drains while warming up
        ceiling_rate, ceiling_cpu, ceiling_errors = sync_ceiling(ceiling_orders, company, people, stock,
                                                                 os.cpu_count() or 1)
        rest = orders[5 + args.flows + args.ceiling_flows:]

        WAIT["how"] = args.wait
        if args.wait == "notify":
            notify_triggers()
        worker = start_worker(connection, broker, queue, args.concurrency)
        try:
            for order in rest[:5]:  # warm-up: the worker connects, forks, imports
                async_flow(order, company, people, stock, timeout=120)
            idle_from = timezone.now()
            idle = [async_flow(order, company, people, stock) for order in rest[5:5 + args.flows]]
            idle_hops = hops(idle_from, timezone.now())
            load_orders = rest[5 + args.flows:5 + args.flows + args.load_flows]
            chunks = [load_orders[i::args.clients] for i in range(args.clients)]
            sustained = sustained_threads if args.client_threads else sustained_processes
            worker_meter = CpuMeter(worker=lambda: descendants(worker.pid), redis=redis_pids,
                                    worker_postgres=lambda: backend_pids(connection, others=True))
            worker_meter.start()
            latencies, errors, elapsed = sustained(chunks, company, people, stock)
            load_cpu = worker_meter.stop()
        finally:
            worker.send_signal(signal.SIGTERM)
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()
        if errors:
            print(f"{len(errors)} client errors, first: {errors[0]!r}")
        ms = 1000
        sync_p50, sync_p95 = statistics.median(sync) * ms, p95(sync) * ms
        idle_p50, idle_p95 = statistics.median(idle) * ms, p95(idle) * ms
        load_p95 = p95(latencies) * ms if latencies else float("nan")
        rate = len(latencies) / elapsed
        print(f"synchronous, one process: p50 {sync_p50:.1f} ms, p95 {sync_p95:.1f} ms ({len(sync)} flows)")
        print(f"through the worker, idle: p50 {idle_p50:.1f} ms, p95 {idle_p95:.1f} ms ({len(idle)} flows; "
              f"target ≤ 150 ms and ≤ 3x synchronous)")
        print(f"  hops, idle: {idle_hops}")
        kind = "threads" if args.client_threads else "processes"
        print(f"sustained, {args.clients} client {kind}, worker -c {args.concurrency}: {rate:.1f} flows/s, "
              f"p95 {load_p95:.0f} ms ({len(latencies)} flows "
              f"in {elapsed:.1f} s; target ≥ 50 flows/s with p95 ≤ 1 s)")
        per_flow = 1000 / len(sync)
        print(f"CPU per synchronous flow: client {sync_cpu['client'] * per_flow:.1f} ms, PostgreSQL "
              f"{sync_cpu['postgres'] * per_flow:.1f} ms (machine busy {sync_cpu['machine'] * per_flow:.1f} ms)")
        if ceiling_errors:
            print(f"{len(ceiling_errors)} ceiling errors, first: {ceiling_errors[0]}")
        ms_of = {name: seconds * ms for name, seconds in ceiling_cpu.items()}
        print(f"synchronous ceiling, {os.cpu_count()} processes side by side: {ceiling_rate:.1f} flows/s "
              f"({len(ceiling_orders)} flows; CPU per flow: processes {ms_of['client']:.1f} ms, their PostgreSQL "
              f"{ms_of['postgres']:.1f} ms, total {ms_of['client'] + ms_of['postgres']:.1f} ms, machine busy "
              f"{ms_of['machine']:.1f} ms; at that CPU a flow, the work alone caps any design at "
              f"{os.cpu_count() * 1000 / (ms_of['client'] + ms_of['postgres']):.1f} flows/s on {os.cpu_count()} cores)")
        if latencies and not args.client_threads:
            clients = sustained_processes.cpu
            shares = {"clients": clients["client"], "clients' postgres": clients["postgres"],
                      "worker": load_cpu["worker"], "worker's postgres": load_cpu["worker_postgres"],
                      "redis": load_cpu["redis"]}
            ours, cores = sum(shares.values()), os.cpu_count()
            per_flow = 1000 / len(latencies)
            print(f"CPU per sustained flow ({clients['polls'] / len(latencies):.0f} reads by the client to see the "
                  f"hops, --wait {args.wait}): "
                  + ", ".join(f"{name} {seconds * per_flow:.1f} ms" for name, seconds in shares.items())
                  + f"; total {ours * per_flow:.1f} ms (machine busy {load_cpu['machine'] * per_flow:.1f} ms "
                  f"per flow, {load_cpu['machine'] / elapsed:.2f} of {cores} cores busy; on {cores} cores this CPU "
                  f"alone caps the rate at {cores / ours * len(latencies):.0f} flows/s)")
        from django.conf import settings

        print(f"load average {open('/proc/loadavg').read().strip()}; DEBUG {settings.DEBUG}, --wait {args.wait}")
        print(f"RESULT flow_latency={idle_p95:.1f} baseline={sync_p95:.1f} ratio={idle_p95 / sync_p95:.2f} "
              f"flows_per_s={rate:.1f} load_p95_ms={load_p95:.0f} sync_ceiling_flows_per_s={ceiling_rate:.1f}")


if __name__ == "__main__":
    main()
