"""client_address: X-Forwarded-For is believed only from settings.TRUSTED_PROXIES, read from the right."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from jianxi.core.network import client_address

PROXY = "10.0.0.5"


def address(trusted: list[str], settings, remote: str | None, xff: str | None = None) -> str | None:
    settings.TRUSTED_PROXIES = trusted
    meta = {} if xff is None else {"HTTP_X_FORWARDED_FOR": xff}
    request = RequestFactory().get("/", **meta)
    if remote is None:
        del request.META["REMOTE_ADDR"]
    else:
        request.META["REMOTE_ADDR"] = remote
    return client_address(request)


def test_without_trusted_proxies_the_header_is_ignored(settings):
    assert address([], settings, "203.0.113.7", xff="198.51.100.1") == "203.0.113.7"


def test_a_header_from_a_peer_that_is_not_a_trusted_proxy_is_ignored(settings):
    assert address([PROXY], settings, "203.0.113.7", xff="198.51.100.1") == "203.0.113.7"


def test_behind_a_trusted_proxy_the_client_is_the_address_it_appended(settings):
    assert address([PROXY], settings, PROXY, xff="198.51.100.1") == "198.51.100.1"


def test_a_client_forging_the_header_only_adds_addresses_on_the_left(settings):
    # The client sent "X-Forwarded-For: 1.1.1.1, 2.2.2.2"; the proxy appended the real address.
    assert address([PROXY], settings, PROXY, xff="1.1.1.1, 2.2.2.2, 198.51.100.1") == "198.51.100.1"


def test_a_chain_of_trusted_proxies_is_walked_to_the_first_untrusted_address(settings):
    trusted = ["10.0.0.0/8", "192.168.1.1"]
    assert address(trusted, settings, "10.0.0.9", xff="6.6.6.6, 198.51.100.1, 192.168.1.1, 10.2.3.4") == "198.51.100.1"


def test_when_every_hop_is_trusted_the_leftmost_is_the_client(settings):
    assert address(["10.0.0.0/8"], settings, "10.0.0.9", xff="10.1.1.1, 10.2.2.2") == "10.1.1.1"


def test_a_request_from_the_proxy_itself_is_the_proxy(settings):
    assert address([PROXY], settings, PROXY) == PROXY


@pytest.mark.parametrize("garbage", ["unknown", "", "198.51.100.1; drop table"])
def test_an_unreadable_hop_stops_at_the_nearest_address_a_trusted_proxy_vouched_for(settings, garbage):
    assert address([PROXY], settings, PROXY, xff=garbage) == PROXY
    assert address(["10.0.0.0/8"], settings, PROXY, xff=f"{garbage}, 10.9.9.9") == "10.9.9.9"


@pytest.mark.parametrize(
    ("hop", "client"),
    [
        ("198.51.100.1:51234", "198.51.100.1"),
        ("2001:db8::1", "2001:db8::1"),
        ("[2001:db8::1]:443", "2001:db8::1"),
        ("::ffff:198.51.100.1", "198.51.100.1"),
    ],
)
def test_ports_brackets_and_mapped_addresses_are_understood(settings, hop, client):
    assert address([PROXY], settings, PROXY, xff=hop) == client


def test_ipv6_proxies_are_matched_by_network(settings):
    assert address(["::1", "fd00::/8"], settings, "::1", xff="198.51.100.1, fd00::2") == "198.51.100.1"


def test_a_proxy_on_a_unix_socket_is_trusted_only_when_unix_is_listed(settings):
    assert address(["unix"], settings, "", xff="198.51.100.1") == "198.51.100.1"
    assert address([], settings, "", xff="198.51.100.1") is None
    assert address(["unix"], settings, None) is None
