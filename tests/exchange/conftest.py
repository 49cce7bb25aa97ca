from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.exchange.stub import SECRET, Stub


@pytest.fixture
def zone(settings) -> Iterator[Stub]:
    """A stub zone that fails at random; the settings point delivery at it, with short waits."""
    stub = Stub(fail_rate=0.3, slow_rate=0.05, slow_seconds=0.3)
    settings.EXCHANGE_URL = stub.url
    settings.EXCHANGE_SECRET = SECRET
    settings.EXCHANGE_KEY_ID = "test-key"
    settings.EXCHANGE_TIMEOUT = 0.15
    settings.EXCHANGE_BACKOFF_SECONDS = 0.005
    settings.EXCHANGE_BACKOFF_MAX_SECONDS = 0.05
    settings.EXCHANGE_MAX_ATTEMPTS = 60
    settings.EXCHANGE_LEASE_SECONDS = 5
    try:
        yield stub
    finally:
        stub.close()
