"""gunicorn's settings for `make serve`: ``gunicorn -c python:jianxi.gunicorn_conf jianxi.wsgi``.

Everything comes from jianxi/settings.py, hence from the environment (WEB_BIND, WEB_WORKERS,
WEB_TIMEOUT, WEB_GRACEFUL_TIMEOUT, WEB_MAX_REQUESTS; docs/operations.md). Sync workers: each
request holds one worker, and each worker keeps one persistent database connection
(DB_CONN_MAX_AGE), so a PostgreSQL server sees at most ``workers`` connections per machine.
"""

from __future__ import annotations

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jianxi.settings")

from django.conf import settings

bind = settings.WEB_BIND
workers = settings.WEB_WORKERS
worker_class = "sync"
timeout = settings.WEB_TIMEOUT
graceful_timeout = settings.WEB_GRACEFUL_TIMEOUT
max_requests = settings.WEB_MAX_REQUESTS
max_requests_jitter = max_requests // 10
# Load the application once in the master, then fork: workers start fast and share memory.
preload_app = True
accesslog = os.environ.get("WEB_ACCESS_LOG") or None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "warning").lower()
