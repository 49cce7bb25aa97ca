"""A local stand-in for the ministry's zone: an HTTP server in a thread on 127.0.0.1.

It fails at random (a share of 500s; a share of answers slower than the client's timeout, after
it has stored the message — the way a real receiver produces duplicates) and records every
request it read: key, body, whether the signature verified, and whether it accepted it.
"""

from __future__ import annotations

import json
import random
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from jianxi.exchange.outbox import IDEMPOTENCY_HEADER, KEY_ID_HEADER, SIGNATURE_HEADER, verify

SECRET = "test-secret-共享密钥"


@dataclass
class Receipt:
    key: str
    body: bytes
    signed: bool
    key_id: str
    accepted: bool
    at: float

    @property
    def document(self) -> dict[str, Any]:
        return json.loads(self.body)


@dataclass
class Stub:
    fail_rate: float = 0.0
    slow_rate: float = 0.0
    slow_seconds: float = 0.0
    delay: float = 0.0  # every request waits this long first (a slow zone)
    always_fail: bool = False
    seed: int = 15
    receipts: list[Receipt] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.random = random.Random(self.seed)
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                if stub.delay:
                    time.sleep(stub.delay)
                with stub.lock:
                    draw = stub.random.random()
                fail = stub.always_fail or draw < stub.fail_rate
                slow = not fail and draw < stub.fail_rate + stub.slow_rate
                receipt = Receipt(
                    key=self.headers.get(IDEMPOTENCY_HEADER, ""),
                    body=body,
                    signed=verify(body, SECRET, self.headers.get(SIGNATURE_HEADER, "")),
                    key_id=self.headers.get(KEY_ID_HEADER, ""),
                    accepted=not fail,
                    at=time.monotonic(),
                )
                with stub.lock:
                    stub.receipts.append(receipt)
                if slow:
                    time.sleep(stub.slow_seconds)  # stored already; the client gives up first
                try:
                    self.send_response(500 if fail else 200)
                    self.send_header("Content-Type", "application/json")
                    self.end_headers()
                    self.wfile.write(b'{"ok":false}' if fail else b'{"ok":true}')
                except OSError:
                    pass  # the client timed out and went away

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, name="zone-stub", daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/jianxi/messages"

    def accepted(self) -> list[Receipt]:
        with self.lock:
            return [r for r in self.receipts if r.accepted]

    def all(self) -> list[Receipt]:
        with self.lock:
            return list(self.receipts)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
