"""OPC UA machines: the gateway subscribes to each connected equipment's state, reason and counter nodes
(asyncua) and turns their changes into the same signals as MQTT.

* state node: a string (`running`/`idle`/`down`) or a number (0 idle, 1 running, 2 down); the reason node's
  latest value is the stop's reason code.
* good/scrap nodes: counters that only grow; the gateway sends the increments. The last value read is kept across
  reconnects (`OpcUaReaders.last_counter`), so parts made while the connection was down are counted when it is
  back. Each count signal stores the counters it brings the equipment to (`Equipment.opcua_counters`, in the
  signal's transaction), the baseline after a gateway restart: parts made while the gateway was down count once.
  Without stored values for the same endpoint and nodes (a new equipment, changed nodes) the first value read is
  the baseline. A counter that went down was reset, and its new value is the increment.
* the signal's `ts` is the value's source timestamp (else the server's, else ours).
One connection per endpoint, reconnecting with backoff; the equipment list is reloaded every 30 s.
"""

import asyncio
import datetime
import logging
from collections import defaultdict
from dataclasses import dataclass, field

from apps.mes.choices import MachineConnection, SignalKind
from apps.mes.signal_contract import EquipmentKey, SignalRejected, SignalRow, parse_ts

logger = logging.getLogger("millwright.gateway.opcua")
NUMERIC_STATES = {0: "idle", 1: "running", 2: "down"}
COUNTERS = ("good", "scrap")
ROLES = ("state", "reason", *COUNTERS)


@dataclass(frozen=True)
class OpcUaMachine:
    key: EquipmentKey
    endpoint: str
    nodes: tuple  # (role, node id) pairs
    stored: dict = field(default_factory=dict, compare=False, hash=False)  # Equipment.opcua_counters when loaded

    @property
    def counter_source(self) -> str:
        """What the counters are read from: stored values of another source are no baseline."""
        nodes = dict(self.nodes)
        return f"{self.endpoint}|{nodes.get('good', '')}|{nodes.get('scrap', '')}"


def connected_machines() -> list[OpcUaMachine]:
    from apps.mes.models import Equipment

    machines = []
    for e in Equipment.objects.filter(connection=MachineConnection.OPCUA, is_active=True,
                                      work_center__is_active=True).exclude(opcua_endpoint="").select_related(
            "work_center"):
        nodes = tuple((role, getattr(e, f"opcua_{role}_node")) for role in ROLES if getattr(e, f"opcua_{role}_node"))
        machines.append(OpcUaMachine(EquipmentKey(e.pk, e.work_center_id, e.work_center.company_id),
                                     e.opcua_endpoint, nodes, e.opcua_counters or {}))
    return machines


class _Handler:
    """asyncua's subscription callback: one per endpoint."""

    def __init__(self, readers: "OpcUaReaders", by_node: dict):
        self.readers, self.by_node = readers, by_node
        self.last_counter = readers.last_counter  # the readers': it outlives this connection
        self.reason: dict = defaultdict(str)

    def datachange_notification(self, node, value, data) -> None:
        key, role = self.by_node[node.nodeid.to_string()]
        item = data.monitored_item.Value
        ts = item.SourceTimestamp or item.ServerTimestamp or datetime.datetime.now(datetime.UTC)
        if ts.tzinfo is None:
            ts = ts.replace(tzinfo=datetime.UTC)
        if role == "reason":
            self.reason[key] = str(value or "")[:40]
        elif role == "state":
            state = NUMERIC_STATES.get(value, value) if isinstance(value, int) else str(value).lower()
            self.readers.emit(SignalRow(key=key, kind=SignalKind.STATE, ts=ts, state=state,
                                        reason=self.reason[key] if state == "down" else ""))
        else:
            previous = self.last_counter.get((key, role))
            self.last_counter[(key, role)] = value
            if previous is None or value == previous:
                return
            increment = int(value - previous) if value > previous else int(value)
            self.readers.count(key, role, increment, ts)


class OpcUaReaders:
    """Every OPC UA endpoint of connected equipment, feeding `gateway.add_row`."""

    def __init__(self, gateway, reload_seconds: float = 30.0):
        self.gateway, self.reload_seconds = gateway, reload_seconds
        self.tasks: dict[str, tuple[tuple, asyncio.Task]] = {}
        self.counts: dict = {}
        self.last_count_ts: dict = {}
        self.last_counter: dict = {}  # (equipment key, "good"/"scrap") → the counter's last value read
        self.sources: dict = {}  # equipment key → OpcUaMachine.counter_source, stored with its counts

    def emit(self, row: SignalRow) -> None:
        try:
            row.ts = parse_ts(row.ts)
        except SignalRejected as rejected:
            self.gateway.lane(row).tally.add(row.key.company_id, rejected, "opcua")
            return
        if row.kind == SignalKind.STATE and row.state not in ("running", "idle", "down"):
            return
        self.gateway.add_row(row)

    def count(self, key, role: str, increment: int, ts) -> None:
        good, scrap, _ = self.counts.get(key, (0, 0, ts))
        self.counts[key] = (good + increment, scrap, ts) if role == "good" else (good, scrap + increment, ts)

    def flush_counts(self) -> None:
        """Good and scrap changes since the last flush as one count signal per machine (unique ts)."""
        counts, self.counts = self.counts, {}
        for key, (good, scrap, ts) in counts.items():
            last = self.last_count_ts.get(key)
            if last is not None and ts <= last:
                ts = last + datetime.timedelta(microseconds=1)
            self.last_count_ts[key] = ts
            counters = {role: self.last_counter[(key, role)] for role in COUNTERS
                        if (key, role) in self.last_counter}
            self.emit(SignalRow(key=key, kind=SignalKind.COUNT, ts=ts, good=good, scrap=scrap,
                                counters={**counters, "nodes": self.sources.get(key, "")}))

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                machines = await asyncio.get_running_loop().run_in_executor(self.gateway.lanes[0].db,
                                                                                 connected_machines)
            except Exception:  # the database is away: keep the running readers
                logger.exception("could not load the OPC UA machines")
                machines = None
            if machines is not None:
                self._reconcile(machines, stop)
            for _ in range(int(self.reload_seconds / 0.25)):
                if stop.is_set():
                    break
                self.flush_counts()
                await asyncio.sleep(0.25)
        self.flush_counts()
        for _, task in self.tasks.values():
            task.cancel()
        await asyncio.gather(*(task for _, task in self.tasks.values()), return_exceptions=True)

    def _reconcile(self, machines: list[OpcUaMachine], stop: asyncio.Event) -> None:
        by_endpoint: dict[str, list] = defaultdict(list)
        for machine in machines:
            by_endpoint[machine.endpoint].append(machine)
        for endpoint, (config, task) in list(self.tasks.items()):
            changed = tuple(by_endpoint.get(endpoint, ())) != config
            if changed or task.done():
                task.cancel()
                del self.tasks[endpoint]
            if changed:  # other nodes, or another server: their counters start a new baseline
                keys = {machine.key for machine in config}
                for counter in [counter for counter in self.last_counter if counter[0] in keys]:
                    del self.last_counter[counter]
        for endpoint, group in by_endpoint.items():
            if endpoint not in self.tasks:
                for machine in group:
                    self._resume_counters(machine)
                self.tasks[endpoint] = (tuple(group), asyncio.create_task(self._serve(endpoint, group, stop)))

    def _resume_counters(self, machine: OpcUaMachine) -> None:
        """Start from the counters stored with the machine's last count signal (a gateway restart), when they were
        read from the same endpoint and nodes and none was read since."""
        self.sources[machine.key] = machine.counter_source
        if machine.stored.get("nodes") != machine.counter_source:
            return
        for role in COUNTERS:
            value = machine.stored.get(role)
            if isinstance(value, int | float) and (machine.key, role) not in self.last_counter:
                self.last_counter[(machine.key, role)] = value

    async def _serve(self, endpoint: str, machines: list[OpcUaMachine], stop: asyncio.Event) -> None:
        from asyncua import Client

        backoff = 1.0
        while not stop.is_set():
            try:
                async with Client(url=endpoint, timeout=5) as client:
                    by_node, nodes = {}, []
                    for machine in machines:
                        for role, node_id in machine.nodes:
                            node = client.get_node(node_id)
                            by_node[node.nodeid.to_string()] = (machine.key, role)
                            nodes.append(node)
                    # the reason before the state: a stop's first notification carries its reason
                    nodes.sort(key=lambda n: by_node[n.nodeid.to_string()][1] != "reason")
                    subscription = await client.create_subscription(100, _Handler(self, by_node))
                    await subscription.subscribe_data_change(nodes, queuesize=100)
                    backoff = 1.0
                    logger.info("reading %d OPC UA nodes at %s", len(nodes), endpoint)
                    while not stop.is_set():
                        await asyncio.sleep(1)
                        await client.check_connection()
            except asyncio.CancelledError:
                raise
            except Exception as error:  # any failure (network, server, bad node id): reconnect with backoff
                logger.warning("OPC UA %s: %s; reconnecting in %.0f s", endpoint, error, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 30.0)
