"""MQTT connection settings shared by the gateway, the simulator and `make run`: MQTT_URL
(`mqtt://user:password@host:1883`, `mqtts://` for TLS), credentials also from MQTT_USERNAME/MQTT_PASSWORD;
unset, the broker on 127.0.0.1:1883. MQTT_PROTOCOL is `5` (default: Mosquitto, EMQX, HiveMQ) or `3.1.1` (the
embedded amqtt broker of `make run`); with 3.1.1 the persistent session is `clean_session=False`."""

from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from django.conf import settings

DEFAULT_URL = "mqtt://127.0.0.1:1883"


@dataclass(frozen=True)
class BrokerAddress:
    host: str
    port: int
    username: str | None
    password: str | None
    tls: bool


def broker_address(url: str | None = None) -> BrokerAddress:
    """Where the broker is and how to log in (credentials from the URL or the environment, never the code)."""
    parts = urlsplit(url or settings.MQTT_URL or DEFAULT_URL)
    if parts.scheme not in ("mqtt", "mqtts", "tcp"):
        raise ValueError(f"MQTT_URL must start with mqtt:// or mqtts://, not {parts.scheme}://")
    tls = parts.scheme == "mqtts"
    username = unquote(parts.username) if parts.username else (settings.MQTT_USERNAME or None)
    password = unquote(parts.password) if parts.password else (settings.MQTT_PASSWORD or None)
    return BrokerAddress(parts.hostname or "127.0.0.1", parts.port or (8883 if tls else 1883), username, password,
                         tls)


def mqtt_client(client_id: str, *, address: BrokerAddress | None = None):
    """A paho-mqtt 2 client with a clean session, speaking MQTT_PROTOCOL (the simulator's publisher; the gateway
    subscribes with `apps.mes.mqtt_subscriber.MqttSubscriber`, which keeps its session)."""
    import paho.mqtt.client as mqtt
    from paho.mqtt.enums import CallbackAPIVersion

    address = address or broker_address()
    if mqtt_v5():
        client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5)
    else:
        client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv311,
                             clean_session=True)
    if address.username:
        client.username_pw_set(address.username, address.password)
    if address.tls:
        client.tls_set()
    client.reconnect_delay_set(min_delay=1, max_delay=30)
    return client


def mqtt_v5() -> bool:
    return settings.MQTT_PROTOCOL != "3.1.1"


def connect_properties(*, persistent: bool):
    """paho's CONNECT properties of a session like the gateway's (what `MqttSubscriber` sends)."""
    from paho.mqtt.packettypes import PacketTypes
    from paho.mqtt.properties import Properties

    properties = Properties(PacketTypes.CONNECT)
    if persistent:
        properties.SessionExpiryInterval = 3600
    properties.ReceiveMaximum = 65535
    return properties
