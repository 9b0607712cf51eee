"""Health checks for /health/: the database (django-health-check) and the Celery broker."""

import dataclasses

from health_check.base import HealthCheck
from health_check.exceptions import ServiceUnavailable


@dataclasses.dataclass
class Broker(HealthCheck):
    """Connects to the Celery broker (Redis, or the filesystem transport)."""

    def run(self) -> None:
        from suite.celery import app

        try:
            with app.connection_for_write() as connection:
                connection.ensure_connection(max_retries=1, timeout=2)
        except Exception as exc:
            raise ServiceUnavailable("Broker unreachable") from exc
