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


def mqtt_client(client_id: str, *, persistent: bool, address: BrokerAddress | None = None, manual_ack: bool = False,
                buffered: bool = False):
    """A paho-mqtt 2 client speaking MQTT 5: with `persistent`, a session the broker keeps for an hour (QoS 1
    messages queued while we are away) and a receive window large enough to batch unacknowledged messages.
    `buffered`: reads the socket in 64 KiB chunks (`buffered_client_class`), for a subscriber of many messages."""
    import paho.mqtt.client as mqtt
    from paho.mqtt.enums import CallbackAPIVersion

    address = address or broker_address()
    client_class = buffered_client_class() if buffered else mqtt.Client
    if mqtt_v5():
        client = client_class(CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5,
                              manual_ack=manual_ack)
    else:
        client = client_class(CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv311,
                              clean_session=not persistent, manual_ack=manual_ack)
    if address.username:
        client.username_pw_set(address.username, address.password)
    if address.tls:
        client.tls_set()
    client.reconnect_delay_set(min_delay=1, max_delay=30)
    return client


def mqtt_v5() -> bool:
    return settings.MQTT_PROTOCOL != "3.1.1"


def connect_options(*, persistent: bool) -> dict:
    """The keyword arguments of paho's connect for the protocol: MQTT 5 keeps the session with clean start off
    and a session expiry; 3.1.1 set clean_session on the client."""
    if not mqtt_v5():
        return {}
    return {"clean_start": not persistent, "properties": connect_properties(persistent=persistent)}


def connect_properties(*, persistent: bool):
    from paho.mqtt.packettypes import PacketTypes
    from paho.mqtt.properties import Properties

    properties = Properties(PacketTypes.CONNECT)
    if persistent:
        properties.SessionExpiryInterval = 3600
    properties.ReceiveMaximum = 65535
    return properties


_BUFFERED_CLIENT = None
READ_CHUNK = 65536


def buffered_client_class():
    """paho's Client reading the socket in chunks: paho reads a packet with three `recv` calls (type, length,
    body) after a `select` each time, about 10 µs of system calls per message; this one reads up to 64 KiB at
    once and hands paho the bytes it asks for, and keeps reading while bytes are buffered (so `select` never
    waits on a socket whose data was already read). Overrides paho's `_sock_recv` and `loop_read` (paho 2)."""
    global _BUFFERED_CLIENT
    if _BUFFERED_CLIENT is not None:
        return _BUFFERED_CLIENT
    import paho.mqtt.client as mqtt

    class BufferedClient(mqtt.Client):
        _chunk: bytes = b""
        _chunk_pos: int = 0
        _chunk_sock = None

        def _sock_recv(self, bufsize: int) -> bytes:
            if self._chunk_sock is not self._sock:  # a new connection: nothing of the old one is left
                self._chunk, self._chunk_pos, self._chunk_sock = b"", 0, self._sock
            if self._chunk_pos >= len(self._chunk):
                data = super()._sock_recv(max(bufsize, READ_CHUNK))
                if len(data) <= bufsize:
                    return data
                self._chunk, self._chunk_pos = data, 0
            start = self._chunk_pos
            self._chunk_pos = min(start + bufsize, len(self._chunk))
            return self._chunk[start:self._chunk_pos]

        def loop_read(self, max_packets: int = 1):
            rc = super().loop_read(max_packets)
            while not rc and self._sock is not None and self._chunk_sock is self._sock \
                    and self._chunk_pos < len(self._chunk):
                rc = super().loop_read(max_packets)
            return rc

    _BUFFERED_CLIENT = BufferedClient
    return BufferedClient
