"""The gateway's own MQTT subscriber: PUBLISH packets cut from the socket's bytes however they are split, and,
against the real Mosquitto on 127.0.0.1:1883, a dropped connection that reconnects and gets its unacknowledged
messages again (the persistent session), acknowledged ones not."""

import random
import socket
import struct
import uuid

import pytest

from apps.mes.mqtt import broker_address
from apps.mes.mqtt_subscriber import MqttSubscriber, read_publishes, remaining_length
from tests.conftest import wait_for
from tests.mes.mqtt_helpers import BROKER, Publisher, forget_session, require_broker

pytestmark = [pytest.mark.xdist_group("mqtt")]


def publish_packet(topic: str, payload: bytes, *, mid: int, qos: int, v5: bool, properties: bytes = b"") -> bytes:
    topic_bytes = topic.encode()
    body = struct.pack("!H", len(topic_bytes)) + topic_bytes + (struct.pack("!H", mid) if qos else b"")
    if v5:
        body += remaining_length(len(properties)) + properties
    body += payload
    return bytes([0x30 | qos << 1]) + remaining_length(len(body)) + body


@pytest.mark.parametrize("v5", [True, False])
def test_publish_packets_are_read_the_same_however_the_bytes_are_split(v5):
    expected = [("millwright/A/WC/M1/count", b'{"good": 1}', 7, 1),
                ("millwright/A/WC/M2/state", b"x" * 300, 65535, 1),  # a two-byte remaining length
                ("millwright/é/WC/M3/count", b"", 0, 0)]
    properties = b"\x01\x01" + b"\x26" + struct.pack("!H", 1) + b"k" + struct.pack("!H", 200) + b"v" * 200
    packets = [publish_packet(topic, payload, mid=mid, qos=qos, v5=v5, properties=properties if v5 else b"")
               for topic, payload, mid, qos in expected]
    data = b"".join(packets) + b"\xd0\x00"  # and a PINGRESP
    rng = random.Random(15)
    for _ in range(200):
        cuts = sorted(rng.sample(range(1, len(data)), rng.randint(1, 12)))
        received, control, pending = [], [], b""
        for chunk in (data[a:b] for a, b in zip([0, *cuts], [*cuts, len(data)], strict=True)):
            pending += chunk
            pending = pending[read_publishes(pending, 0, v5, received, control):]
        assert received == expected
        assert control == [(13, b"")]
        assert pending == b""


@pytest.mark.parametrize("v5", [True, False])
def test_a_dropped_connection_reconnects_and_gets_its_unacknowledged_messages_again(v5):
    require_broker()
    client_id = f"test-sub-{uuid.uuid4().hex[:8]}"
    topic = f"millwright/SUB{uuid.uuid4().hex[:6].upper()}/WC/M1/count"
    received: list[tuple] = []
    subscriber = MqttSubscriber(client_id=client_id, address=broker_address(f"mqtt://{BROKER[0]}:{BROKER[1]}"),
                                topic=topic, v5=v5, on_messages=lambda messages, generation: received.extend(
                                    (topic, payload, mid, generation) for topic, payload, mid, _qos in messages))
    publisher = Publisher()
    try:
        subscriber.start()
        wait_for(lambda: subscriber.subscribed, timeout=10, message="subscribed")
        publisher.publish([(topic, b"one"), (topic, b"two")])
        wait_for(lambda: len(received) == 2, timeout=10, message="both messages")
        subscriber.ack([received[0][2]], generation=1)  # "one" is stored (TCP delivers it before the drop)
        subscriber._sock.shutdown(socket.SHUT_RDWR)  # the network drops the connection
        wait_for(lambda: subscriber.generation == 2 and subscriber.subscribed, timeout=15, message="reconnected")
        wait_for(lambda: len(received) == 3, timeout=10, message="the unacknowledged message again")
        assert [(payload, generation) for _topic, payload, _mid, generation in received] == [
            (b"one", 1), (b"two", 1), (b"two", 2)]
        subscriber.ack([received[2][2]], generation=2)
        publisher.publish([(topic, b"three")])
        wait_for(lambda: len(received) == 4, timeout=10, message="a new message on the new connection")
        assert received[3][1:4:2] == (b"three", 2)
    finally:
        publisher.close()
        subscriber.stop()
        forget_session(client_id)


def test_a_failing_handler_does_not_end_the_subscriber_and_the_message_comes_again():
    require_broker()
    client_id = f"test-sub-{uuid.uuid4().hex[:8]}"
    topic = f"millwright/SUB{uuid.uuid4().hex[:6].upper()}/WC/M1/count"
    received: list[tuple] = []

    def handle(messages, generation):
        if generation == 1:
            raise RuntimeError("a bug in the handler")
        received.extend((payload, generation) for _topic, payload, _mid, _qos in messages)

    subscriber = MqttSubscriber(client_id=client_id, address=broker_address(f"mqtt://{BROKER[0]}:{BROKER[1]}"),
                                topic=topic, v5=True, on_messages=handle)
    publisher = Publisher()
    try:
        subscriber.start()
        wait_for(lambda: subscriber.subscribed, timeout=10, message="subscribed")
        publisher.publish([(topic, b"one")])
        wait_for(lambda: received, timeout=15, message="the message again after the handler failed")
        assert received == [(b"one", 2)]
        assert "a bug in the handler" in subscriber.last_error
    finally:
        publisher.close()
        subscriber.stop()
        forget_session(client_id)
