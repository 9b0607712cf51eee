"""Test settings: the normal settings, a fast hasher, and an in-memory broker unless REDIS_URL is set."""

import os

os.environ.setdefault("OUTBOX_BACKOFF_SECONDS", "0")

from suite.settings import *  # noqa: F403
from suite.settings import MEDIA_ROOT, REDIS_URL

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_BROKER_TRANSPORT_OPTIONS = {}
# the session's thread-pool worker closes its connections after each task, so none outlives the test database
CELERY_DB_REUSE_MAX = None
MEDIA_ROOT = MEDIA_ROOT.parent / "test-media"
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
