"""Simulated machines for the demo (`manage.py simulate_machines`): believable signals over the same MQTT
contract as real machines.

Each connected machine of the company runs cycles (±15 % jitter) and sends a count per cycle (3 % scrap). The
cycle follows the operation running at the machine's work center (`running_operation_minutes`, read at the start
and every REFRESH seconds): its ideal time (run minutes per unit) times the machine's factor (1.08-1.3, so
performance lands around 77-93 %) times the number of the work center's machines (they share its work, and OEE
measures the work center); with nothing running there, a cycle of 4-15 s. Now and then a machine stops (`down`
with a reason code, 20-90 s: FAULT, STARVED, CHANGEOVER or the unmapped JAM) or waits (`idle`, 10-40 s), then
runs again. A state is re-sent every 60 s while nothing happens, so a live machine never looks silent. `speed` > 1
runs the clock faster (the timestamps stay real)."""

import datetime
import heapq
import json
import logging
import random
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field

logger = logging.getLogger("millwright.simulator")
STOP_REASONS = ["FAULT", "STARVED", "CHANGEOVER", "JAM"]
HEARTBEAT = 60.0
REFRESH = 60.0  # seconds (wall clock) between two reads of the running operations
SLOWER = (1.08, 1.3)  # a machine's cycle / the ideal time


@dataclass
class SimulatedMachine:
    topic: str  # millwright/<company>/<work center>/<equipment>
    cycle_seconds: float
    work_center: str = ""
    idle_cycle_seconds: float = 0.0  # the cycle without a running operation
    factor: float = 1.0  # the cycle / the running operation's ideal time
    state: str = "idle"
    reason: str = ""
    last_state_sent: float = 0.0
    until: float = 0.0
    rng: random.Random = field(default_factory=random.Random)


def _now_iso() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


class MachineSimulator:
    """Publishes the machines' signals through `publish(topic, payload_dict)`."""

    def __init__(self, machines: list[tuple[str, str, str]], company_code: str, publish, *, seed: int | None = None,
                 speed: float = 1.0, operations=None):
        """`operations()`: work center code → the running operation's run minutes per unit (None: 4-15 s cycles)."""
        rng = random.Random(seed)
        self.publish, self.speed, self.operations = publish, max(speed, 0.01), operations
        self.machines = []
        for wc, eq, _ in machines:
            cycle, machine_rng = rng.uniform(4, 15), random.Random(rng.random())
            self.machines.append(SimulatedMachine(f"millwright/{company_code}/{wc}/{eq}", cycle, work_center=wc,
                                                  idle_cycle_seconds=cycle, factor=machine_rng.uniform(*SLOWER),
                                                  rng=machine_rng))
        self.queue: list[tuple[float, int]] = []
        self.refreshed_at: float | None = None

    def refresh(self) -> None:
        """Re-read the running operations and set each machine's cycle from its work center's."""
        self.refreshed_at = time.monotonic()
        if self.operations is None:
            return
        minutes = self.operations()
        sharing = Counter(machine.work_center for machine in self.machines)
        for machine in self.machines:
            ideal = minutes.get(machine.work_center)
            machine.cycle_seconds = (float(ideal) * 60 * machine.factor * sharing[machine.work_center] if ideal
                                     else machine.idle_cycle_seconds)

    def _send_state(self, machine: SimulatedMachine, now: float) -> None:
        payload = {"ts": _now_iso(), "state": machine.state}
        if machine.state == "down":
            payload["reason"] = machine.reason
        self.publish(f"{machine.topic}/state", payload)
        machine.last_state_sent = now

    def step(self, index: int, now: float) -> float:
        """Advance one machine; returns when it next needs attention (simulated seconds)."""
        machine = self.machines[index]
        rng = machine.rng
        if machine.state != "running":
            if now < machine.until:
                if now - machine.last_state_sent >= HEARTBEAT:
                    self._send_state(machine, now)
                return min(machine.until, now + HEARTBEAT)
            machine.state, machine.reason = "running", ""
            self._send_state(machine, now)
            return now + machine.cycle_seconds * rng.uniform(0.85, 1.15)
        # a cycle ended: count it, then maybe stop or wait
        scrap = 1 if rng.random() < 0.03 else 0
        self.publish(f"{machine.topic}/count", {"ts": _now_iso(), "good": 1 - scrap, "scrap": scrap})
        roll = rng.random()
        if roll < 0.02:
            machine.state, machine.reason, machine.until = "down", rng.choice(STOP_REASONS), now + rng.uniform(20, 90)
            self._send_state(machine, now)
            return machine.until
        if roll < 0.04:
            machine.state, machine.until = "idle", now + rng.uniform(10, 40)
            self._send_state(machine, now)
            return machine.until
        if now - machine.last_state_sent >= HEARTBEAT:
            self._send_state(machine, now)
        return now + machine.cycle_seconds * rng.uniform(0.85, 1.15)

    def run(self, *, duration: float | None = None, should_stop=lambda: False) -> None:
        start = time.monotonic()
        self.queue = [(0.0, i) for i in range(len(self.machines))]
        heapq.heapify(self.queue)
        while self.queue and not should_stop():
            if self.refreshed_at is None or time.monotonic() - self.refreshed_at >= REFRESH:
                self.refresh()
            due, index = heapq.heappop(self.queue)
            if duration is not None and due > duration:
                break
            wait = start + due / self.speed - time.monotonic()
            if wait > 0:
                time.sleep(min(wait, 1.0))
                if wait > 1.0:
                    heapq.heappush(self.queue, (due, index))
                    continue
            heapq.heappush(self.queue, (self.step(index, due), index))


def connected_machines(company_code: str) -> list[tuple[str, str, str]]:
    """(work center code, equipment code, name) of the company's active MQTT machines."""
    from apps.mes.choices import MachineConnection
    from apps.mes.models import Equipment

    return list(Equipment.objects.filter(work_center__company__code=company_code, is_active=True,
                                         work_center__is_active=True, connection=MachineConnection.MQTT)
                .order_by("work_center__code", "code").values_list("work_center__code", "code", "name"))


def run_simulator(*, company_code: str, speed: float = 1.0, duration: float | None = None,
                  seed: int | None = None, url: str | None = None, stdout=None) -> int:
    """Connect to the broker (retrying with backoff) and simulate the company's machines; returns messages sent."""
    from apps.mes.mqtt import broker_address, mqtt_client
    from apps.mes.selectors import running_operation_minutes

    machines = connected_machines(company_code)
    if not machines:
        raise SystemExit(f"company {company_code} has no active equipment with connection MQTT")
    address = broker_address(url)
    client = mqtt_client(f"millwright-simulator-{uuid.uuid4().hex[:6]}", address=address)
    backoff = 1.0
    while True:
        try:
            client.connect(address.host, address.port, keepalive=30)
            break
        except OSError as error:
            logger.warning("broker %s:%s unreachable (%s); retrying in %.0f s", address.host, address.port, error,
                           backoff)
            time.sleep(backoff)
            backoff = min(backoff * 2, 30.0)
    client.loop_start()
    sent = 0

    def publish(topic: str, payload: dict) -> None:
        nonlocal sent
        client.publish(topic, json.dumps(payload), qos=1)
        sent += 1

    if stdout is not None:
        stdout.write(f"simulating {len(machines)} machines of {company_code} on {address.host}:{address.port}\n")
        stdout.flush()
    try:
        MachineSimulator(machines, company_code, publish, seed=seed, speed=speed,
                         operations=lambda: running_operation_minutes(company_code=company_code)).run(duration=duration)
    except KeyboardInterrupt:
        pass
    finally:
        client.disconnect()
        client.loop_stop()
    return sent
