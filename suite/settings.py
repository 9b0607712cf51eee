"""Millwright settings, read from the environment (django-environ). See README for the variables."""

from datetime import timedelta
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(environ.Env().str("MILLWRIGHT_DATA_DIR", default=str(BASE_DIR / ".data")))

env = environ.Env(DEBUG=(bool, True))
if (BASE_DIR / ".env").exists():
    environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG")
# `make run` (suite/run.py) sets MILLWRIGHT_LOCAL=1: the whole suite on this machine over plain HTTP, with DEBUG
# off by default (the real error pages), so the production HTTPS settings below are relaxed for it
LOCAL = env.bool("MILLWRIGHT_LOCAL", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="dev-only-insecure-key-change-me" if DEBUG else environ.Env.NOTSET)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
if LOCAL:
    ALLOWED_HOSTS = [*ALLOWED_HOSTS, *(h for h in ("127.0.0.1", "localhost") if h not in ALLOWED_HOSTS)]
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_tables2",
    "django_htmx",
    "crispy_forms",
    "crispy_bootstrap5",
    "sequences",
    "health_check",
    "apps.core",
    "apps.plm",
    "apps.scm",
    "apps.crm",
    "apps.mes",
    "apps.erp",
]

MIDDLEWARE = [
    # first: NUL characters, oversized bodies and unknown /api/ paths are answered before anything else runs
    "apps.core.request_guard.RequestGuardMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "apps.core.middleware.ActiveCompanyMiddleware",
]

ROOT_URLCONF = "suite.urls"
WSGI_APPLICATION = "suite.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "apps.core.context_processors.suite",
            ],
        },
    },
]

# Database: DATABASE_URL, else the embedded PostgreSQL under .data/ (pgserver).
if env.str("DATABASE_URL", default=""):
    DATABASES = {"default": env.db("DATABASE_URL")}
else:
    from suite.embedded import embedded_database

    DATABASES = {"default": embedded_database(DATA_DIR)}
# psycopg 3 with Django's own connection pool: connections are reused across requests and
# worker tasks without pgbouncer; CONN_MAX_AGE must stay 0 with a pool.
if env.bool("DB_POOL", default=True):
    DATABASES["default"]["OPTIONS"] = {
        "pool": {"min_size": 0, "max_size": env.int("DB_POOL_MAX", default=20), "timeout": 20}
    }
DATABASES["default"]["CONN_MAX_AGE"] = 0
if env.str("TEST_DATABASE_NAME", default=""):
    DATABASES["default"]["TEST"] = {"NAME": env.str("TEST_DATABASE_NAME")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]
# rights come from the role in the company of the record (or the active company), never merged across companies
AUTHENTICATION_BACKENDS = ["apps.core.permissions.CompanyRoleBackend"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True
# one format for dates and numbers on every screen (suite/formats/en/formats.py); quantities and amounts are
# grouped by the display helpers (apps.core.ui.display), never ids: a global separator would print id 1234 as
# "1,234" in every URL and hidden input a template writes by hand
FORMAT_MODULE_PATH = ["suite.formats"]
USE_THOUSAND_SEPARATOR = False

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "staticfiles"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
# uploads live under MEDIA_ROOT and are never served by URL: only the company-checked download views send them
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(DATA_DIR / "media")))
MAX_UPLOAD_MB = env.float("MAX_UPLOAD_MB", default=25.0)
# any other request body (JSON, forms); larger ones answer 413 (multipart: MAX_UPLOAD_MB plus this)
MAX_REQUEST_BODY_MB = env.float("MAX_REQUEST_BODY_MB", default=2.5)
DATA_UPLOAD_MAX_MEMORY_SIZE = int(MAX_REQUEST_BODY_MB * 1024 * 1024)
WHITENOISE_USE_FINDERS = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# Production hardening (manage.py check --deploy passes with DEBUG=false). The local run (`make run`,
# MILLWRIGHT_LOCAL=1) serves plain HTTP on 127.0.0.1: no redirect to HTTPS, no HSTS, cookies over HTTP.
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not LOCAL)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if LOCAL else 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = not LOCAL
    SECURE_HSTS_PRELOAD = not LOCAL
    SESSION_COOKIE_SECURE = not LOCAL
    CSRF_COOKIE_SECURE = not LOCAL
    SECURE_REDIRECT_EXEMPT = [r"^health/$"]

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"
DJANGO_TABLES2_TEMPLATE = "django_tables2/bootstrap5.html"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["apps.core.api.permissions.SuiteModelPermissions"],
    "DEFAULT_PAGINATION_CLASS": "apps.core.api.pagination.SuitePagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "apps.core.api.filters.UpdatedAfterFilter",
        "apps.core.api.filter_backends.ScopedFilterBackend",
        "rest_framework.filters.SearchFilter",
        "apps.core.api.filters.SuiteOrderingFilter",
    ],
    # one request body type per operation: JSON (uploads declare multipart on their view or action)
    "DEFAULT_PARSER_CLASSES": ["apps.core.api.parsers.SuiteJSONParser"],
    "DEFAULT_SCHEMA_CLASS": "apps.core.schema.SuiteAutoSchema",
    "EXCEPTION_HANDLER": "apps.core.api.errors.problem_exception_handler",
    "COERCE_DECIMAL_TO_STRING": True,
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    # the browsable API only for development: in production clients get JSON (its forms are scoped all the same)
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"]
    + (["rest_framework.renderers.BrowsableAPIRenderer"] if DEBUG else []),
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Millwright API",
    "DESCRIPTION": "CRM, PLM, SCM, MES and ERP for manufacturing. Errors are application/problem+json.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "ENUM_NAME_OVERRIDES": {},
}

# Celery: Redis when REDIS_URL is set, else kombu's filesystem transport under .data/broker
# so flows still run asynchronously with zero setup.
REDIS_URL = env.str("REDIS_URL", default="")
BROKER_DIR = DATA_DIR / "broker"
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    BROKER_DIR.mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR),
        "data_folder_out": str(BROKER_DIR),
        "processed_folder": str(BROKER_DIR),
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
    }
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A worker process keeps its database connection from one task to the next: without this, Celery's Django fixup
# closes it before and after every task (and, with the pool in a prefork worker, closes the whole pool), so each
# delivery paid for a new PostgreSQL connection (~10 ms per hop). It still closes them every CELERY_DB_REUSE_MAX
# tasks, and suite/celery.py closes a connection a task left broken.
CELERY_DB_REUSE_MAX = env.int("CELERY_DB_REUSE_MAX", default=1000) or None
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_QUEUE", default="millwright")
CELERY_BEAT_SCHEDULE_FILENAME = str(DATA_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    "outbox-sweeper": {"task": "core.sweep_events", "schedule": timedelta(seconds=30)},
    "outbox-purge": {"task": "core.purge_outbox", "schedule": timedelta(hours=1)},
    "scm-replenishment": {"task": "scm.propose_replenishment", "schedule": timedelta(hours=1)},
    "crm-overdue-activities": {"task": "crm.mark_overdue_activities", "schedule": timedelta(minutes=15)},
    "crm-expire-quotes": {"task": "crm.expire_quotes", "schedule": timedelta(hours=1)},
}

# The outbox (ARCHITECTURE.md section 3).
OUTBOX_MAX_ATTEMPTS = env.int("OUTBOX_MAX_ATTEMPTS", default=6)
OUTBOX_BACKOFF_SECONDS = env.float("OUTBOX_BACKOFF_SECONDS", default=5.0)
OUTBOX_SWEEP_AFTER_SECONDS = env.int("OUTBOX_SWEEP_AFTER_SECONDS", default=30)
OUTBOX_SWEEP_BATCH = env.int("OUTBOX_SWEEP_BATCH", default=500)  # events re-sent per sweep, oldest first
# Purge (core.purge_outbox, hourly): events whose deliveries are all done, older than this, with their
# deliveries and attempts; idempotency records older than IDEMPOTENCY_RETENTION_HOURS. Deleted in batches.
OUTBOX_RETENTION_DAYS = env.int("OUTBOX_RETENTION_DAYS", default=30)
OUTBOX_PURGE_BATCH = env.int("OUTBOX_PURGE_BATCH", default=1000)
IDEMPOTENCY_RETENTION_HOURS = env.int("IDEMPOTENCY_RETENTION_HOURS", default=24)
# An Idempotency-Key claim whose request died (no response stored) may be taken over after this long.
IDEMPOTENCY_CLAIM_TTL_SECONDS = env.int("IDEMPOTENCY_CLAIM_TTL_SECONDS", default=60)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="WARNING")},
}

# Shop-floor connectivity (MES machine signals, issue #15): the MQTT broker the gateway subscribes to
# (mqtt://user:password@host:1883; credentials may also come from MQTT_USERNAME/MQTT_PASSWORD), how long raw
# signals are kept before the per-minute roll-up replaces them, how far ahead of our clock a machine's time may
# be, and how long a machine may stay silent before the board shows it `unknown`.
MQTT_URL = env.str("MQTT_URL", default="")
MQTT_USERNAME = env.str("MQTT_USERNAME", default="")
MQTT_PASSWORD = env.str("MQTT_PASSWORD", default="")
MQTT_PROTOCOL = env.str("MQTT_PROTOCOL", default="5")  # "3.1.1" for brokers without MQTT 5 (amqtt)
MES_SIGNAL_RETENTION_DAYS = env.int("MES_SIGNAL_RETENTION_DAYS", default=30)
MES_SIGNAL_MAX_FUTURE_SECONDS = env.int("MES_SIGNAL_MAX_FUTURE_SECONDS", default=300)
MES_MACHINE_SILENCE_SECONDS = env.int("MES_MACHINE_SILENCE_SECONDS", default=120)
MES_GATEWAY_BATCH_SIZE = env.int("MES_GATEWAY_BATCH_SIZE", default=5000)
MES_GATEWAY_FLUSH_SECONDS = env.float("MES_GATEWAY_FLUSH_SECONDS", default=0.2)
MES_GATEWAY_WRITERS = env.int("MES_GATEWAY_WRITERS", default=2)
CELERY_BEAT_SCHEDULE["mes-silent-machines"] = {"task": "mes.mark_silent_machines", "schedule": timedelta(seconds=15)}
CELERY_BEAT_SCHEDULE["mes-signal-retention"] = {"task": "mes.roll_up_signals", "schedule": timedelta(hours=1)}
