"""A bounded HTTP load generator, and the production server under it.

``run_load(url, concurrency, seconds)`` keeps ``concurrency`` requests in flight against one URL
for ``seconds`` (asyncio, one short HTTP/1.1 connection per request, as gunicorn's sync workers
close each connection) and reports throughput and latency percentiles. It is deliberately small:
no dependency, a fixed concurrency and duration, and only 127.0.0.1 (it refuses other hosts).

``serve(...)`` starts `gunicorn -c python:jianxi.gunicorn_conf jianxi.wsgi` — the `make serve`
command — on a free port with the given environment, waits until /healthz answers, and stops it
afterwards. The tests use it too (tests/web/test_serve.py).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class LoadResult:
    url: str
    concurrency: int
    seconds: float
    requests: int
    errors: int
    p50_ms: float
    p99_ms: float

    @property
    def rate(self) -> float:
        return self.requests / self.seconds

    def line(self) -> str:
        return (
            f"{self.rate:8.1f} req/s  p50 {self.p50_ms:7.1f} ms  p99 {self.p99_ms:7.1f} ms  "
            f"{self.requests:,} requests, {self.errors} errors, {self.concurrency} clients, {self.seconds:.0f} s"
        )


def _percentile(samples: list[float], q: float) -> float:
    if not samples:
        return float("nan")
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


async def _one(host: str, port: int, request: bytes) -> bool:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        writer.write(request)
        await writer.drain()
        status = await reader.readline()
        await reader.read()  # the server closes the connection after the response
        return status.split(b" ", 2)[1:2] == [b"200"]
    finally:
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()


async def _load(url: str, concurrency: int, seconds: float) -> LoadResult:
    parts = urlsplit(url)
    if parts.hostname not in ("127.0.0.1", "localhost", "::1"):
        raise ValueError("the load generator only targets this machine")
    host, port = parts.hostname, parts.port or 80
    target = quote(parts.path or "/", safe="/%") + (f"?{quote(parts.query, safe='=&%')}" if parts.query else "")
    request = f"GET {target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode()
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds

    async def client() -> None:
        nonlocal errors
        while time.perf_counter() < deadline:
            t0 = time.perf_counter()
            try:
                ok = await _one(host, port, request)
            except OSError:
                ok = False
            if ok:
                latencies.append((time.perf_counter() - t0) * 1000)
            else:
                errors += 1

    t0 = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    elapsed = time.perf_counter() - t0
    return LoadResult(
        url=url,
        concurrency=concurrency,
        seconds=elapsed,
        requests=len(latencies),
        errors=errors,
        p50_ms=_percentile(latencies, 0.50),
        p99_ms=_percentile(latencies, 0.99),
    )


def run_load(url: str, *, concurrency: int = 32, seconds: float = 10.0) -> LoadResult:
    try:
        asyncio.get_running_loop()
    except RuntimeError:  # the usual case: no event loop in this thread
        return asyncio.run(_load(url, concurrency, seconds))
    # A loop already runs in this thread (Playwright's sync API in the same test process does):
    # ours gets a thread of its own.
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(lambda: asyncio.run(_load(url, concurrency, seconds))).result()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until_up(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (127.0.0.1 only)
                if response.status == 200:
                    return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


@contextlib.contextmanager
def serve(env: dict[str, str], *, workers: int = 3, port: int | None = None) -> Iterator[str]:
    """The production server on 127.0.0.1:<port>; yields its base URL."""
    port = port or free_port()
    full_env = {
        **os.environ,
        **env,
        "WEB_BIND": f"127.0.0.1:{port}",
        "WEB_WORKERS": str(workers),
        "PYTHONPATH": str(ROOT),
    }
    gunicorn = Path(sys.executable).with_name("gunicorn")
    command = [str(gunicorn), "-c", "python:jianxi.gunicorn_conf", "jianxi.wsgi"]
    process = subprocess.Popen(command, cwd=ROOT, env=full_env, start_new_session=True)  # noqa: S603
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base + "/healthz")
        yield base
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
