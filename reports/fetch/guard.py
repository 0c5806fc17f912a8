"""Fetching only from public addresses: no server-side request forgery into the operator's
network (the database, Redis, a cloud metadata service, the router).

A URL's host is resolved and every address it has must be public; the connection is then
made to one of those checked addresses, never to a second lookup of the name, so a host
that answers a public address to the check and 127.0.0.1 to the connect (DNS rebinding)
gets nowhere. Each redirect is a new request through the same adapter, so it is checked
too. TIDEMARK_FETCH_ALLOW_PRIVATE=true turns the check off; TIDEMARK_FETCH_ALLOWED_HOSTS
names hosts that may be private (an in-house mirror).
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

import requests
from django.conf import settings
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError
from urllib3.util.connection import create_connection

from reports.fetch import FetchError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class BlockedAddress(FetchError):
    """A URL whose host is (or resolves to) an address Tidemark does not fetch from."""

    def __init__(self, message: str, *, url: str) -> None:
        super().__init__(message)
        self.url = url


def address_kind(ip: IPAddress) -> str | None:
    """Why an address is not public ("loopback", "private", ...), or None for a public one."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return address_kind(ip.ipv4_mapped)
    # Most specific first: Python counts link-local, reserved and 0.0.0.0/8 as private too.
    for kind in ("unspecified", "loopback", "link_local", "multicast", "reserved", "private"):
        if getattr(ip, f"is_{kind}"):
            return kind.replace("_", "-")
    if not ip.is_global:  # shared address space (100.64/10), documentation and other special ranges
        return "non-public"
    return None


def _private_allowed(host: str) -> bool:
    if settings.TIDEMARK_FETCH_ALLOW_PRIVATE:
        return True
    return host.lower().rstrip(".") in {h.lower().rstrip(".") for h in settings.TIDEMARK_FETCH_ALLOWED_HOSTS}


def checked_addresses(host: str, port: int, *, url: str = "") -> list[str]:
    """The addresses of `host`, once every one of them is public (or private ones are allowed).
    Raises BlockedAddress naming the address, or FetchError when the name does not resolve."""
    url = url or host
    name = host.strip("[]")
    try:
        infos = socket.getaddrinfo(name, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchError(f"{url} could not be reached (host {host} does not resolve: {exc})", transient=True) from None
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    if _private_allowed(name):
        return addresses
    for address in addresses:
        kind = address_kind(ipaddress.ip_address(address.split("%")[0]))
        if kind:
            shown = host if host.strip("[]") == address else f"{host} ({address})"
            raise BlockedAddress(
                f"{url} was not fetched: {shown} is a {kind} address, and Tidemark fetches only from public "
                "addresses (set TIDEMARK_FETCH_ALLOW_PRIVATE=true, or list the host in "
                "TIDEMARK_FETCH_ALLOWED_HOSTS, to allow it)",
                url=url,
            )
    return addresses


class _PinnedConnectionMixin:
    """Connects to an address checked by checked_addresses, resolved once for this
    connection; the Host header and TLS verification still use the name."""

    def _new_conn(self) -> socket.socket:
        last: Exception | None = None
        for address in checked_addresses(self._dns_host, self.port):
            try:
                return create_connection((address, self.port), self.timeout, source_address=self.source_address,
                                         socket_options=self.socket_options)
            except TimeoutError:
                last = ConnectTimeoutError(self, f"Connection to {self.host} timed out. "
                                                 f"(connect timeout={self.timeout})")
            except OSError as exc:
                last = NewConnectionError(self, f"Failed to establish a new connection: {exc}")
        raise last or NewConnectionError(self, f"{self.host} has no address")


class _PinnedHTTPConnection(_PinnedConnectionMixin, HTTPConnection):
    pass


class _PinnedHTTPSConnection(_PinnedConnectionMixin, HTTPSConnection):
    pass


class _PinnedHTTPConnectionPool(HTTPConnectionPool):
    ConnectionCls = _PinnedHTTPConnection


class _PinnedHTTPSConnectionPool(HTTPSConnectionPool):
    ConnectionCls = _PinnedHTTPSConnection


class PublicOnlyAdapter(HTTPAdapter):
    """Checks the host of every request it sends (the first and each redirect) and pins
    direct connections to the checked addresses. (Through a configured proxy, the proxy
    connects; the check of the name still applies.)"""

    def init_poolmanager(self, *args, **kwargs) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _PinnedHTTPConnectionPool,
                                                   "https": _PinnedHTTPSConnectionPool}

    def send(self, request: requests.PreparedRequest, *args, **kwargs) -> requests.Response:
        parts = urlsplit(request.url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        checked_addresses(parts.hostname or "", port, url=request.url)
        return super().send(request, *args, **kwargs)


def public_session() -> requests.Session:
    """A requests session that fetches only from public addresses, unless configured."""
    session = requests.Session()
    adapter = PublicOnlyAdapter()
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session
