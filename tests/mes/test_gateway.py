"""The machine gateway against the real Mosquitto on 127.0.0.1:1883: a scripted sequence gives the hand-computed
downtime, counts and OEE; twice or out of order the same; killed (SIGKILL) and restarted mid-sequence it loses
and doubles nothing; another company's topic changes nothing in ours; bad messages are counted, never fatal."""

import json
import os
import random
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from apps.core.models import Company
from apps.mes.models import DowntimeEvent, MachineSignal, MachineSignalDrop
from tests.conftest import wait_for
from tests.mes.mqtt_helpers import (
    GatewayThread,
    Publisher,
    forget_session,
    prepare_session,
    require_broker,
    unique_code,
)
from tests.mes.signal_plant import assert_hand_computed, connected_plant, iso, sequence_messages

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("mqtt")]
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def broker():
    require_broker()
    publisher = Publisher()
    yield publisher
    publisher.close()


@pytest.fixture
def plant(company):
    company.code = unique_code()  # this test's own topics on a shared broker
    company.save()
    return connected_plant(company)


@pytest.fixture
def gateway(broker):
    running = GatewayThread().start()
    yield running
    running.stop()
    forget_session(running.client_id)


def stored(n: int):
    return lambda: MachineSignal.objects.count() == n


def test_scripted_sequence_gives_the_hand_computed_result(plant, broker, gateway, company):
    broker.publish(sequence_messages(plant["base"], company=company.code))
    wait_for(stored(10), timeout=15, message="10 signals stored")
    wait_for(lambda: DowntimeEvent.objects.count() == 3, timeout=5)
    assert_hand_computed(plant)


def test_twice_and_out_of_order_give_the_same_result(plant, broker, gateway, company):
    messages = sequence_messages(plant["base"], company=company.code)
    shuffled = messages[:]
    random.Random(7).shuffle(shuffled)
    broker.publish(shuffled)
    broker.publish(list(reversed(messages)))
    wait_for(lambda: gateway.gateway.stats.duplicates + gateway.gateway.stats.stored >= 20, timeout=15,
             message="20 messages handled")
    assert MachineSignal.objects.count() == 10
    assert_hand_computed(plant)


def test_work_centers_written_side_by_side_each_give_the_hand_computed_result(plant, broker, company, eur):
    """Two database writers: each work center keeps to one (its lane), so each machine's signals are stored in
    order whatever the other writer does."""
    second = Company.objects.create(code=unique_code(), name="Second Works", currency=eur)
    plants = [(plant, company), (connected_plant(second, code="CNC2", equipment="M2"), second)]
    running = GatewayThread(writers=2).start()
    try:
        published = [sequence_messages(p["base"], company=c.code, work_center=p["work_center"].code,
                                       equipment=p["machine"].code) for p, c in plants]
        broker.publish([message for pair in zip(*published, strict=True) for message in pair])
        wait_for(stored(20), timeout=15, message="20 signals stored")
        wait_for(lambda: DowntimeEvent.objects.count() == 6, timeout=5)
    finally:
        running.stop()
        forget_session(running.client_id)
    for each, _company in plants:
        assert_hand_computed(each)


def test_a_work_centers_machines_keep_to_one_lane_and_the_lanes_share_the_plant():
    from apps.mes.gateway import lane_of

    for work_center in ("CNC1", "PRESS-7", "WELD"):
        lanes = {lane_of(f"millwright/ACME/{work_center}/{machine}/{kind}", 3)
                 for machine in ("M1", "M2", "ROBOT-9") for kind in ("state", "count", "x")}
        assert len(lanes) == 1
    assert {lane_of(f"millwright/ACME/WC{n}/M1/count", 3) for n in range(50)} == {0, 1, 2}


def test_another_companys_topic_changes_nothing_in_ours(plant, broker, gateway, company, other_company):
    other_company.code = unique_code("OT")
    other_company.save()
    broker.publish(sequence_messages(plant["base"], company=other_company.code))
    wait_for(lambda: MachineSignalDrop.objects.filter(company=other_company, reason="wrong_company",
                                                      count=10).exists(), timeout=15)
    assert not MachineSignal.objects.exists()
    assert not DowntimeEvent.objects.exists()
    plant["work_center"].refresh_from_db()
    assert plant["work_center"].status == "idle"


def test_bad_messages_are_counted_and_the_gateway_goes_on(plant, broker, gateway, company):
    topic = f"millwright/{company.code}/CNC1/M1"
    broker.publish([(f"{topic}/state", b"\xff\xfe not json"), (f"{topic}/state", {"ts": "yesterday"}),
                    (f"millwright/{company.code}/CNC1/NOPE/state", {"ts": iso(plant["base"], 1),
                                                                     "state": "down"}),
                    (f"{topic}/state", {"ts": "2999-01-01T00:00:00Z", "state": "down"})])
    broker.publish(sequence_messages(plant["base"], company=company.code))
    wait_for(stored(10), timeout=15)
    drops = dict(MachineSignalDrop.objects.filter(company=company).values_list("reason", "count"))
    assert drops == {"malformed": 2, "unknown_equipment": 1, "future_ts": 1}
    assert_hand_computed(plant)


def _gateway_process(client_id: str) -> subprocess.Popen:
    database = {key: connection.settings_dict[key] for key in ("NAME", "HOST", "PORT", "USER", "PASSWORD")}
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "suite.settings_test", "GATEWAY_BATCH": "2"}
    process = subprocess.Popen([sys.executable, "-m", "tests.mes.gateway_process", json.dumps(database), client_id],
                               cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert process.stdout.readline().strip() == "gateway starting"
    return process


def test_killed_and_restarted_mid_sequence_loses_and_doubles_nothing(plant, broker, company):
    client_id = f"test-gw-kill-{unique_code()}"
    messages = sequence_messages(plant["base"], company=company.code)
    prepare_session(client_id)
    first = _gateway_process(client_id)
    try:
        broker.publish(messages[:6])
        wait_for(lambda: MachineSignal.objects.count() >= 3, timeout=20)
    finally:
        first.send_signal(signal.SIGKILL)  # mid-sequence: no flush, no acknowledgement of what is in flight
        first.wait(timeout=10)
    killed_at = MachineSignal.objects.count()
    assert 3 <= killed_at <= 10
    broker.publish(messages[6:])  # while no gateway runs: the broker keeps them for the session
    second = _gateway_process(client_id)
    try:
        wait_for(stored(10), timeout=30, message="all 10 signals after the restart")
        broker.publish(messages[:3])  # and a late redelivery of early ones
        wait_for(lambda: DowntimeEvent.objects.count() == 3, timeout=10)
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(timeout=20)
        forget_session(client_id)
    assert MachineSignal.objects.count() == 10
    assert_hand_computed(plant)
