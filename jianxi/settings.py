"""Jianxi settings: everything that differs by deployment comes from the environment.

The env helpers fail loudly on malformed values rather than guessing (a typo in DEBUG must
not silently turn debugging on in production).
"""

from __future__ import annotations

import ipaddress
import os
import re
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("JIANXI_VAR_DIR", BASE_DIR / "var"))


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    lowered = raw.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean (use 1/0, true/false)")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name}={raw!r} is not an integer") from exc


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_proxies(name: str) -> list[str]:
    """Trusted proxy addresses or networks (CIDR), plus the word ``unix`` for a Unix socket peer."""
    proxies = []
    for item in env_list(name, []):
        if item == "unix":
            proxies.append(item)
            continue
        try:
            proxies.append(str(ipaddress.ip_network(item, strict=False)))
        except ValueError as exc:
            raise ImproperlyConfigured(f"{name}: {item!r} is not an IP address, a CIDR network or 'unix'") from exc
    return proxies


def env_proxy_ssl_header(name: str) -> tuple[str, str] | None:
    """The header a TLS-terminating proxy sets to ``https`` (e.g. X-Forwarded-Proto), as Django wants it."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return None
    if not re.fullmatch(r"[A-Za-z0-9-]+", raw):
        raise ImproperlyConfigured(f"{name}={raw!r} is not a header name (e.g. X-Forwarded-Proto)")
    return ("HTTP_" + raw.upper().replace("-", "_"), "https")


def _secret_key() -> str:
    """SECRET_KEY from the environment, else one generated once into var/ (never committed)."""
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    path = VAR_DIR / "secret_key"
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "ninja",
    "simple_history",
    "axes",
    "csp",
    "jianxi.core",
    "jianxi.accounts",
    "jianxi.policy",
    "jianxi.hosts",
    "jianxi.youth",
    "jianxi.posts",
    "jianxi.registry",
    "jianxi.placements",
    "jianxi.subsidies",
    "jianxi.events",
    "jianxi.finance",
    "jianxi.demonstration",
    "jianxi.oversight",
    "jianxi.exchange",
    "jianxi.recommend",
    "jianxi.outreach",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Refuses control characters and overlong query values before any view (no 500s from input).
    "jianxi.core.middleware.InputGuardMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "jianxi.core.access.AccessMiddleware",
    # Axes last: it turns lockouts into a response after authentication ran.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "jianxi.urls"
WSGI_APPLICATION = "jianxi.wsgi.application"

# Every form: phone keyboards and 请选择 instead of ---------, in one place (core/forms.py).
FORM_RENDERER = "jianxi.core.forms.PhoneFriendlyRenderer"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "jianxi" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "jianxi.core.context_processors.navigation",
            ],
            # ``user|may:"…"`` in every template, without loading it (separation of duties).
            "builtins": ["jianxi.accounts.templatetags.duties"],
        },
    },
]

# Persistent connections by default (opening one costs 8–10 ms on PostgreSQL, more than a search
# page), checked before reuse so a restarted database costs one failed ping, not a 500.
DB_CONN_MAX_AGE = env_int("DB_CONN_MAX_AGE", 60)
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'jianxi.sqlite3'}"),
        conn_max_age=DB_CONN_MAX_AGE,
        conn_health_checks=True,
    )
}
# An optional read replica (streaming replication of the primary): the router sends the public
# search's and the dashboards' reads there (jianxi/core/db_router.py); everything else, and every
# write, goes to the primary. Tests treat it as a mirror of the default database.
DATABASE_REPLICA_URL = env_str("DATABASE_REPLICA_URL", "")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = dj_database_url.parse(
        DATABASE_REPLICA_URL, conn_max_age=DB_CONN_MAX_AGE, conn_health_checks=True
    )
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["jianxi.core.db_router.ReplicaRouter"]
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL + a busy timeout keep the embedded database usable by a web process and a worker.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# Login throttling (django-axes): lock a username+address pair after AXES_FAILURE_LIMIT failures,
# and a whole client address once it has failed AXES_ADDRESS_FAILURE_LIMIT times over any usernames
# within the cool-off (jianxi.accounts.lockout; docs/operations.md explains the choice).
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_ADDRESS_FAILURE_LIMIT = env_int("AXES_ADDRESS_FAILURE_LIMIT", 50)
if AXES_ADDRESS_FAILURE_LIMIT < AXES_FAILURE_LIMIT:
    raise ImproperlyConfigured("AXES_ADDRESS_FAILURE_LIMIT must not be below AXES_FAILURE_LIMIT")
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = "jianxi.accounts.lockout.lockout_parameters"
AXES_CLIENT_IP_CALLABLE = "jianxi.core.network.client_address"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"

REDIS_URL = env_str("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "jianxi" / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Shanghai"
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "jianxi" / "static"]
STATIC_ROOT = VAR_DIR / "static"
# WhiteNoise serves from here after `collectstatic`; an empty folder keeps it quiet before that.
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = VAR_DIR / "media"

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "jianxi@localhost")

# Text messages (短信, core/sms.py): the console backend prints them (development, `make run`,
# no network); the file backend appends them to SMS_FILE_PATH; the HTTP backend posts JSON to a
# gateway (SMS_HTTP_URL with SMS_HTTP_KEY as a bearer token, SMS_HTTP_TIMEOUT seconds).
SMS_BACKEND = env_str("SMS_BACKEND", "jianxi.core.sms.ConsoleBackend")
SMS_FILE_PATH = env_str("SMS_FILE_PATH", str(VAR_DIR / "sms.log"))
SMS_HTTP_URL = env_str("SMS_HTTP_URL", "")
SMS_HTTP_KEY = env_str("SMS_HTTP_KEY", "")
SMS_HTTP_TIMEOUT = env_int("SMS_HTTP_TIMEOUT", 5)
# The site's address in links sent outside the site (e-mail, SMS): sign-up, unsubscribe.
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")
# Pushes (outreach) are delivered by a job (core/jobs.py); eager delivers in the request (tests).
PUSH_TASKS_EAGER = env_bool("PUSH_TASKS_EAGER", False)
# The password-reset code is looked up and sent by a job too, so that the request takes the same
# time whether or not the number has an account; eager sends in the request (tests).
SMS_TASKS_EAGER = env_bool("SMS_TASKS_EAGER", False)

# --- HTTPS and the reverse proxy (docs/operations.md lists the production values) -----------------

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SECURE_PROXY_SSL_HEADER = env_proxy_ssl_header("SECURE_PROXY_SSL_HEADER")

# The proxies whose X-Forwarded-For is believed (jianxi.core.network.client_address derives the
# client address from it for login lockout, throttling and audit). Empty: the peer address is the client.
TRUSTED_PROXIES = env_proxies("TRUSTED_PROXIES")
# ninja's own throttles would otherwise believe any client's X-Forwarded-For; ours use client_address.
NINJA_NUM_PROXIES = 0

# Content-Security-Policy (django-csp): nothing inline, nothing from another origin. Pages take
# behaviour from jianxi/static/jianxi/site.js (data attributes) and style from site.css; the
# admin and the API's Swagger UI (ninja's bundled static files) work under the same policy.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [SELF],
        "object-src": [NONE],
    },
}

# Excel imports (core/import_jobs.py): files above these sizes run as background jobs, at most
# this many at once; eager runs them in the request (tests, a worker).
IMPORT_BACKGROUND_ROWS = env_int("IMPORT_BACKGROUND_ROWS", 500)
IMPORT_BACKGROUND_BYTES = env_int("IMPORT_BACKGROUND_BYTES", 1024 * 1024)
IMPORT_MAX_BACKGROUND_JOBS = env_int("IMPORT_MAX_BACKGROUND_JOBS", 2)
IMPORT_TASKS_EAGER = env_bool("IMPORT_TASKS_EAGER", False)
# Excel exports (jianxi/core/export_jobs.py): a list of more rows is built by a background job
# (a Celery worker when a broker is configured), its file kept this many days on the job's row.
EXPORT_INLINE_ROWS = env_int("EXPORT_INLINE_ROWS", 5000)
EXPORT_KEEP_DAYS = env_int("EXPORT_KEEP_DAYS", 7)
EXPORT_MAX_BACKGROUND_JOBS = env_int("EXPORT_MAX_BACKGROUND_JOBS", 4)  # large exports built at once, all accounts
EXPORT_TASKS_EAGER = env_bool("EXPORT_TASKS_EAGER", False)

# Sign-up and invitations are rate limited per address and per identifier (core/throttle.py);
# off only for load tests.
FORM_THROTTLE_ENABLED = env_bool("FORM_THROTTLE_ENABLED", True)

# Public quote API: requests per minute per client address (issue: 120 by default).
QUOTE_RATE_PER_MINUTE = env_int("QUOTE_RATE_PER_MINUTE", 120)

# The city this deployment serves; policy data is looked up by it.
JIANXI_CITY = env_str("JIANXI_CITY", "110000")

# The production server (`make serve`: gunicorn -c python:jianxi.gunicorn_conf jianxi.wsgi).
# Sync workers, each with its own persistent database connection; about 2 per core plus one.
WEB_BIND = env_str("WEB_BIND", "127.0.0.1:8000")
WEB_WORKERS = env_int("WEB_WORKERS", 2 * (os.cpu_count() or 1) + 1)
WEB_TIMEOUT = env_int("WEB_TIMEOUT", 30)  # seconds a request may take before its worker is restarted
WEB_GRACEFUL_TIMEOUT = env_int("WEB_GRACEFUL_TIMEOUT", 30)
WEB_MAX_REQUESTS = env_int("WEB_MAX_REQUESTS", 10_000)  # recycle a worker after this many (0: never)

# Public post search (jianxi/posts/search.py): totals are exact up to this many matches and
# estimated ("约 N 条") above it; first pages of the public search are cached this many seconds
# (0: off) and dropped whenever a post is published or leaves the search.
SEARCH_EXACT_COUNT_LIMIT = env_int("SEARCH_EXACT_COUNT_LIMIT", 1_000)
SEARCH_CACHE_SECONDS = env_int("SEARCH_CACHE_SECONDS", 30)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"forbidden_short": {"()": "jianxi.core.logs.ForbiddenWithoutTraceback"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["forbidden_short"]}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
}

# Statistics (jianxi/oversight/refresh.py): after a service commits a change that counts, refresh
# the district's months at once; off, they are only marked changed for `refresh_stats --dirty`.
STATS_REFRESH_ON_CHANGE = env_bool("STATS_REFRESH_ON_CHANGE", True)

# Long jobs (jianxi/core/jobs.py): Celery workers on Redis when a broker is configured
# (CELERY_BROKER_URL, else REDIS_URL), run as `celery -A jianxi worker` (docs/operations.md);
# without one (`make run`, the embedded default) they run in the web process, in a thread.
# CELERY_BROKER_URL=none keeps the jobs in process even where REDIS_URL is set for the cache.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "") or REDIS_URL
if CELERY_BROKER_URL.lower() == "none":
    CELERY_BROKER_URL = ""
CELERY_RESULT_BACKEND = None  # progress is kept on the job's own row (ImportJob, ClaimRun)
CELERY_TASK_IGNORE_RESULT = True
# `celery -A jianxi beat`: the periodic jobs. The events' day-before reminders (idempotent: each
# sign-up is reminded once, so a second run the same day sends nothing).
CELERY_TASK_ACKS_LATE = True  # a task is acknowledged once done: a killed worker's task is delivered again
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1  # long tasks: a worker takes one at a time
CELERY_TASK_SERIALIZER = CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# An unacknowledged task (its worker died) goes back to the queue after this many seconds. Every
# task is idempotent, so a task still running past it and delivered twice does no harm.
CELERY_VISIBILITY_TIMEOUT = env_int("CELERY_VISIBILITY_TIMEOUT", 600)
# How often a worker looks for such tasks (seconds; Kombu's default is every 100 s).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": CELERY_VISIBILITY_TIMEOUT,
    "unacked_restore_interval": env_int("CELERY_UNACKED_RESTORE_INTERVAL", 10),
    "unacked_restore_throttle": 1,
}
# The ministry's internship zone (部级见习线上服务专区, jianxi/exchange, docs/exchange.md): the outbox
# is written whatever these say; with no URL nothing is sent and the messages wait.
EXCHANGE_URL = env_str("EXCHANGE_URL", "")
EXCHANGE_SECRET = env_str("EXCHANGE_SECRET", "")  # HMAC-SHA256 key shared with the zone
EXCHANGE_KEY_ID = env_str("EXCHANGE_KEY_ID", "jianxi-1")  # names the secret, for the zone's key rotation
EXCHANGE_TIMEOUT = float(env_str("EXCHANGE_TIMEOUT", "10"))  # seconds for one HTTP POST
EXCHANGE_MAX_ATTEMPTS = env_int("EXCHANGE_MAX_ATTEMPTS", 8)  # tries before a message is dead-lettered
EXCHANGE_BACKOFF_SECONDS = float(env_str("EXCHANGE_BACKOFF_SECONDS", "30"))  # first wait; doubles each try
EXCHANGE_BACKOFF_MAX_SECONDS = float(env_str("EXCHANGE_BACKOFF_MAX_SECONDS", "21600"))
# A claimed message whose worker has not answered within this many seconds is due again (a
# worker killed mid-delivery loses nothing). Keep it well above EXCHANGE_TIMEOUT.
EXCHANGE_LEASE_SECONDS = float(env_str("EXCHANGE_LEASE_SECONDS", "120"))
EXCHANGE_BATCH = env_int("EXCHANGE_BATCH", 50)  # messages claimed at once by one worker
EXCHANGE_TASK_SECONDS = float(env_str("EXCHANGE_TASK_SECONDS", "50"))  # one delivery task's time budget
# The accounts (usernames, city role) whose API tokens the zone uses to forward applications; no
# one else's token is accepted there — not a city officer's personal one. Empty: inbound is closed.
EXCHANGE_INBOUND_USERNAMES = env_list("EXCHANGE_INBOUND_USERNAMES", [])
# Celery beat (`celery -A jianxi beat`): deliver what is due, and enqueue last month's statistics
# (once per month, whatever how often it runs).
# The periodic jobs `celery -A jianxi beat` sends (docs/operations.md), in Beijing time.
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE = {
    "event-reminders": {"task": "events.send_reminders", "schedule": 60 * 60},
    "exchange-deliver": {"task": "jianxi.exchange.tasks.exchange_deliver", "schedule": 30.0},
    "exchange-monthly-stats": {"task": "jianxi.exchange.tasks.exchange_monthly_stats", "schedule": 3600.0},
    # The digest of new matching posts: each morning at eight (Beijing time); once per period by itself.
    "recommend-digests": {"task": "jianxi.recommend.send_digests", "schedule": crontab(hour=8, minute=0)},
    # Export files older than EXPORT_KEEP_DAYS are deleted each night.
    "drop-expired-exports": {"task": "jianxi.core.drop_expired_exports", "schedule": crontab(hour=3, minute=15)},
}
# The claim run's district tasks: at most this many claimable rows in memory at once.
CLAIM_RUN_CHUNK_HOSTS = env_int("CLAIM_RUN_CHUNK_HOSTS", 500)
