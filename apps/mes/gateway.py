"""The machine gateway (`manage.py machine_gateway`): MQTT and OPC UA signals into the database, in batches.

* MQTT 5, QoS 1, a persistent session (clean start off, the broker keeps the session and queues messages while
  the gateway is away) read by `MqttSubscriber` (PUBLISH packets cut straight from the socket's bytes) and
  acknowledgement in batches: a message is acknowledged only after the transaction that
  stored it committed, so a gateway killed mid-batch loses nothing (the broker redelivers) and doubles nothing
  (`signals_ingest` ignores a signal it already has: unique equipment, kind, ts).
* Messages are batched for MES_GATEWAY_FLUSH_SECONDS or MES_GATEWAY_BATCH_SIZE messages, whichever comes first,
  and written by MES_GATEWAY_WRITERS database threads (the ORM is synchronous), each with its own connection: a
  work center's signals always go to the same writer (its *lane*) and are stored in the order received, so one
  machine's batches never race; while one writer parses and builds its batch, another's is in PostgreSQL.
* Reconnects with backoff (1 s doubling to 30 s) to the broker and to every OPC UA server.
* A bad message is counted per reason (`MachineSignalDrop`) and acknowledged; a database outage keeps the batch
  and retries it with backoff; a message the database refuses is isolated and counted as malformed.
"""

import asyncio
import logging
import threading
import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from django.db import DatabaseError, InterfaceError, OperationalError, close_old_connections, connections, transaction

from apps.mes.choices import SignalDropReason
from apps.mes.mqtt import broker_address, mqtt_v5
from apps.mes.mqtt_subscriber import MqttSubscriber
from apps.mes.services.signals import signal_drops_record, signals_ingest
from apps.mes.signal_contract import (
    TOPIC_ROOT,
    DropTally,
    EquipmentDirectory,
    SignalRejected,
    SignalRow,
    read_message,
    ts_window,
)

logger = logging.getLogger("millwright.gateway")
SUBSCRIPTION = f"{TOPIC_ROOT}/+/+/+/+"


@dataclass(slots=True)
class Message:
    """A received MQTT message (acknowledged after its batch commits) or an OPC UA row (nothing to ack)."""

    topic: str = ""
    payload: bytes = b""
    mid: int = 0
    qos: int = 0
    generation: int = 0
    row: SignalRow | None = None


@dataclass
class GatewayStats:
    received: int = 0
    stored: int = 0
    duplicates: int = 0
    dropped: int = 0
    batches: int = 0
    parse_seconds: float = 0.0
    store_seconds: float = 0.0
    connected: bool = False
    subscribed: bool = False
    last_error: str = ""
    errors: list = field(default_factory=list)


class Lane:
    """One database writer: the messages of the work centers routed to it, in the order received, its drop
    counters, and the one thread (hence one database connection) that stores them."""

    def __init__(self, number: int):
        self.pending: deque[Message] = deque()
        self.tally = DropTally()
        self.db = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"gateway-db-{number}")


def lane_of(topic: str, lanes: int) -> int:
    """The lane of a message: its topic's company and work center (`millwright/<company>/<work center>/...`),
    hashed, so all of a work center's machines share one writer."""
    return hash(topic[:topic.rfind("/", 0, topic.rfind("/"))]) % lanes


class SignalGateway:
    """MQTT subscriber + OPC UA readers + database writers (see the module docstring)."""

    def __init__(self, *, client_id: str = "millwright-gateway", url: str | None = None, batch_size: int = 5000,
                 flush_seconds: float = 0.2, opcua: bool = True, writers: int = 2):
        self.client_id, self.url = client_id, url
        self.batch_size, self.flush_seconds, self.opcua = batch_size, flush_seconds, opcua
        self.lanes = [Lane(number) for number in range(max(writers, 1))]
        self.stats = GatewayStats()
        self._stats_lock = threading.Lock()
        self.generation = 0
        self.directory = EquipmentDirectory()
        self.client = None
        self.stopping = threading.Event()

    @property
    def pending(self) -> int:
        """Messages received and not stored yet, in all lanes."""
        return sum(len(lane.pending) for lane in self.lanes)

    # ---- MQTT (the subscriber's thread) --------------------------------------------------------------------
    def _on_state(self) -> None:
        subscriber = self.client
        self.generation = subscriber.generation
        self.stats.connected, self.stats.subscribed = subscriber.connected, subscriber.subscribed
        if subscriber.last_error:
            self.stats.last_error = subscriber.last_error
        if not subscriber.connected and not self.stopping.is_set():
            logger.warning("not connected to the broker; reconnecting with backoff")

    def _on_messages(self, received: list, generation: int) -> None:
        lanes = self.lanes
        if len(lanes) == 1:
            lanes[0].pending.extend([Message(topic, payload, mid, qos, generation)
                                     for topic, payload, mid, qos in received])
        else:
            count = len(lanes)
            for topic, payload, mid, qos in received:
                lanes[lane_of(topic, count)].pending.append(Message(topic, payload, mid, qos, generation))
        self.stats.received += len(received)

    def start_mqtt(self) -> None:
        self.client = MqttSubscriber(client_id=self.client_id, address=broker_address(self.url), topic=SUBSCRIPTION,
                                     v5=mqtt_v5(), on_messages=self._on_messages, on_state=self._on_state)
        self.client.start()

    def lane(self, row: SignalRow) -> Lane:
        """The lane of a signal read from OPC UA: its work center's."""
        return self.lanes[row.key.work_center_id % len(self.lanes)]

    def add_row(self, row: SignalRow) -> None:
        """A signal read from OPC UA (any thread)."""
        self.lane(row).pending.append(Message(row=row))
        self.stats.received += 1

    # ---- the database threads (one per lane) -----------------------------------------------------------------
    def _take(self, lane: Lane) -> list[Message]:
        batch, pending = [], lane.pending
        while pending and len(batch) < self.batch_size:
            batch.append(pending.popleft())
        return batch

    def _rows(self, batch: list[Message], tally: DropTally) -> list[SignalRow]:
        rows = []
        window = ts_window()
        directory = self.directory
        for message in batch:
            row = message.row or read_message(message.topic, message.payload, directory, tally, window=window)
            if row is not None:
                rows.append(row)
        return rows

    def _store(self, batch: list[Message], lane: Lane) -> None:
        started = time.perf_counter()
        rows = self._rows(batch, lane.tally)
        drops, details = lane.tally.take()
        parsed = time.perf_counter()
        with transaction.atomic():
            result = signals_ingest(company=None, rows=rows, actor=None)
            signal_drops_record(drops=drops, details=details)
        with self._stats_lock:
            stats = self.stats
            stats.parse_seconds += parsed - started
            stats.store_seconds += time.perf_counter() - parsed
            stats.stored += result.stored
            stats.duplicates += result.duplicates
            stats.dropped += sum(drops.values())
            stats.batches += 1

    def _ack(self, batch: list[Message]) -> None:
        """Acknowledge the batch's messages of this connection, as one write (one of an earlier connection is
        redelivered by the broker, then ignored as a duplicate)."""
        client, generation = self.client, self.generation
        if client is not None:
            client.ack([message.mid for message in batch if message.qos and message.generation == generation],
                       generation)

    def _isolate(self, batch: list[Message], lane: Lane) -> None:
        """The database refused the batch (not an outage): store message by message, count the refused ones."""
        for message in batch:
            try:
                self._store([message], lane)
            except (OperationalError, InterfaceError):
                raise
            except DatabaseError as error:
                close_old_connections()
                lane.tally.add(None, SignalRejected(SignalDropReason.MALFORMED, f"refused: {error}"[:200]),
                               message.topic[:120])
                signal_drops_record(drops=lane.tally.take()[0])
            self._ack([message])

    def flush_once(self, lane: Lane) -> int:
        """Store and acknowledge one batch of a lane (in the lane's thread); returns how many messages it held."""
        batch = self._take(lane)
        if not batch:
            return 0
        try:
            try:
                self._store(batch, lane)
            except (OperationalError, InterfaceError):
                raise
            except DatabaseError:
                close_old_connections()
                self._isolate(batch, lane)
            else:
                self._ack(batch)
        except (OperationalError, InterfaceError) as error:
            close_old_connections()
            lane.pending.extendleft(reversed(batch))  # keep the order; retried after a backoff
            self.stats.last_error = f"database: {error}"
            raise
        return len(batch)

    # ---- the loop --------------------------------------------------------------------------------------------
    async def _write(self, lane: Lane, stop: asyncio.Event) -> None:
        """A lane's writer: store its batches until `stop` is set, backing off while the database is away."""
        loop = asyncio.get_running_loop()
        backoff = 1.0
        while not stop.is_set():
            if not lane.pending:
                await asyncio.sleep(self.flush_seconds)
                continue
            try:
                while lane.pending:
                    await loop.run_in_executor(lane.db, self.flush_once, lane)
                backoff = 1.0
            except (OperationalError, InterfaceError):
                logger.warning("database unavailable; retrying in %.0f s", backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 30.0)
                continue
            await asyncio.sleep(self.flush_seconds)

    async def _drain(self, lane: Lane) -> None:
        """Store what a lane still holds (stopping), then close its thread's connection and the thread."""
        loop = asyncio.get_running_loop()
        try:
            while lane.pending:
                await loop.run_in_executor(lane.db, self.flush_once, lane)
        except (OperationalError, InterfaceError):
            logger.warning("stopping with %d unstored messages (the broker redelivers them)", len(lane.pending))
        await loop.run_in_executor(lane.db, connections.close_all)
        lane.db.shutdown(wait=True)

    async def run(self, stop: asyncio.Event) -> None:
        """Run until `stop` is set; then store what was received and disconnect."""
        self.start_mqtt()
        readers_task = None
        if self.opcua:
            from apps.mes.opcua import OpcUaReaders

            readers_task = asyncio.create_task(OpcUaReaders(self).run(stop))
        try:
            await asyncio.gather(*[self._write(lane, stop) for lane in self.lanes])
        finally:
            self.stopping.set()
            if readers_task is not None:
                await readers_task
            await asyncio.gather(*[self._drain(lane) for lane in self.lanes])
            if self.client is not None:
                self.client.stop()


def run_gateway(**options) -> None:
    """Run the gateway until SIGINT/SIGTERM (the management command)."""
    import signal

    gateway = SignalGateway(**options)

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        await gateway.run(stop)

    started = time.monotonic()
    asyncio.run(main())
    logger.info("gateway stopped after %.0f s: %s", time.monotonic() - started, gateway.stats)
