"""The simulator publishes the MQTT contract (a fake publisher, a fast clock): states and counts per machine,
stops with reason codes, never a silent running machine; what it sends passes the contract."""

import json
from collections import Counter

import pytest

from apps.mes.signal_contract import parse_payload, parse_topic
from apps.mes.simulator import MachineSimulator


@pytest.mark.django_db
def test_the_simulator_sends_believable_signals_of_the_contract():
    sent = []
    machines = [("CUT", "CNC-1", "Cutter"), ("MACH", "LATHE-1", "Lathe")]
    simulator = MachineSimulator(machines, "DEMO", lambda topic, payload: sent.append((topic, payload)), seed=3,
                                 speed=1_000_000)
    simulator.run(duration=4 * 3600)
    kinds = Counter(parse_topic(topic)[3] for topic, _ in sent)
    assert kinds["count"] > 1000
    assert kinds["state"] > 50
    for topic, payload in sent:
        parse_payload(parse_topic(topic)[3], json.dumps(payload).encode())  # raises if it broke the contract
    stops = Counter(p.get("reason") for t, p in sent if p.get("state") == "down")
    assert set(stops) <= {"FAULT", "STARVED", "CHANGEOVER", "JAM"}
    assert len(stops) >= 3
    scrap = sum(p["scrap"] for _, p in sent if "scrap" in p)
    good = sum(p["good"] for _, p in sent if "good" in p)
    assert 0 < scrap < good * 0.1
    assert {parse_topic(t)[2] for t, _ in sent} == {"CNC-1", "LATHE-1"}
