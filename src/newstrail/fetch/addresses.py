"""What may be fetched: well-formed http(s) URLs, to public addresses only.

``check_url`` refuses a malformed URL before anything is resolved or sent.
The address guard refuses private, loopback, link-local, multicast, reserved
and unspecified addresses unless ``allow_private`` (or an ``allowed_networks``
entry) lets them through. It runs inside the connection layer
(``GuardedBackend``): the host is resolved once, every resolved address is
checked, and the socket is opened to the checked address, so a DNS answer that
changes between check and connect (DNS rebinding) cannot slip through, and
every redirect hop and every new connection is checked.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket
import ssl
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import httpcore
import httpx

from newstrail.fetch.errors import BlockedAddress, InvalidURL

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


# -- what can be fetched ------------------------------------------------------

# A host name: dot-separated labels of letters, digits, "-" (not at either end)
# and "_" (not in RFC 1123, but real sites use it and resolvers accept it).
_LABEL = r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?"
_HOST_NAME = re.compile(rf"{_LABEL}(?:\.{_LABEL})*\.?", re.IGNORECASE)


def check_url(url: str) -> None:
    """Raise ``InvalidURL`` unless ``url`` is http(s) with a well-formed host and port.

    httpx, idna and urllib each reject a malformed URL with their own exception
    (``httpx.InvalidURL`` for ``http://0177.0.0.1/``, ``idna.IDNAError`` for
    ``http://xn--.test/``, ``UnicodeError`` for an empty label), and httpx
    accepts some only for DNS to fail on them (``http://exa mple.com`` becomes
    host ``exa%20mple.com``). Checking once, before anything is sent or
    resolved, gives every one of them the same error and the same message.
    """
    try:
        parsed = httpx.URL(url)
        port = parsed.port
        # .host decodes IDNA labels (lazily, so a bad one raises only here).
        host, ascii_host = parsed.host, parsed.raw_host.decode("ascii")
    except (httpx.InvalidURL, UnicodeError, ValueError) as error:
        raise InvalidURL(f"{url}: malformed URL ({error})", url=url) from None
    if parsed.scheme not in ("http", "https"):
        raise InvalidURL(f"{url}: only http and https URLs can be fetched", url=url)
    if not host:
        raise InvalidURL(f"{url}: the URL has no host", url=url)
    if port is not None and not 0 < port < 65536:
        raise InvalidURL(f"{url}: port {port} is out of range", url=url)
    if len(ascii_host) > 253 or not (
        _is_ip_literal(ascii_host) or _HOST_NAME.fullmatch(ascii_host)
    ):
        raise InvalidURL(f"{url}: malformed host name {host!r}", url=url)


def _is_ip_literal(host: str) -> bool:
    """Whether ``host`` is an IPv4 or (bracket-less, maybe zoned) IPv6 address."""
    try:
        ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return False
    return True


# -- the address guard --------------------------------------------------------


@dataclass(frozen=True)
class AddressPolicy:
    """Which resolved addresses a connection may go to."""

    allow_private: bool = False
    allowed_networks: tuple[IPNetwork, ...] = ()
    # Host names a source was added for with allow_private: only these names may
    # resolve to private addresses; a redirect to any other private host is refused.
    private_hosts: frozenset[str] = frozenset()

    @classmethod
    def parse(
        cls, allow_private: bool, allowed_networks: Iterable[str], private_hosts: Iterable[str] = ()
    ) -> AddressPolicy:
        """The policy for ``FetchSettings``' values (networks as strings, e.g. "127.0.0.0/8")."""
        networks = tuple(ipaddress.ip_network(net, strict=False) for net in allowed_networks)
        return cls(allow_private, networks, frozenset(h.lower() for h in private_hosts))

    def check(self, host: str, address: str) -> None:
        """Raise ``BlockedAddress`` unless a connection to ``address`` (for ``host``) is allowed."""
        ip = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone id
        if self.allow_private or any(ip in network for network in self.allowed_networks):
            return
        if host.lower().strip("[]") in self.private_hosts:
            return
        reason = blocked_reason(ip)
        if reason is not None:
            shown = host if host == address else f"{host} ({address})"
            raise BlockedAddress(
                f"{shown}: refusing {reason} address (set allow_private to fetch it)"
            )


def blocked_reason(ip: IPAddress) -> str | None:
    """Why ``ip`` is not a public internet address, or None if it is."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # ::ffff:127.0.0.1 is 127.0.0.1
    checks = (
        ("loopback", ip.is_loopback),
        ("unspecified", ip.is_unspecified),
        ("link-local", ip.is_link_local),
        ("multicast", ip.is_multicast),
        ("private", ip.is_private),
        ("reserved", ip.is_reserved),
        # Shared address space (100.64/10), documentation and other ranges that
        # are none of the above but still not reachable on the public internet.
        ("non-global", not ip.is_global),
    )
    return next((name for name, hit in checks if hit), None)


async def resolve_checked(host: str, port: int, policy: AddressPolicy) -> list[str]:
    """Resolve ``host`` and check every address; raises ``BlockedAddress`` if any is refused.

    Refusing when *any* address is private (not just the first) stops a name
    that mixes a public and a private answer from reaching the private one.
    """
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        raise httpcore.ConnectError(f"cannot resolve {host}: {error.strerror}") from error
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    for address in addresses:
        policy.check(host, address)
    return addresses


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """httpcore's network backend, connecting only to addresses the policy allows."""

    def __init__(self, policy: AddressPolicy | Callable[[], AddressPolicy]) -> None:
        # A callable lets the fetcher widen its policy (a source added with
        # allow_private while a watcher runs) without rebuilding transports.
        self._policy = policy if callable(policy) else (lambda: policy)
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        """Resolve and check ``host``, then connect to the first reachable checked address."""
        addresses = await resolve_checked(host, port, self._policy())
        last_error: Exception | None = None
        for address in addresses:
            try:
                # TLS still verifies and sends SNI for the *host name*: httpcore
                # passes the origin's host to start_tls, not this address.
                return await self._inner.connect_tcp(
                    address, port, timeout, local_address, socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as error:
                last_error = error
        assert last_error is not None
        raise last_error

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        """Unix sockets are never used for fetching."""
        raise httpcore.ConnectError("unix sockets are not allowed")

    async def sleep(self, seconds: float) -> None:
        """Sleep (used by httpcore's connection retries)."""
        await self._inner.sleep(seconds)


def guarded_transport(
    policy: AddressPolicy | Callable[[], AddressPolicy],
    ssl_context: ssl.SSLContext,
    connections: int,
) -> httpx.AsyncHTTPTransport:
    """An httpx transport whose connections go through ``GuardedBackend``.

    The fetcher builds one per host, holding at most that host's concurrency
    in connections: httpcore's pool looks at every one of its connections for
    each request, so its cost per request grows with the connections it holds
    (a 304 cost 0.94 ms CPU with 4 in the pool, 1.73 ms with 16; bench/watch.py),
    and one pool shared by every host of a pass would hold them all.
    """
    transport = httpx.AsyncHTTPTransport(verify=ssl_context, trust_env=False)
    # httpx 0.28 has no public way to choose httpcore's network backend, so we
    # replace the pool it built with the same one on our backend. The
    # alternative, a hook that checks the host before the request, leaves the
    # rebinding window between that lookup and httpcore's own lookup open.
    transport._pool = httpcore.AsyncConnectionPool(
        ssl_context=ssl_context,
        max_connections=connections,
        max_keepalive_connections=connections,
        keepalive_expiry=5.0,
        network_backend=GuardedBackend(policy),
    )
    return transport
