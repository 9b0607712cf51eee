"""The real broker for gateway tests: Mosquitto on 127.0.0.1:1883 (CI and these machines). Without it the tests
skip, unless MILLWRIGHT_REQUIRE_BROKER=1 (CI), where they fail."""

import asyncio
import json
import os
import socket
import threading
import uuid

import pytest

BROKER = ("127.0.0.1", 1883)


def broker_reachable() -> bool:
    try:
        with socket.create_connection(BROKER, timeout=1):
            return True
    except OSError:
        return False


def require_broker() -> None:
    if broker_reachable():
        return
    if os.environ.get("MILLWRIGHT_REQUIRE_BROKER") == "1":
        pytest.fail(f"no MQTT broker on {BROKER[0]}:{BROKER[1]} and MILLWRIGHT_REQUIRE_BROKER=1")
    pytest.skip(f"no MQTT broker on {BROKER[0]}:{BROKER[1]}")


def unique_code(prefix: str = "GW") -> str:
    return f"{prefix}{uuid.uuid4().hex[:8].upper()}"


class Publisher:
    """A QoS 1 publisher that waits until the broker has each message."""

    def __init__(self):
        import paho.mqtt.client as mqtt
        from paho.mqtt.enums import CallbackAPIVersion

        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"test-pub-{uuid.uuid4().hex[:8]}",
                                  protocol=mqtt.MQTTv5)
        self.client.connect(*BROKER)
        self.client.loop_start()

    def publish(self, messages: list[tuple[str, dict | bytes]]) -> None:
        infos = [self.client.publish(topic, payload if isinstance(payload, bytes) else json.dumps(payload), qos=1)
                 for topic, payload in messages]
        for info in infos:
            info.wait_for_publish(timeout=10)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def forget_session(client_id: str) -> None:
    """Discard a persistent session the broker keeps for a test's gateway (clean start, no expiry)."""
    import paho.mqtt.client as mqtt
    from paho.mqtt.enums import CallbackAPIVersion

    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5)
    client.connect(*BROKER, clean_start=True)
    client.loop_start()
    client.disconnect()
    client.loop_stop()


class GatewayThread:
    """The gateway on an asyncio loop in a thread of the test process (its database thread opens its own
    connection: use with transactional_db)."""

    def __init__(self, client_id: str | None = None, **options):
        from apps.mes.gateway import SignalGateway

        self.client_id = client_id or f"test-gw-{uuid.uuid4().hex[:8]}"
        self.gateway = SignalGateway(client_id=self.client_id, opcua=options.pop("opcua", False),
                                     flush_seconds=0.05, **options)
        self.loop = asyncio.new_event_loop()
        self.stop_event: asyncio.Event | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)

        async def main():
            self.stop_event = asyncio.Event()
            await self.gateway.run(self.stop_event)

        self.loop.run_until_complete(main())

    def start(self) -> "GatewayThread":
        from tests.conftest import wait_for

        self.thread.start()
        wait_for(lambda: self.gateway.stats.subscribed, timeout=10, message="gateway subscribed")
        return self

    def stop(self) -> None:
        if self.stop_event is not None:
            self.loop.call_soon_threadsafe(self.stop_event.set)
        self.thread.join(timeout=20)


def prepare_session(client_id: str) -> None:
    """Create the gateway's persistent session with its subscription before the gateway first runs, so that
    messages published before it connects are kept for it."""
    import paho.mqtt.client as mqtt
    from paho.mqtt.enums import CallbackAPIVersion

    from apps.mes.gateway import SUBSCRIPTION
    from apps.mes.mqtt import connect_properties

    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5)
    client.connect(*BROKER, clean_start=True, properties=connect_properties(persistent=True))
    done = threading.Event()
    client.on_subscribe = lambda *args: done.set()
    client.loop_start()
    client.subscribe(SUBSCRIPTION, qos=1)
    assert done.wait(5), "the broker did not confirm the subscription"
    client.disconnect()
    client.loop_stop()
