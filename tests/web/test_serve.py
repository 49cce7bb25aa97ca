"""The production server: `make serve` runs gunicorn with settings from the environment."""

from __future__ import annotations

import asyncio
import concurrent.futures
import http.server
import subprocess
import sys
import threading
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

from bench.http_load import LoadResult, run_load, serve

ROOT = Path(__file__).resolve().parents[2]


def test_database_connections_persist_and_are_checked_by_default():
    assert settings.DB_CONN_MAX_AGE == 60
    assert settings.DATABASES["default"]["CONN_MAX_AGE"] == 60
    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True


def test_gunicorn_takes_workers_timeouts_and_address_from_the_environment():
    code = (
        "import jianxi.gunicorn_conf as c; "
        "print(c.bind, c.workers, c.timeout, c.graceful_timeout, c.max_requests, c.worker_class)"
    )
    env = {"WEB_BIND": "127.0.0.1:9999", "WEB_WORKERS": "7", "WEB_TIMEOUT": "45", "WEB_MAX_REQUESTS": "0"}
    out = subprocess.run(  # a fresh interpreter: settings are read once per process
        [sys.executable, "-c", code], cwd=ROOT, env={**_base_env(), **env}, capture_output=True, text=True, check=True
    ).stdout.split()
    assert out == ["127.0.0.1:9999", "7", "45", "30", "0", "sync"]


def test_make_serve_runs_the_gunicorn_command():
    makefile = (ROOT / "Makefile").read_text()
    assert "$(BIN)/gunicorn -c python:jianxi.gunicorn_conf jianxi.wsgi" in makefile


def _base_env() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if not k.startswith("WEB_")}


@pytest.mark.skipif(not Path(sys.executable).with_name("gunicorn").exists(), reason="gunicorn not installed")
def test_gunicorn_starts_and_answers(tmp_path):
    env = {"DATABASE_URL": f"sqlite:///{tmp_path}/serve.sqlite3", "JIANXI_VAR_DIR": str(tmp_path)}
    with serve(env, workers=2) as base:
        with urllib.request.urlopen(base + "/healthz", timeout=10) as response:
            assert response.status == 200 and response.read() == b"ok"
        result = run_load(base + "/healthz", concurrency=4, seconds=0.5)
        assert result.requests > 0 and result.errors == 0


def test_the_load_generator_refuses_other_hosts():
    with pytest.raises(ValueError, match="only targets this machine"):
        run_load("http://example.com/", concurrency=1, seconds=0.1)


def test_the_load_generator_runs_where_an_event_loop_already_runs():
    """Playwright's sync API keeps a loop running in the test process; the generator still works.

    The loop is started in a fresh thread of its own, so the test does not depend on whether this
    xdist worker has already run a browser test (which leaves a loop running in the main thread).
    """

    class Ok(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # the stdlib names it so
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Ok)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/"

    async def inside_a_loop() -> LoadResult:
        return run_load(url, concurrency=2, seconds=0.3)

    try:
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            result = pool.submit(asyncio.run, inside_a_loop()).result(timeout=30)
    finally:
        server.shutdown()
        server.server_close()
    assert result.requests > 0 and result.errors == 0
