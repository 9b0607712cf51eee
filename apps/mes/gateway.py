"""The machine gateway (`manage.py machine_gateway`): MQTT and OPC UA signals into the database, in batches.

* MQTT 5, QoS 1, a persistent session (clean start off, the broker keeps the session and queues messages while
  the gateway is away) read by `MqttSubscriber` (PUBLISH packets cut straight from the socket's bytes) and
  acknowledgement in batches: a message is acknowledged only after the transaction that
  stored it committed, so a gateway killed mid-batch loses nothing (the broker redelivers) and doubles nothing
  (`signals_ingest` ignores a signal it already has: unique equipment, kind, ts).
* Messages are batched for MES_GATEWAY_FLUSH_SECONDS or MES_GATEWAY_BATCH_SIZE messages, whichever comes first,
  and written by one database thread (the ORM is synchronous).
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


class SignalGateway:
    """MQTT subscriber + OPC UA readers + one database writer (see the module docstring)."""

    def __init__(self, *, client_id: str = "millwright-gateway", url: str | None = None, batch_size: int = 5000,
                 flush_seconds: float = 0.2, opcua: bool = True):
        self.client_id, self.url = client_id, url
        self.batch_size, self.flush_seconds, self.opcua = batch_size, flush_seconds, opcua
        self.pending: deque[Message] = deque()
        self.stats = GatewayStats()
        self.generation = 0
        self.directory = EquipmentDirectory()
        self.tally = DropTally()
        self.client = None
        self.stopping = threading.Event()
        self.db = ThreadPoolExecutor(max_workers=1, thread_name_prefix="gateway-db")

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
        self.pending.extend([Message(topic, payload, mid, qos, generation) for topic, payload, mid, qos in received])
        self.stats.received += len(received)

    def start_mqtt(self) -> None:
        self.client = MqttSubscriber(client_id=self.client_id, address=broker_address(self.url), topic=SUBSCRIPTION,
                                     v5=mqtt_v5(), on_messages=self._on_messages, on_state=self._on_state)
        self.client.start()

    def add_row(self, row: SignalRow) -> None:
        """A signal read from OPC UA (any thread)."""
        self.pending.append(Message(row=row))
        self.stats.received += 1

    # ---- the database thread --------------------------------------------------------------------------------
    def _take(self) -> list[Message]:
        batch = []
        while self.pending and len(batch) < self.batch_size:
            batch.append(self.pending.popleft())
        return batch

    def _rows(self, batch: list[Message]) -> list[SignalRow]:
        rows = []
        window = ts_window()
        directory, tally = self.directory, self.tally
        for message in batch:
            row = message.row or read_message(message.topic, message.payload, directory, tally, window=window)
            if row is not None:
                rows.append(row)
        return rows

    def _store(self, batch: list[Message]) -> None:
        started = time.perf_counter()
        rows = self._rows(batch)
        drops, details = self.tally.take()
        parsed = time.perf_counter()
        with transaction.atomic():
            result = signals_ingest(company=None, rows=rows, actor=None)
            signal_drops_record(drops=drops, details=details)
        self.stats.parse_seconds += parsed - started
        self.stats.store_seconds += time.perf_counter() - parsed
        self.stats.stored += result.stored
        self.stats.duplicates += result.duplicates
        self.stats.dropped += sum(drops.values())
        self.stats.batches += 1

    def _ack(self, batch: list[Message]) -> None:
        """Acknowledge the batch's messages of this connection, as one write (one of an earlier connection is
        redelivered by the broker, then ignored as a duplicate)."""
        client, generation = self.client, self.generation
        if client is not None:
            client.ack([message.mid for message in batch if message.qos and message.generation == generation],
                       generation)

    def _isolate(self, batch: list[Message]) -> None:
        """The database refused the batch (not an outage): store message by message, count the refused ones."""
        for message in batch:
            try:
                self._store([message])
            except (OperationalError, InterfaceError):
                raise
            except DatabaseError as error:
                close_old_connections()
                self.tally.add(None, SignalRejected(SignalDropReason.MALFORMED, f"refused: {error}"[:200]),
                               message.topic[:120])
                signal_drops_record(drops=self.tally.take()[0])
            self._ack([message])

    def flush_once(self) -> int:
        """Store and acknowledge one batch (database thread); returns how many messages it held."""
        batch = self._take()
        if not batch:
            return 0
        try:
            try:
                self._store(batch)
            except (OperationalError, InterfaceError):
                raise
            except DatabaseError:
                close_old_connections()
                self._isolate(batch)
            else:
                self._ack(batch)
        except (OperationalError, InterfaceError) as error:
            close_old_connections()
            self.pending.extendleft(reversed(batch))  # keep the order; retried after a backoff
            self.stats.last_error = f"database: {error}"
            raise
        return len(batch)

    # ---- the loop --------------------------------------------------------------------------------------------
    async def run(self, stop: asyncio.Event) -> None:
        """Run until `stop` is set; then store what was received and disconnect."""
        loop = asyncio.get_running_loop()
        self.start_mqtt()
        readers_task = None
        if self.opcua:
            from apps.mes.opcua import OpcUaReaders

            readers_task = asyncio.create_task(OpcUaReaders(self).run(stop))
        backoff = 1.0
        try:
            while not stop.is_set():
                if not self.pending:
                    await asyncio.sleep(self.flush_seconds)
                    continue
                try:
                    while self.pending:
                        await loop.run_in_executor(self.db, self.flush_once)
                    backoff = 1.0
                except (OperationalError, InterfaceError):
                    logger.warning("database unavailable; retrying in %.0f s", backoff)
                    await asyncio.sleep(backoff)
                    backoff = min(backoff * 2, 30.0)
                    continue
                await asyncio.sleep(self.flush_seconds)
        finally:
            self.stopping.set()
            if readers_task is not None:
                await readers_task
            try:
                while self.pending:
                    await loop.run_in_executor(self.db, self.flush_once)
            except (OperationalError, InterfaceError):
                logger.warning("stopping with %d unstored messages (the broker redelivers them)", len(self.pending))
            if self.client is not None:
                self.client.stop()
            await loop.run_in_executor(self.db, connections.close_all)
            self.db.shutdown(wait=True)


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
