"""`make run`: the whole suite on one machine. Migrate, seed the demo, start worker + beat + web; Ctrl-C stops all.

Uses DATABASE_URL/REDIS_URL when set; otherwise the embedded PostgreSQL under .data/ and
kombu's filesystem broker, so the flows between modules still run asynchronously.

It runs as people will use it: DEBUG off (the suite's own 403/404/500 pages; `DEBUG=true make run` for
development), static files served by WhiteNoise, plain HTTP on this machine (MILLWRIGHT_LOCAL=1 keeps the
production HTTPS redirect and secure-only cookies off) and a secret key kept in .data/secret_key.
"""

import hashlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


def local_environment(data_dir: Path) -> None:
    """DEBUG off unless asked, the local-run flag, and a secret key generated once for this machine."""
    os.environ.setdefault("DEBUG", "false")
    os.environ.setdefault("MILLWRIGHT_LOCAL", "1")
    if not os.environ.get("SECRET_KEY"):
        key_file = data_dir / "secret_key"
        if not key_file.exists():
            key_file.write_text(secrets.token_urlsafe(50))
            key_file.chmod(0o600)
        os.environ["SECRET_KEY"] = key_file.read_text().strip()


AMQTT_CONFIG = """listeners:
  default:
    type: tcp
    bind: 127.0.0.1:{port}
plugins:
  amqtt.plugins.authentication.AnonymousAuthPlugin:
    allow_anonymous: true
"""
# no queue limit for the gateway's session (Mosquitto's default of 1,000 would drop signals behind a slow batch)
MOSQUITTO_CONFIG = """listener {port} 127.0.0.1
allow_anonymous true
persistence false
max_queued_messages 0
"""
MOSQUITTO_PATHS = ("/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto", "/opt/homebrew/sbin/mosquitto")


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def mosquitto_binary() -> str | None:
    """An installed Mosquitto (on PATH or where packages put it), if any."""
    return shutil.which("mosquitto") or next((p for p in MOSQUITTO_PATHS if os.access(p, os.X_OK)), None)


def mqtt_broker(data_dir: Path, port: int = 1883) -> subprocess.Popen | None:
    """The machine signals' broker: MQTT_URL when set; else one already listening on 127.0.0.1:`port`; else an
    installed Mosquitto started here; else an embedded amqtt broker (MQTT 3.1.1). amqtt does not send again the
    messages a subscriber had not acknowledged when it reconnects, so a gateway restarted under it may lose the
    signals of its last batch: Mosquitto is preferred, and amqtt says so when it starts."""
    if os.environ.get("MQTT_URL"):
        return None
    if port != 1883:
        os.environ["MQTT_URL"] = f"mqtt://127.0.0.1:{port}"
    if _listening(port):
        return None
    mosquitto = mosquitto_binary()
    if mosquitto is not None:
        config = data_dir / "mosquitto.conf"
        config.write_text(MOSQUITTO_CONFIG.format(port=port))
        command = [mosquitto, "-c", str(config)]
    else:
        print("  No Mosquitto installed: machine signals go through an embedded amqtt broker, which does not "
              "redeliver\n  unacknowledged messages, so a gateway restart may lose its last batch. Install "
              "mosquitto for production.", flush=True)
        config = data_dir / "amqtt.yaml"
        config.write_text(AMQTT_CONFIG.format(port=port))
        os.environ["MQTT_PROTOCOL"] = "3.1.1"
        command = [str(Path(sys.executable).with_name("amqtt")), "-c", str(config)]
    broker = subprocess.Popen(command, cwd=BASE_DIR, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(50):
        if _listening(port) or broker.poll() is not None:
            break
        time.sleep(0.1)
    return broker


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "suite.settings")
    (BASE_DIR / ".data").mkdir(exist_ok=True)
    local_environment(BASE_DIR / ".data")
    host = os.environ.get("HOST", "127.0.0.1")
    port = os.environ.get("PORT", "8000")
    python = sys.executable
    embedded = not os.environ.get("DATABASE_URL")

    def manage(*args: str) -> None:
        subprocess.run([python, "manage.py", *args], cwd=BASE_DIR, check=True)

    manage("migrate", "--no-input", "-v", "0")
    manage("seed_demo")
    celery = [python, "-m", "celery", "-A", "suite"]
    data_dir = BASE_DIR / ".data"
    data_dir.mkdir(exist_ok=True)
    broker = mqtt_broker(data_dir)
    # one gateway session per checkout: two checkouts on one broker must not take each other's session over
    gateway_id = "millwright-gateway-" + hashlib.sha1(str(BASE_DIR).encode()).hexdigest()[:8]
    processes = [
        *([broker] if broker is not None else []),
        subprocess.Popen([python, "manage.py", "machine_gateway", "--client-id", gateway_id], cwd=BASE_DIR),
        subprocess.Popen([*celery, "worker", "-l", "warning", "--concurrency", "2", "-n", "worker@%h"],
                         cwd=BASE_DIR),
        subprocess.Popen([*celery, "beat", "-l", "warning", "-s", str(data_dir / "celerybeat-schedule")],
                         cwd=BASE_DIR),
        subprocess.Popen([python, "manage.py", "runserver", f"{host}:{port}", "--noreload"], cwd=BASE_DIR),
    ]
    # the demo's machines, so the shop-floor board moves (MILLWRIGHT_SIMULATOR=0 to leave it still); optional:
    # the suite keeps running if it stops
    optional = []
    if os.environ.get("MILLWRIGHT_SIMULATOR", "1") != "0":
        optional.append(subprocess.Popen([python, "manage.py", "simulate_machines", "--company", "DEMO"],
                                         cwd=BASE_DIR))
    signals = (f"{Path(broker.args[0]).name} started on 127.0.0.1:1883" if broker is not None
               else "MQTT_URL" if os.environ.get("MQTT_URL") else "the MQTT broker on 127.0.0.1:1883")
    print(f"\n  Millwright is starting on http://{host}:{port}/\n"
          f"  Logins (password = user name): admin, sales, engineer, buyer, storekeeper, operator, quality,\n"
          f"  accountant, manager, integrator (company DEMO); other (company DEMO2); multi (Sales in DEMO,\n"
          f"  Manager in DEMO2).\n"
          f"  Admin: http://{host}:{port}/admin/   API docs: http://{host}:{port}/api/docs/\n"
          f"  DEBUG is {os.environ['DEBUG']} (DEBUG=true make run for development).\n"
          f"  Database: {'embedded PostgreSQL in .data/pg' if embedded else 'DATABASE_URL'};"
          f" broker: {'Redis' if os.environ.get('REDIS_URL') else 'filesystem (.data/broker)'};"
          f"\n  Machine signals: {signals}"
          f"{', simulated demo machines (board: /mes/board/)' if optional else ''}. Ctrl-C stops.\n",
          flush=True)

    def stop(*_args) -> None:
        for process in [*optional, *processes]:
            if process.poll() is None:
                process.terminate()
        deadline = time.monotonic() + 10
        for process in [*optional, *processes]:
            try:
                process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
        if embedded:
            from suite.embedded import stop_embedded

            stop_embedded(data_dir)
        sys.exit(0)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    while True:
        for process in processes:
            if process.poll() is not None:
                print(f"a process exited ({process.args[2:4]}); stopping the suite", flush=True)
                stop()
        time.sleep(1)


if __name__ == "__main__":
    sys.exit(main())
