"""Tidemark settings: one module, read from environment variables.

Every variable is listed with its meaning in .env.example. Development and
production differ only by what the environment says.
"""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from config.database import embedded_database_url, parse_database_url
from config.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
SHARED_DIR = Path(env_str("TIDEMARK_SHARED_DIR", str(BASE_DIR.parent / "shared")))

DEBUG = env_bool("DJANGO_DEBUG", False)
TESTING = "pytest" in sys.modules
# Production is DEBUG off (the default). It never runs on a made-up key or host list: they
# must be set. Local development sets DJANGO_DEBUG=true (the Makefile does for `make demo`);
# tests run with DEBUG off but are no deployment (conftest.py gives subprocesses a key).
PRODUCTION = not DEBUG and not TESTING
SECRET_KEY = env_str("DJANGO_SECRET_KEY")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off (production); "
            "for local development set DJANGO_DEBUG=true (make demo does)"
        )
    SECRET_KEY = "tidemark-insecure-local-key-change-me"
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", [])
if not ALLOWED_HOSTS:
    if PRODUCTION:
        raise ImproperlyConfigured(
            "DJANGO_ALLOWED_HOSTS must be set when DJANGO_DEBUG is off (production): the host names "
            "the site is served under, comma-separated"
        )
    ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

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
    "axes",
    "conflict",
    "reports",
    "operations",
]

MIDDLEWARE = [
    # First: every log line of the request carries its id, and the latency covers the rest.
    "operations.middleware.RequestIdMiddleware",
    "operations.middleware.MetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # A database outage is a 503 with Retry-After, not a 500 (conflict/middleware.py).
    "conflict.middleware.DatabaseUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
            ],
        },
    },
]

# Database: DATABASE_URL, or the embedded PostgreSQL in .pgdata/ when unset.
DATABASE_URL = env_str("DATABASE_URL")
EMBEDDED_DATABASE = not DATABASE_URL
if EMBEDDED_DATABASE:
    DATABASE_URL = embedded_database_url(BASE_DIR / ".pgdata")
DATABASES = {"default": parse_database_url(DATABASE_URL)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/review/"
LOGOUT_REDIRECT_URL = "/"
SESSION_COOKIE_AGE = env_int("TIDEMARK_SESSION_SECONDS", 8 * 3600, minimum=60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
# Served over HTTPS (production by default): plain http is redirected, cookies are sent over
# HTTPS only and browsers are told (HSTS) to use nothing else for this host.
HTTPS = env_bool("TIDEMARK_HTTPS", PRODUCTION)
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", HTTPS)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
CSRF_COOKIE_HTTPONLY = True
SECURE_SSL_REDIRECT = HTTPS
# Probes from the container's own health check speak plain http to gunicorn.
SECURE_REDIRECT_EXEMPT = [r"^(health/|ready/|healthz|readyz|livez|metrics)$"]
SECURE_HSTS_SECONDS = env_int("TIDEMARK_HSTS_SECONDS", 31536000 if HTTPS else 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("TIDEMARK_HSTS_INCLUDE_SUBDOMAINS", True)
# Only a request to the browsers' preload list (made by hand, for the registered domain)
# preloads; the header just allows it.
SECURE_HSTS_PRELOAD = env_bool("TIDEMARK_HSTS_PRELOAD", HTTPS)
# Behind a TLS-terminating proxy (nginx, Caddy, a load balancer) that sets X-Forwarded-Proto.
if env_bool("TIDEMARK_BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content Security Policy (django-csp): scripts and styles come from this site's own files
# only; no inline script, no script from elsewhere. Inline style *attributes* are allowed
# (the colour swatches of actors are data-driven); <style> elements are not.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# Request bodies: a form or API body over this is refused (413 from the API) before it is
# read; room for a report of TIDEMARK_MAX_REPORT_BYTES, \u-escaped in JSON. Larger uploads
# than FILE_UPLOAD_MAX_MEMORY_SIZE go to a temporary file, not memory.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("TIDEMARK_MAX_REQUEST_BYTES", 16 * 1024 * 1024, minimum=1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = env_int("TIDEMARK_MAX_UPLOAD_MEMORY_BYTES", 2_621_440, minimum=1024)
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000
DATA_UPLOAD_MAX_NUMBER_FILES = 20

# Failed logins: lock a username+address pair out after this many failures.
AXES_FAILURE_LIMIT = env_int("TIDEMARK_LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = env_int("TIDEMARK_LOGIN_COOLOFF_MINUTES", 15, minimum=1) / 60
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_ENABLED = env_bool("TIDEMARK_LOGIN_RATE_LIMIT", True)
AXES_VERBOSE = False

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
REDIS_CACHE_URL = env_str("TIDEMARK_CACHE_URL")
if REDIS_CACHE_URL:
    CACHES["default"] = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_CACHE_URL}

# Celery: a broker URL runs tasks on workers; without one they run in-process.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env_int("TIDEMARK_TASK_VISIBILITY_SECONDS", 3600, minimum=10)}
# kombu looks for a dead worker's unacked messages every interval x throttle seconds (100 s
# by default); with a short visibility timeout (tests), look as often as it allows.
if CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] < 600:
    CELERY_BROKER_TRANSPORT_OPTIONS.update({"unacked_restore_interval": 2, "unacked_restore_throttle": 1})
# With the broker down, a publish fails within a few seconds instead of hanging the request or
# command that made it: the report is in PostgreSQL already, and the outbox sweep publishes
# it later (reports.outbox). Workers and beat keep reconnecting until the broker is back.
TIDEMARK_BROKER_TIMEOUT_SECONDS = env_int("TIDEMARK_BROKER_TIMEOUT_SECONDS", 3, minimum=1)
CELERY_BROKER_CONNECTION_TIMEOUT = TIDEMARK_BROKER_TIMEOUT_SECONDS
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS.update({
    "socket_connect_timeout": TIDEMARK_BROKER_TIMEOUT_SECONDS,
    # Longer than the 1 s BRPOP a worker waits on, so an idle worker is not cut off.
    "socket_timeout": TIDEMARK_BROKER_TIMEOUT_SECONDS * 2,
})
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0.2, "interval_step": 0.5, "interval_max": 1}
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
# The outbox: how often beat sweeps it; after how long a pending report whose task was published
# but never run (its message lost with a broker restart) is published again; after how long a
# "processing" claim nobody finished is released.
TIDEMARK_OUTBOX_SWEEP_SECONDS = env_int("TIDEMARK_OUTBOX_SWEEP_SECONDS", 60, minimum=1)
TIDEMARK_OUTBOX_REQUEUE_SECONDS = env_int("TIDEMARK_OUTBOX_REQUEUE_SECONDS", 900, minimum=1)
TIDEMARK_CLAIM_TIMEOUT_SECONDS = env_int("TIDEMARK_CLAIM_TIMEOUT_SECONDS", 900, minimum=1)
CELERY_BEAT_SCHEDULE = {
    "outbox-sweep": {
        "task": "reports.tasks.outbox_sweep",
        "schedule": float(TIDEMARK_OUTBOX_SWEEP_SECONDS),
        # Sweeps beat published while no worker ran are not worth running late, one after another.
        "options": {"expires": float(max(TIDEMARK_OUTBOX_SWEEP_SECONDS, 60))},
    },
    "poll-feeds": {
        "task": "reports.tasks.feeds_poll",
        "schedule": float(env_int("TIDEMARK_FEED_POLL_SECONDS", 900, minimum=30)),
    },
}

# Ingestion limits.
TIDEMARK_MAX_REPORT_BYTES = env_int("TIDEMARK_MAX_REPORT_BYTES", 5 * 1024 * 1024, minimum=1024)
TIDEMARK_FETCH_TIMEOUT_SECONDS = env_int("TIDEMARK_FETCH_TIMEOUT_SECONDS", 20, minimum=1)
# URLs are fetched only from public addresses (no requests into the operator's network),
# unless private, loopback and link-local addresses are allowed, or the host is listed.
TIDEMARK_FETCH_ALLOW_PRIVATE = env_bool("TIDEMARK_FETCH_ALLOW_PRIVATE", False)
TIDEMARK_FETCH_ALLOWED_HOSTS = env_list("TIDEMARK_FETCH_ALLOWED_HOSTS", [])

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_RATES": {
        "anon": env_str("TIDEMARK_API_ANON_RATE", "600/min"),
        "user": env_str("TIDEMARK_API_USER_RATE", "3000/min"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Tidemark API",
    "DESCRIPTION": "Sourced events and control periods derived from news reports.",
    "VERSION": "1.0.0",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# TIDEMARK_LOG_FORMAT=json: one JSON object a line; plain text otherwise. Every line carries
# the request, Celery task and report ids in force when it was logged (operations/logging.py).
TIDEMARK_LOG_FORMAT = env_str("TIDEMARK_LOG_FORMAT").strip().lower() or "plain"
if TIDEMARK_LOG_FORMAT not in {"plain", "json"}:
    raise ImproperlyConfigured(f"TIDEMARK_LOG_FORMAT must be plain or json, not {TIDEMARK_LOG_FORMAT!r}")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "operations.logging.ContextFilter"}},
    "formatters": {
        "plain": {"()": "operations.logging.PlainFormatter"},
        "json": {"()": "operations.logging.JsonFormatter"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["context"],
                             "formatter": TIDEMARK_LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": env_str("TIDEMARK_LOG_LEVEL", "INFO")},
    "loggers": {"pgserver": {"level": "WARNING"}},
}

# /metrics: with a token, only `Authorization: Bearer <token>`; without, only clients on this machine.
TIDEMARK_METRICS_TOKEN = env_str("TIDEMARK_METRICS_TOKEN")
