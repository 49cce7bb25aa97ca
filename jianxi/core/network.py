"""The client's address, as far as the request can be believed (settings.TRUSTED_PROXIES).

Behind a reverse proxy every request arrives from the proxy's address; the client's is in
X-Forwarded-For, which anyone can also send themselves. So the header is read only when the peer
is a trusted proxy, and then from the right: each trusted proxy appends the address it saw, and
the first address from the right that is not a trusted proxy is the client. Login lockout
(django-axes' AXES_CLIENT_IP_CALLABLE), the quote rate limit and the audit of ID-number reveals
all take the address from here, so they agree and none can be fooled by a forged header.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

UNIX_SOCKET = "unix"  # in TRUSTED_PROXIES: a peer without an IP address (a proxy on a Unix socket)


def client_address(request: HttpRequest) -> str | None:
    """The client's IP address, or None when the request carries no usable one."""
    networks, unix_trusted = _trusted(tuple(settings.TRUSTED_PROXIES))
    peer = _parse(request.META.get("REMOTE_ADDR", ""))
    peer_trusted = _in(peer, networks) if peer is not None else unix_trusted
    if not peer_trusted:
        return str(peer) if peer is not None else None
    address = peer
    # Several X-Forwarded-For headers reach WSGI joined by commas, in order.
    for hop in reversed(request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")):
        ip = _parse(hop)
        if ip is None:
            break  # garbage or nothing: keep the nearest hop a trusted proxy vouched for
        address = ip
        if not _in(ip, networks):
            break
    return str(address) if address is not None else None


def _parse(raw: str) -> Address | None:
    """An address as proxies write it: bare, or with a port (``1.2.3.4:80``, ``[::1]:80``)."""
    text = raw.strip()
    if text.startswith("["):
        text = text[1:].partition("]")[0]
    elif text.count(":") == 1:
        text = text.partition(":")[0]
    try:
        ip = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def _in(ip: Address, networks: tuple[Network, ...]) -> bool:
    return any(ip.version == net.version and ip in net for net in networks)


@lru_cache(maxsize=8)
def _trusted(proxies: tuple[str, ...]) -> tuple[tuple[Network, ...], bool]:
    networks = tuple(ipaddress.ip_network(p, strict=False) for p in proxies if p != UNIX_SOCKET)
    return networks, UNIX_SOCKET in proxies
