"""`make run` serves like production (DEBUG off, the suite's error pages) over plain HTTP on this machine."""

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from suite import run
from suite.run import local_environment
from tests.conftest import wait_for

BASE_DIR = Path(__file__).resolve().parents[2]
PROBE = ("import json, django; from django.conf import settings as s; django.setup(); "
         "print(json.dumps({k: getattr(s, k) for k in ('DEBUG', 'SECURE_SSL_REDIRECT', 'SESSION_COOKIE_SECURE', "
         "'CSRF_COOKIE_SECURE', 'SECURE_HSTS_SECONDS', 'ALLOWED_HOSTS', 'USE_THOUSAND_SEPARATOR')}))")


def settings_with(**env) -> dict:
    environment = {k: v for k, v in os.environ.items() if k not in ("MILLWRIGHT_LOCAL", "ALLOWED_HOSTS", "DEBUG")}
    environment.update(DJANGO_SETTINGS_MODULE="suite.settings", **env)
    out = subprocess.run([sys.executable, "-c", PROBE], cwd=BASE_DIR, env=environment, capture_output=True,
                         text=True, check=True, timeout=120)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_local_run_has_debug_off_and_no_https_requirements():
    local = settings_with(DEBUG="false", MILLWRIGHT_LOCAL="1", SECRET_KEY="x" * 60)
    assert local["DEBUG"] is False
    assert (local["SECURE_SSL_REDIRECT"], local["SESSION_COOKIE_SECURE"], local["CSRF_COOKIE_SECURE"],
            local["SECURE_HSTS_SECONDS"]) == (False, False, False, 0)
    assert {"127.0.0.1", "localhost"} <= set(local["ALLOWED_HOSTS"])
    assert local["USE_THOUSAND_SEPARATOR"] is False  # ids stay plain; the display helpers group numbers


def test_production_keeps_https():
    production = settings_with(DEBUG="false", SECRET_KEY="x" * 60, ALLOWED_HOSTS="millwright.example")
    assert (production["SECURE_SSL_REDIRECT"], production["SESSION_COOKIE_SECURE"],
            production["SECURE_HSTS_SECONDS"]) == (True, True, 31536000)
    assert production["ALLOWED_HOSTS"] == ["millwright.example"]


def test_make_run_defaults_to_debug_off_with_a_kept_secret_key(tmp_path, monkeypatch):
    for name in ("DEBUG", "MILLWRIGHT_LOCAL", "SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    local_environment(tmp_path)
    key = os.environ["SECRET_KEY"]
    assert (os.environ["DEBUG"], os.environ["MILLWRIGHT_LOCAL"], len(key) >= 50) == ("false", "1", True)
    assert (tmp_path / "secret_key").read_text() == key
    monkeypatch.delenv("SECRET_KEY")
    local_environment(tmp_path)
    assert os.environ["SECRET_KEY"] == key  # the same key next time: sessions survive a restart
    monkeypatch.setenv("DEBUG", "true")
    local_environment(tmp_path)
    assert os.environ["DEBUG"] == "true"  # DEBUG=true make run


def _no_broker_settings(monkeypatch) -> None:
    """Unset the broker's settings, restored after the test (mqtt_broker sets them for a non-default port)."""
    for name in ("MQTT_URL", "MQTT_PROTOCOL"):
        monkeypatch.setenv(name, "")
        monkeypatch.delenv(name)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _stop(broker) -> None:
    if broker is not None:
        broker.terminate()
        broker.wait(10)


def test_make_run_starts_an_installed_mosquitto_when_no_broker_listens(tmp_path, monkeypatch):
    """Mosquitto redelivers what the gateway had not acknowledged when it reconnects; amqtt does not."""
    if run.mosquitto_binary() is None:
        if os.environ.get("MILLWRIGHT_REQUIRE_BROKER") == "1":
            pytest.fail("no mosquitto installed and MILLWRIGHT_REQUIRE_BROKER=1")
        pytest.skip("no mosquitto installed")
    _no_broker_settings(monkeypatch)
    port = _free_port()
    broker = run.mqtt_broker(tmp_path, port=port)
    try:
        assert Path(broker.args[0]).name == "mosquitto"
        assert run._listening(port)
        assert os.environ["MQTT_URL"] == f"mqtt://127.0.0.1:{port}"
        assert "MQTT_PROTOCOL" not in os.environ  # the gateway speaks MQTT 5 to it
        assert "max_queued_messages 0" in (tmp_path / "mosquitto.conf").read_text()
    finally:
        _stop(broker)


def test_without_mosquitto_make_run_starts_amqtt_and_says_what_it_lacks(tmp_path, monkeypatch, capsys):
    _no_broker_settings(monkeypatch)
    monkeypatch.setattr(run, "mosquitto_binary", lambda: None)
    port = _free_port()
    broker = run.mqtt_broker(tmp_path, port=port)
    try:
        assert Path(broker.args[0]).name == "amqtt"
        wait_for(lambda: run._listening(port), timeout=20, message="amqtt listening")
        assert os.environ["MQTT_PROTOCOL"] == "3.1.1"
        assert "does not redeliver" in capsys.readouterr().out
    finally:
        _stop(broker)


def test_make_run_uses_a_broker_already_listening(tmp_path, monkeypatch):
    _no_broker_settings(monkeypatch)
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        assert run.mqtt_broker(tmp_path, port=port) is None
    assert os.environ["MQTT_URL"] == f"mqtt://127.0.0.1:{port}"
