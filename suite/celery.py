"""The Celery app: configured from Django settings (CELERY_*), tasks autodiscovered per app."""

import os

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "suite.settings")

app = Celery("millwright")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.task_postrun.connect
def close_broken_connections(sender=None, **kwargs) -> None:
    """With `CELERY_DB_REUSE_MAX` a worker keeps its database connections between tasks: close one that a task left
    unusable (the server restarted, a network error) or outside autocommit, as Django does after a request."""
    from django.db import connections

    if getattr(getattr(sender, "request", None), "is_eager", False):
        return
    for conn in connections.all(initialized_only=True):
        if conn.connection is None or conn.in_atomic_block:
            continue
        if conn.get_autocommit() != conn.settings_dict["AUTOCOMMIT"] or (conn.errors_occurred and not conn.is_usable()):
            conn.close()
        else:
            conn.errors_occurred = False
