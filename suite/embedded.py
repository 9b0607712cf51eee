"""The embedded PostgreSQL used when DATABASE_URL is unset (pgserver, data under .data/)."""

import os
from pathlib import Path

DATABASE_NAME = "millwright"


def embedded_database(data_dir: Path) -> dict:
    """Start (or reuse) the embedded server and return Django DATABASES settings for it.

    The server outlives this process (cleanup_mode=None) so the web server, the Celery
    worker and the test runner share one server; `stop_embedded` stops it.
    """
    import warnings

    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
    import pgserver

    data_dir.mkdir(parents=True, exist_ok=True)
    pgdata = data_dir / "pg"
    server = pgserver.get_server(pgdata, cleanup_mode=None)
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE_NAME}';")
    if "(1 row)" not in exists:
        server.psql(f"CREATE DATABASE {DATABASE_NAME};")
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": DATABASE_NAME,
        "USER": "postgres",
        "HOST": str(pgdata),
    }


def stop_embedded(data_dir: Path) -> None:
    """Stop the embedded server if it runs (fast shutdown, as the OS user pgserver runs it as)."""
    import subprocess

    from pgserver._commands import pg_ctl

    pgdata = (data_dir / "pg").resolve()
    if (pgdata / "postmaster.pid").exists():
        user = "pgserver" if os.geteuid() == 0 else None
        try:
            pg_ctl(["-m", "fast", "-w", "stop"], pgdata=pgdata, user=user)
        except subprocess.CalledProcessError:
            pass  # already stopped
