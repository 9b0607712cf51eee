"""The OPC UA path: an asyncua server in the test (the simulated machine), equipment naming its nodes, the
gateway subscribed to them: state changes open and close downtime, counter increments land on the operation."""

import asyncio
import socket
import threading

import pytest

from apps.mes.choices import MachineConnection
from apps.mes.models import DowntimeEvent, MachineSignal
from apps.mes.opcua_simulator import SimulatedOpcUaServer
from tests.conftest import wait_for
from tests.mes.mqtt_helpers import GatewayThread, forget_session, require_broker
from tests.mes.signal_plant import connected_plant

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("mqtt")]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServerThread:
    """The simulated OPC UA machine on its own event loop."""

    def __init__(self):
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.server = self.call(SimulatedOpcUaServer(f"opc.tcp://127.0.0.1:{free_port()}/millwright/").start())

    def call(self, coroutine, timeout: float = 20):
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def close(self) -> None:
        self.call(self.server.stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


@pytest.fixture
def machine_server():
    server = ServerThread()
    yield server
    server.close()


def test_opc_ua_changes_become_downtime_and_counts(company, machine_server):
    require_broker()  # the gateway also subscribes to MQTT
    plant = connected_plant(company)
    machine, opc = plant["machine"], machine_server.server
    connect_opcua(machine, opc)
    running = GatewayThread(opcua=True).start()
    try:
        # the first notification of each node: the state "idle" and the counters' baselines
        wait_for(lambda: MachineSignal.objects.filter(kind="state", state="idle").exists(), timeout=20,
                 message="the gateway subscribed to the OPC UA nodes")
        machine_server.call(opc.set_state("M1", "running"))
        wait_for(lambda: MachineSignal.objects.filter(kind="state", state="running").exists(), timeout=10)
        machine_server.call(opc.add_parts("M1", good=4))
        machine_server.call(opc.add_parts("M1", good=2, scrap=1))
        wait_for(lambda: sum(MachineSignal.objects.filter(kind="count").values_list("good", flat=True)) == 6,
                 timeout=10, message="6 good parts counted")
        machine_server.call(opc.set_state("M1", "down", "JAM"))
        wait_for(lambda: DowntimeEvent.objects.filter(equipment=machine, end__isnull=True).exists(), timeout=10)
        machine_server.call(opc.set_state("M1", "running"))
        wait_for(lambda: DowntimeEvent.objects.filter(equipment=machine, end__isnull=False).exists(), timeout=10)
    finally:
        running.stop()
        forget_session(running.client_id)
    event = DowntimeEvent.objects.get(equipment=machine)
    assert (event.reason.code, event.machine_reason) == ("JAM", "JAM")
    operation = plant["operation"]
    operation.refresh_from_db()
    assert (operation.machine_good, operation.machine_scrap) == (6, 1)
    machine.refresh_from_db()
    assert machine.machine_state == "running"


def connect_opcua(machine, opc) -> None:
    nodes = opc.node_ids("M1")
    machine.connection, machine.opcua_endpoint = MachineConnection.OPCUA, opc.endpoint
    machine.opcua_state_node, machine.opcua_reason_node = nodes["state"], nodes["reason"]
    machine.opcua_good_node, machine.opcua_scrap_node = nodes["good"], nodes["scrap"]
    machine.save()


def good_counted() -> int:
    return sum(MachineSignal.objects.filter(kind="count").values_list("good", flat=True))


def test_a_gateway_restart_counts_the_parts_made_while_it_was_down_once(company, machine_server):
    """The counters reached with the last count signal are stored with it; the restarted gateway starts from them,
    not from the server's value when it comes back (which would lose the 5 parts made meanwhile)."""
    require_broker()
    plant = connected_plant(company)
    machine, opc = plant["machine"], machine_server.server
    connect_opcua(machine, opc)
    first = GatewayThread(opcua=True).start()
    try:
        wait_for(lambda: MachineSignal.objects.filter(kind="state").exists(), timeout=20,
                 message="the gateway subscribed to the OPC UA nodes")
        machine_server.call(opc.add_parts("M1", good=4, scrap=1))
        wait_for(lambda: good_counted() == 4, timeout=10, message="4 good parts counted")
    finally:
        first.stop()
        forget_session(first.client_id)
    machine.refresh_from_db()
    source = f"{opc.endpoint}|{machine.opcua_good_node}|{machine.opcua_scrap_node}"
    assert machine.opcua_counters["nodes"] == source
    stored = dict(machine.opcua_counters)
    machine_server.call(opc.add_parts("M1", good=5, scrap=2))  # made while no gateway ran
    second = GatewayThread(opcua=True).start()
    try:
        wait_for(lambda: good_counted() == 9, timeout=20, message="the 5 parts made meanwhile counted")
        machine_server.call(opc.add_parts("M1", good=1))
        wait_for(lambda: good_counted() == 10, timeout=10, message="the next part counted")
    finally:
        second.stop()
        forget_session(second.client_id)
    assert sum(MachineSignal.objects.filter(kind="count").values_list("scrap", flat=True)) == 3
    machine.refresh_from_db()
    assert machine.opcua_counters == {"good": stored["good"] + 6, "scrap": stored["scrap"] + 2, "nodes": source}
    operation = plant["operation"]
    operation.refresh_from_db()
    assert (operation.machine_good, operation.machine_scrap) == (10, 3)


def test_counters_stored_from_other_nodes_are_no_baseline():
    """The equipment now names other counter nodes (or another server): what was stored is not resumed."""
    from apps.mes.opcua import OpcUaMachine, OpcUaReaders
    from apps.mes.signal_contract import EquipmentKey

    key = EquipmentKey(1, 2, 3)
    nodes = (("good", "ns=2;s=M1.Good"), ("scrap", "ns=2;s=M1.Scrap"))
    same = OpcUaMachine(key, "opc.tcp://a:4840/", nodes, {"good": 40, "scrap": 2,
                                                          "nodes": "opc.tcp://a:4840/|ns=2;s=M1.Good|ns=2;s=M1.Scrap"})
    readers = OpcUaReaders(gateway=None)
    readers._resume_counters(same)
    assert readers.last_counter == {(key, "good"): 40, (key, "scrap"): 2}
    moved = OpcUaMachine(key, "opc.tcp://b:4840/", nodes, same.stored)
    readers = OpcUaReaders(gateway=None)
    readers._resume_counters(moved)
    assert readers.last_counter == {}
    assert moved == OpcUaMachine(key, "opc.tcp://b:4840/", nodes, {})  # stored values are no change of config


class _Item:
    def __init__(self):
        self.Value = type("DataValue", (), {"SourceTimestamp": None, "ServerTimestamp": None})()


class _Node:
    def __init__(self, node_id: str):
        self.nodeid = type("NodeId", (), {"to_string": lambda _self: node_id})()


class _Readers:
    """What the handler feeds: the increments counted per (equipment, role)."""

    def __init__(self):
        self.counted: list[tuple[str, int]] = []
        self.last_counter: dict = {}

    def count(self, key, role, increment, ts):
        self.counted.append((role, increment))


def test_a_reconnect_keeps_the_counters_last_value_so_parts_made_meanwhile_count():
    """The gateway lost the OPC UA server while the machine made 3 parts: the new connection's first value (15)
    is counted against the last value read before (12), not taken as a new baseline."""
    from apps.mes.opcua import _Handler

    readers, key = _Readers(), ("equipment-1",)
    by_node = {"ns=2;s=good": (key, "good")}
    node, data = _Node("ns=2;s=good"), type("Data", (), {"monitored_item": _Item()})()
    first = _Handler(readers, by_node)
    for value in (10, 12):  # the baseline, then 2 parts
        first.datachange_notification(node, value, data)
    second = _Handler(readers, by_node)  # reconnected
    second.datachange_notification(node, 15, data)
    second.datachange_notification(node, 1, data)  # the counter was reset: 1 part since
    assert readers.counted == [("good", 2), ("good", 3), ("good", 1)]
