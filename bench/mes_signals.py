"""Benchmark of shop-floor connectivity (not a test): machine signals through the broker and the gateway into
the database, against COPY of the same rows in the same run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python bench/mes_signals.py [--signals 1000000] [--machines 200] [--publishers 2] [--batch 5000]
        [--writers 2] [--lag <signals>] [--broker own|configured]

Creates its own database `bench_mes` (migrated from scratch) with 50 work centers of --machines/50 machines, each
with a running operation, and drops it at the end.

* Broker: by default (`--broker own`, when the `mosquitto` binary is installed) the bench starts a Mosquitto of
  its own on a free port, with a temporary configuration: no limit on queued or in-flight messages
  (`max_queued_messages 0`, `max_inflight_messages 0`), no persistence. A broker's defaults (1,000 queued
  messages per session) drop QoS 1 messages once a subscriber is that far behind, and a shared broker carries
  other traffic. `--broker configured` uses MQTT_URL or 127.0.0.1:1883.
* End to end: `--publishers` processes (the machines) publish the signals with QoS 1 (90 % counts, 10 % states
  with a stop every 40 signals) on the MQTT contract, writing MQTT 3.1.1 packets themselves (a load generator
  of a few µs a signal instead of paho's ~70, CPU the system under test needs on a 2-core machine), while the
  gateway (`apps.mes.gateway.SignalGateway`, in this process) batches them into the database with all their
  effects (downtime opened and closed, counts on the running operation, per-minute roll-up, machine and
  work-center state). signals/s = signals / (last stored - first published). Publishers are held back when the
  gateway is more than `--lag` signals behind (default: one batch per database writer, `--writers`, default
  MES_GATEWAY_WRITERS), as machines are by a gateway that keeps up with them: a larger lag only adds a queue (the
  latency grows by lag / rate).
* Loss check: the rows stored must be the signals published (`lost=0`); the gateway acknowledges a message only
  after its batch committed.
* Latency: during the load, a probe machine publishes `down` (with ts = now) every ~0.5 s and the time until its
  downtime event exists in the database is measured (p50/p95).
* CPU per signal of the gateway's process (this one, with the latency probe's thread), of the publishers, of the
  PostgreSQL backends of the bench's database (and, apart, of PostgreSQL's WAL writer, checkpointer and background
  writer) and of the broker (its own only), read from /proc: where the 2 cores go.
* Floor: COPY of the same rows into a table shaped like mes_machinesignal (same indexes), signals/s.
* Board: the shop-floor board's data (apps/mes/selectors_board.board_tiles) for the 50 work centers: the tiles a
  poll computes (cached 0.8 s per company) and OEE today (cached 15 s), median ms.

The last line is `RESULT mes_signals=<signals/s> baseline=<COPY signals/s> ratio=<ours/baseline> ...`.
"""

import argparse
import contextlib
import datetime
import json
import multiprocessing
import os
import resource
import shutil
import socket
import statistics
import struct
import subprocess
import tempfile
import threading
import time
import uuid
from decimal import Decimal
from pathlib import Path

from common import configure, throwaway_database

WORK_CENTERS = 50


def message(machine: tuple[str, str], index: int, base: datetime.datetime) -> tuple[str, bytes]:
    """The index-th signal of a machine: counts, a stop every 40 signals (down, then running 3 signals later)."""
    wc, eq = machine
    ts = (base + datetime.timedelta(milliseconds=500 * index)).isoformat()
    phase = index % 40
    if phase == 0:
        return f"millwright/BENCH/{wc}/{eq}/state", json.dumps({"ts": ts, "state": "running"}).encode()
    if phase == 20:
        return f"millwright/BENCH/{wc}/{eq}/state", json.dumps({"ts": ts, "state": "down",
                                                                 "reason": "JAM" if index % 80 else "X9"}).encode()
    if phase == 23:
        return f"millwright/BENCH/{wc}/{eq}/state", json.dumps({"ts": ts, "state": "running"}).encode()
    if phase == 30:
        return f"millwright/BENCH/{wc}/{eq}/state", json.dumps({"ts": ts, "state": "idle"}).encode()
    return f"millwright/BENCH/{wc}/{eq}/count", json.dumps({"ts": ts, "good": 1,
                                                            "scrap": 1 if index % 50 == 7 else 0}).encode()


def publisher(machines, per_machine: int, base_iso: str, allowed, published, host: str, port: int) -> None:
    """A publishing process (the plant's machines): round-robin over its machines, QoS 1 on MQTT 3.1.1, held back
    by `allowed`. It writes the protocol's packets itself, a thousand per write, and counts the broker's PUBACKs
    (waiting for all of them at the end): a load generator that costs a few µs a signal, where paho's publish
    costs ~70 µs, CPU the gateway, the broker and the database need on a small machine."""
    from apps.mes.mqtt_subscriber import remaining_length as _length  # the gateway's encoder of the same field

    base = datetime.datetime.fromisoformat(base_iso)
    sock = socket.create_connection((host, port))
    client_id = f"bench-pub-{uuid.uuid4().hex[:8]}".encode()
    body = b"\x00\x04MQTT\x04\x02\x00\x00" + struct.pack("!H", len(client_id)) + client_id  # clean, no keepalive
    sock.sendall(b"\x10" + _length(len(body)) + body)
    connack = b""
    while len(connack) < 4:
        connack += sock.recv(4 - len(connack))
    if connack[3] != 0:
        raise RuntimeError(f"the broker refused the publisher: {connack!r}")
    acked, sent, mid, pending = 0, 0, 0, b""

    def read_acks(block: bool) -> None:
        nonlocal acked, pending
        sock.setblocking(block)
        try:
            data = sock.recv(65536)
        except BlockingIOError:
            return
        finally:
            sock.setblocking(True)
        if not data:
            raise RuntimeError("the broker closed the publisher's connection")
        pending += data
        whole = len(pending) // 4 * 4  # PUBACKs only: 40 02 <mid>
        acked += whole // 4
        pending = pending[whole:]

    chunk, index_of = [], [(index, machine) for index in range(per_machine) for machine in machines]
    for number, (index, machine) in enumerate(index_of, 1):
        topic, payload = message(machine, index, base)
        mid = mid % 65535 + 1
        topic_bytes = topic.encode()
        chunk.append(b"\x32" + _length(4 + len(topic_bytes) + len(payload)) + struct.pack("!H", len(topic_bytes))
                     + topic_bytes + struct.pack("!H", mid) + payload)
        if len(chunk) == 1000 or number == len(index_of):
            while published.value + len(chunk) > allowed.value:
                read_acks(False)
                time.sleep(0.005)
            while sent - acked > 30_000:  # message ids are not reused while in flight
                read_acks(True)
            sock.sendall(b"".join(chunk))
            sent += len(chunk)
            with published.get_lock():
                published.value += len(chunk)
            chunk = []
            read_acks(False)
    while acked < sent:
        read_acks(True)
    sock.sendall(b"\xe0\x00")  # DISCONNECT
    sock.close()


def processes_cpu(database: str, broker_pid: int | None) -> dict[str, float]:
    """CPU seconds (user + system) so far of the PostgreSQL backends of `database`, of PostgreSQL's background
    processes (WAL writer, checkpointer, background writer) and of the broker (when it is the bench's own), from
    /proc (same machine; {} where it cannot be read)."""
    ticks = os.sysconf("SC_CLK_TCK")
    totals = {"postgres": 0.0, "pg_background": 0.0, "broker": 0.0}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/cmdline", "rb") as f:
                args = f.read().replace(b"\0", b" ").decode(errors="replace")
            with open(f"/proc/{entry.name}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        seconds = (int(fields[11]) + int(fields[12])) / ticks
        if int(entry.name) == broker_pid:
            totals["broker"] += seconds
        elif args.startswith("postgres: ") and f" {database} " in args:
            totals["postgres"] += seconds
        elif args.startswith("postgres: ") and any(name in args for name in ("walwriter", "checkpointer",
                                                                               "background writer")):
            totals["pg_background"] += seconds
    return totals


@contextlib.contextmanager
def own_broker():
    """A Mosquitto of the bench's own on a free port: no limit on queued or in-flight messages (the defaults,
    1,000 queued per session and 20 in flight, make a broker drop QoS 1 messages a slow subscriber has not
    taken yet), no persistence, no log. Yields its URL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with tempfile.TemporaryDirectory() as folder:
        config = Path(folder) / "mosquitto.conf"
        config.write_text(f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n"
                          "max_queued_messages 0\nmax_queued_bytes 0\nmax_inflight_messages 0\n"
                          "max_inflight_bytes 0\nlog_dest none\n")
        broker = subprocess.Popen([shutil.which("mosquitto"), "-c", str(config)], stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 10
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    if time.monotonic() > deadline or broker.poll() is not None:
                        raise RuntimeError("the bench's own mosquitto did not start") from None
                    time.sleep(0.05)
            own_broker.pid = broker.pid
            yield f"mqtt://127.0.0.1:{port}"
        finally:
            broker.terminate()
            broker.wait(10)


def build(machines_total: int):
    from apps.core.models import Company, Currency, UnitOfMeasure
    from apps.mes.choices import MachineConnection, OperationStatus
    from apps.mes.models import DowntimeReason, Equipment, Operation, WorkCenter, WorkOrder
    from apps.plm.models import Item, Revision

    company = Company.objects.create(code="BENCH", name="Bench", currency=Currency.objects.get(code="EUR"))
    DowntimeReason.objects.create(company=company, code="JAM", name="Jam")
    item = Item.objects.create(company=company, number="B-1", name="Bench part", uom=UnitOfMeasure.objects.get(
        code="ea"), item_type="make")
    revision = Revision.objects.create(company=company, item=item, code="A", status="released")
    per_center = machines_total // WORK_CENTERS
    machines = []
    started = datetime.datetime.now(datetime.UTC) - datetime.timedelta(hours=3)
    for n in range(WORK_CENTERS):
        center = WorkCenter.objects.create(company=company, code=f"WC{n:02d}", name=f"Center {n}")
        order = WorkOrder.objects.create(company=company, number=f"WO-B-{n:03d}", item=item, revision=revision,
                                         quantity=Decimal(100000), due_date=datetime.date(2030, 1, 1),
                                         status="in_progress")
        Operation.objects.create(work_order=order, sequence=10, work_center=center, status=OperationStatus.IN_PROGRESS,
                                 actual_start=started, run_minutes_per_unit=Decimal("0.4"))
        for m in range(per_center):
            Equipment.objects.create(work_center=center, code=f"M{m}", name=f"Machine {m}",
                                     connection=MachineConnection.MQTT)
            machines.append((center.code, f"M{m}"))
    probe = Equipment.objects.create(work_center=WorkCenter.objects.get(company=company, code="WC00"), code="PROBE",
                                     name="Latency probe")
    return company, machines, probe


def probe_latency(stop: threading.Event, probe, latencies: list, host: str, port: int) -> None:
    """`down` now, wait for its downtime event, `running`; repeat every ~0.5 s until `stop`."""
    import paho.mqtt.client as mqtt
    from django.db import connection
    from paho.mqtt.enums import CallbackAPIVersion

    from apps.mes.models import DowntimeEvent

    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"bench-probe-{uuid.uuid4().hex[:6]}",
                         protocol=mqtt.MQTTv5)
    client.connect(host, port)
    client.loop_start()
    topic = f"millwright/BENCH/WC00/{probe.code}/state"
    try:
        while not stop.is_set():
            now = datetime.datetime.now(datetime.UTC)
            sent = time.perf_counter()
            client.publish(topic, json.dumps({"ts": now.isoformat(), "state": "down", "reason": "JAM"}), qos=1)
            deadline = sent + 30
            while time.perf_counter() < deadline and not DowntimeEvent.objects.filter(equipment=probe,
                                                                                       start=now).exists():
                time.sleep(0.01)
            latencies.append(time.perf_counter() - sent)
            client.publish(topic, json.dumps({"ts": (now + datetime.timedelta(milliseconds=1)).isoformat(),
                                              "state": "running"}), qos=1)
            stop.wait(0.5)
    finally:
        client.disconnect()
        client.loop_stop()
        connection.close()


def copy_floor(machines, per_machine: int, base: datetime.datetime, company, equipment_ids) -> float:
    """COPY of the same rows into a table shaped like mes_machinesignal: signals/s."""
    from django.db import connection, transaction

    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE bench_signal_copy (LIKE mes_machinesignal INCLUDING ALL)")
    rows = []
    for index in range(per_machine):
        for machine in machines:
            topic, payload = message(machine, index, base)
            data = json.loads(payload)
            eq_id, wc_id = equipment_ids[machine]
            kind = topic.rsplit("/", 1)[1]
            rows.append((company.pk, eq_id, wc_id, kind, data["ts"], data.get("state", ""), data.get("reason", ""),
                         data.get("good", 0), data.get("scrap", 0)))
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        with cursor.cursor.copy("COPY bench_signal_copy (company_id, equipment_id, work_center_id, kind, ts, state, "
                                "reason, good, scrap, created_at, updated_at) FROM STDIN") as copy:
            now = datetime.datetime.now(datetime.UTC)
            for row in rows:
                copy.write_row((*row, now, now))
    return len(rows) / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--signals", type=int, default=1_000_000)
    parser.add_argument("--machines", type=int, default=200)
    parser.add_argument("--publishers", type=int, default=2)
    parser.add_argument("--batch", type=int, default=5000)
    parser.add_argument("--writers", type=int, default=None, help="the gateway's database writers (default: "
                        "MES_GATEWAY_WRITERS)")
    parser.add_argument("--lag", type=int, default=None,
                        help="how many signals the publishers may be ahead of the gateway (default: one batch per "
                        "writer)")
    parser.add_argument("--broker", choices=("own", "configured"), default="own" if shutil.which("mosquitto") else
                        "configured", help="own: a Mosquitto of the bench's own without queue limits (default when "
                        "the mosquitto binary is there); configured: MQTT_URL or 127.0.0.1:1883")
    args = parser.parse_args()
    configure("bench_mes")
    from django.conf import settings

    args.writers = args.writers or settings.MES_GATEWAY_WRITERS
    lag = args.lag or args.batch * args.writers
    from django.db import connection

    from apps.mes.gateway import SignalGateway
    from apps.mes.models import Equipment, MachineSignal
    from apps.mes.mqtt import broker_address
    from apps.mes.selectors_board import board_tiles

    per_machine = args.signals // args.machines
    total = per_machine * args.machines
    with contextlib.ExitStack() as stack:
        url = stack.enter_context(own_broker()) if args.broker == "own" else (settings.MQTT_URL or None)
        address = broker_address(url)
        print(f"broker: {'own mosquitto' if args.broker == 'own' else 'configured'} on {address.host}:{address.port}"
              f", publishers held back at {lag} signals ahead of the gateway", flush=True)
        stack.enter_context(throwaway_database())
        company, machines, probe = build(args.machines)
        equipment_ids = {(wc, eq): (pk, wc_id) for pk, wc_id, wc, eq in Equipment.objects.filter(
            work_center__company=company).values_list("id", "work_center_id", "work_center__code", "code")}
        base = datetime.datetime.now(datetime.UTC) - datetime.timedelta(seconds=per_machine * 0.5 + 600)

        gateway = SignalGateway(client_id=f"bench-gateway-{uuid.uuid4().hex[:6]}", url=url, batch_size=args.batch,
                                flush_seconds=0.05, opcua=False, writers=args.writers)
        loop_stop = {"event": None}

        def run_gateway():
            import asyncio

            async def go():
                loop_stop["event"] = asyncio.Event()
                loop_stop["loop"] = asyncio.get_running_loop()
                await gateway.run(loop_stop["event"])

            asyncio.run(go())

        gateway_thread = threading.Thread(target=run_gateway, daemon=True)
        gateway_thread.start()
        while not gateway.stats.subscribed:
            time.sleep(0.05)
        connection.close()  # no connection shared with the forked publishers
        allowed = multiprocessing.Value("q", lag)
        published = multiprocessing.Value("q", 0)
        groups = [machines[i::args.publishers] for i in range(args.publishers)]
        print(f"publishing {total} signals of {args.machines} machines ...", flush=True)
        database = connection.settings_dict["NAME"]
        broker_pid = getattr(own_broker, "pid", None) if args.broker == "own" else None
        started = time.perf_counter()
        cpu_started = time.process_time()
        others_started = processes_cpu(database, broker_pid)
        processes = [multiprocessing.Process(target=publisher, args=(group, per_machine, base.isoformat(), allowed,
                                                                     published, address.host, address.port))
                     for group in groups]
        for process in processes:
            process.start()
        stop_probe, latencies = threading.Event(), []
        prober = threading.Thread(target=probe_latency, args=(stop_probe, probe, latencies, address.host,
                                                              address.port), daemon=True)
        prober.start()
        last_report = time.perf_counter()
        while True:
            handled = gateway.stats.stored + gateway.stats.duplicates + gateway.stats.dropped
            allowed.value = handled + lag
            if gateway.stats.stored - 2 * len(latencies) >= total:
                break
            if time.perf_counter() - last_report > 10:
                print(f"  {published.value} published, {gateway.stats.stored} stored, "
                      f"{gateway.stats.dropped} dropped", flush=True)
                last_report = time.perf_counter()
            if not any(p.is_alive() for p in processes) and time.perf_counter() - last_report > 60:
                break
            time.sleep(0.02)
        elapsed = time.perf_counter() - started
        gateway_cpu = time.process_time() - cpu_started
        others_ended = processes_cpu(database, broker_pid)
        others = {name: others_ended[name] - others_started[name] for name in others_ended}
        stop_probe.set()
        prober.join(40)
        for process in processes:
            process.join(30)
        publisher_cpu = sum(getattr(resource.getrusage(resource.RUSAGE_CHILDREN), name) for name in ("ru_utime",
                                                                                                     "ru_stime"))
        loop_stop["loop"].call_soon_threadsafe(loop_stop["event"].set)
        gateway_thread.join(60)
        stored = MachineSignal.objects.filter(equipment__work_center__company=company).exclude(equipment=probe).count()
        rate = stored / elapsed
        floor = copy_floor(machines, per_machine, base, company, equipment_ids)
        samples, without_oee = [], []
        for _ in range(7):
            t0 = time.perf_counter()
            board_tiles(company_id=company.pk)
            samples.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            board_tiles(company_id=company.pk, with_oee=False)
            without_oee.append(time.perf_counter() - t0)
        board_ms = statistics.median(without_oee) * 1000
        board_oee_ms = statistics.median(samples) * 1000
        latencies.sort()
        p50 = latencies[len(latencies) // 2] * 1000 if latencies else float("nan")
        p95 = latencies[int(len(latencies) * 0.95)] * 1000 if latencies else float("nan")
        print(f"stored {stored} of {total} signals in {elapsed:.1f} s ({gateway.stats.batches} batches, "
              f"{gateway.stats.duplicates} duplicates, {gateway.stats.dropped} dropped); gateway time parsing "
              f"{gateway.stats.parse_seconds:.1f} s, storing {gateway.stats.store_seconds:.1f} s")
        lost = total - stored
        print(f"loss check: {total} published, {stored} stored, {lost} lost "
              f"({'OK' if lost == 0 else 'SIGNALS LOST'}); CPU per signal: gateway process "
              f"{gateway_cpu / total * 1e6:.0f} µs, publishers {publisher_cpu / total * 1e6:.0f} µs, PostgreSQL "
              f"backends {others['postgres'] / total * 1e6:.0f} µs (+ background "
              f"{others['pg_background'] / total * 1e6:.1f} µs), broker {others['broker'] / total * 1e6:.1f} µs")
        print(f"publish -> downtime opened: p50 {p50:.0f} ms, p95 {p95:.0f} ms over {len(latencies)} probes")
        print(f"board data for {WORK_CENTERS} work centers: tiles {board_ms:.1f} ms (what a poll computes, once per "
              f"0.8 s per company), with OEE today {board_oee_ms:.1f} ms (recomputed every 15 s); medians of 7")
        print(f"COPY floor: {floor:,.0f} signals/s")
        print(f"RESULT mes_signals={rate:.0f} baseline={floor:.0f} ratio={rate / floor:.3f} "
              f"p95_latency_ms={p95:.0f} board_ms={board_ms:.1f} board_oee_ms={board_oee_ms:.1f} signals={stored} "
              f"lost={lost} writers={args.writers} lag={lag}")


if __name__ == "__main__":
    main()
