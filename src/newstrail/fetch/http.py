"""Polite, safe HTTP fetching of feeds and article pages.

Polite: one ``User-Agent`` naming the project, robots.txt honoured, at most
``per_host_concurrency`` requests in flight per host and ``per_host_delay``
seconds between their starts (longer if robots.txt asks, or a 429/503 says
``Retry-After``), conditional GET, compression, retries with backoff.

Safe: no connection to private, loopback, link-local, multicast, reserved or
unspecified addresses unless ``allow_private``. The check runs inside the
connection layer (``GuardedBackend``): the host is resolved once, every
resolved address is checked, and the socket is opened to the checked address,
so a DNS answer that changes between check and connect (DNS rebinding) cannot
slip through, and every redirect hop and every new connection is checked.
Proxies from the environment are ignored for the same reason. Bodies are
counted while they stream (after decompression) and cut at ``max_body_bytes``;
each request hop is bounded by ``total_timeout`` as well as httpx's
connect/read timeouts, so a server trickling one byte a second is cut off.

``Fetcher.fetch`` raises a ``FetchError`` subclass, or ``FetchStopped``, and
nothing else; they live in ``newstrail.fetch.errors`` (drawn in ``newstrail.errors``).
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import random
import re
import socket
import ssl
import time
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from importlib.util import find_spec
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpcore
import httpx

from newstrail import __version__
from newstrail.fetch.errors import (
    BlockedAddress,
    FetchError,
    FetchStopped,
    FetchTimeout,
    HTTPStatusError,
    InvalidURL,
    NetworkError,
    RedirectLoop,
    RobotsDisallowed,
    TooLarge,
    TooManyRedirects,
)
from newstrail.fetch.robots import (
    MAX_ROBOTS_BYTES,
    RobotsCache,
    rules_from_response,
    unreachable_rules,
)

DEFAULT_USER_AGENT = f"newstrail/{__version__} (+https://github.com/newstrail/newstrail)"

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
# Statuses worth retrying: overload and transient upstream failures.
_RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
# Gone pages are results, not errors: the watcher records the deletion.
_GONE_STATUSES = frozenset({404, 410})


def _accept_encoding() -> str:
    """The encodings httpx decodes on this machine (what an httpx.Client would send)."""
    optional = {"br": ("brotli", "brotlicffi"), "zstd": ("zstandard",)}
    available = [name for name, modules in optional.items() if any(find_spec(m) for m in modules)]
    return ", ".join(["gzip", "deflate", *available])


ACCEPT_ENCODING = _accept_encoding()
# Most of a 304's or redirect's body read to keep its connection alive.
MAX_DRAINED_BYTES = 64 * 1024


@dataclass(frozen=True)
class FetchSettings:
    """How to fetch: identity, limits, timeouts, retries and politeness.

    Times are in seconds. ``total_timeout`` bounds each request hop from
    connect to the last body byte (waiting for a host's politeness slot is not
    counted, so a long queue for one host does not time out). ``retries`` is
    the number of extra attempts after a 429/5xx or a connection failure;
    timeouts are not retried (a server that stalled once usually stalls again).
    ``per_host_delay`` separates request starts to one host; a robots.txt
    ``Crawl-delay`` raises it (capped at ``backoff_max``). ``robots_ttl`` is how
    long a host's robots.txt is trusted.
    """

    user_agent: str = DEFAULT_USER_AGENT
    connect_timeout: float = 10
    read_timeout: float = 20
    total_timeout: float = 60
    max_body_bytes: int = 20_000_000
    max_redirects: int = 5
    retries: int = 3
    backoff_base: float = 0.5
    backoff_max: float = 30
    per_host_concurrency: int = 2
    per_host_delay: float = 1.0
    respect_robots: bool = True
    allow_private: bool = False
    # Networks exempt from the address guard even without allow_private (an
    # intranet mirror; tests that let only 127.0.0.0/8 through).
    allowed_networks: tuple[str, ...] = ()
    robots_ttl: float = 3600.0


@dataclass(frozen=True)
class FetchResult:
    """One fetched URL: the final response after redirects.

    ``redirects`` lists the URLs that answered with a redirect, in order
    (``url`` first); ``final_url`` is the one that answered last. ``charset``
    is the charset the server declared (decode with
    ``newstrail.text.encoding.decode_html``). A 304 gives ``not_modified=True`` and
    an empty body.
    """

    url: str
    final_url: str
    status: int
    headers: dict[str, str]
    body: bytes
    charset: str | None
    etag: str | None
    last_modified: str | None
    not_modified: bool
    fetched_at: datetime
    elapsed: float
    redirects: tuple[str, ...]


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

    @classmethod
    def from_settings(cls, settings: FetchSettings) -> AddressPolicy:
        """The policy ``settings`` describe."""
        networks = tuple(
            ipaddress.ip_network(net, strict=False) for net in settings.allowed_networks
        )
        return cls(settings.allow_private, networks)

    def check(self, host: str, address: str) -> None:
        """Raise ``BlockedAddress`` unless a connection to ``address`` (for ``host``) is allowed."""
        ip = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone id
        if self.allow_private or any(ip in network for network in self.allowed_networks):
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

    def __init__(self, policy: AddressPolicy) -> None:
        self._policy = policy
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
        addresses = await resolve_checked(host, port, self._policy)
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
    policy: AddressPolicy, ssl_context: ssl.SSLContext, connections: int
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


# -- politeness ---------------------------------------------------------------


@dataclass
class _HostGate:
    """Concurrency slots and request spacing for one host."""

    concurrency: int
    delay: float
    transport: httpx.AsyncHTTPTransport
    semaphore: asyncio.Semaphore = field(init=False)
    spacing: asyncio.Lock = field(default_factory=asyncio.Lock)
    robots_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    last_start: float = float("-inf")
    paused_until: float = float("-inf")

    def __post_init__(self) -> None:
        self.semaphore = asyncio.Semaphore(self.concurrency)


@dataclass(frozen=True)
class _Response:
    """One response as the fetcher keeps it."""

    url: str
    status: int
    headers: httpx.Headers
    body: bytes
    charset: str | None


class Fetcher:
    """Fetches URLs politely and safely; use as ``async with Fetcher(settings) as fetcher``.

    Args:
        settings: limits, timeouts and politeness.
        clock: monotonic seconds, for per-host spacing, robots.txt expiry and
            ``FetchResult.elapsed`` (tests pass a fake clock).
    """

    def __init__(
        self, settings: FetchSettings, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.settings = settings
        self._clock = clock
        self._policy = AddressPolicy.from_settings(settings)
        self._ssl_context: ssl.SSLContext | None = None
        self._stopping = asyncio.Event()
        self._request_extensions: dict[str, Any] = {}
        self._gates: dict[str, _HostGate] = {}
        self._robots = RobotsCache()
        self._random = random.Random()

    async def __aenter__(self) -> Fetcher:
        timeout = httpx.Timeout(
            connect=self.settings.connect_timeout,
            read=self.settings.read_timeout,
            write=self.settings.read_timeout,
            pool=self.settings.total_timeout,
        )
        # Requests go straight to the transport, not through an httpx.Client:
        # the client's per-request work (URL merging, cookies, auth, event hooks,
        # redirects — none of which we use; redirects are followed by _follow)
        # was 0.23 of the 0.97 ms CPU a 304 cost (bench/watch.py's unchanged pass).
        self._request_extensions = {"timeout": timeout.as_dict()}
        # Built once and shared by every host's transport: ~0.1 s each.
        self._ssl_context = httpx.create_ssl_context(trust_env=False)
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        gates, self._gates = self._gates, {}
        for gate in gates.values():
            await gate.transport.aclose()
        self._ssl_context = None

    async def fetch(
        self, url: str, etag: str | None = None, last_modified: str | None = None
    ) -> FetchResult:
        """Fetch ``url``, following redirects and retrying transient failures.

        Args:
            url: an absolute http(s) URL.
            etag: the ETag of the copy we have, sent as ``If-None-Match``.
            last_modified: its Last-Modified, sent as ``If-Modified-Since``.

        Returns:
            The final response; 304 gives ``not_modified=True``, and 404/410
            are returned (not raised) so the caller can record the deletion.

        Raises:
            FetchError: one of its subclasses (see the module docstring).
        """
        started = self._clock()
        headers: dict[str, str] = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        attempt = 0
        while True:
            try:
                response, redirects = await self._follow(url, headers, self.settings.max_body_bytes)
            except NetworkError:
                if attempt >= self.settings.retries:
                    raise
                await self._pause(self._backoff(attempt, None), url)
                attempt += 1
                continue
            if response.status in _RETRY_STATUSES and attempt < self.settings.retries:
                delay = self._backoff(attempt, response.headers.get("retry-after"))
                self._pause_host(response.url, delay)
                await self._pause(delay, url)
                attempt += 1
                continue
            break
        status = response.status
        if status >= 400 and status not in _GONE_STATUSES:
            tries = f" after {attempt + 1} attempts" if attempt else ""
            raise HTTPStatusError(f"{response.url}: HTTP {status}{tries}", url=url, status=status)
        not_modified = status == 304
        return FetchResult(
            url=url,
            final_url=response.url,
            status=status,
            headers={name.lower(): value for name, value in response.headers.items()},
            body=b"" if not_modified else response.body,
            charset=response.charset,
            etag=response.headers.get("etag") or (etag if not_modified else None),
            last_modified=response.headers.get("last-modified")
            or (last_modified if not_modified else None),
            not_modified=not_modified,
            fetched_at=datetime.now(UTC),
            elapsed=self._clock() - started,
            redirects=tuple(redirects),
        )

    async def _follow(
        self, url: str, headers: dict[str, str], max_bytes: int, *, check_robots: bool = True
    ) -> tuple[_Response, list[str]]:
        """GET ``url``, following up to ``max_redirects`` redirects by hand."""
        visited = [url]
        current = url
        while True:
            try:
                check_url(current)
            except InvalidURL as error:
                if current == url:
                    raise
                raise InvalidURL(f"{url}: redirected to {error}", url=url) from None
            response = await self._get(current, headers, max_bytes, check_robots=check_robots)
            location = response.headers.get("location")
            if response.status not in _REDIRECT_STATUSES or not location:
                return response, visited[:-1]
            target = urljoin(current, location.strip()).split("#", 1)[0]
            if target in visited:
                chain = " → ".join([*visited, target])
                raise RedirectLoop(f"{url}: redirect loop ({chain})", url=url)
            if len(visited) > self.settings.max_redirects:
                raise TooManyRedirects(
                    f"{url}: more than {self.settings.max_redirects} redirects (last {target})",
                    url=url,
                )
            visited.append(target)
            current = target

    async def _get(
        self, url: str, headers: dict[str, str], max_bytes: int, *, check_robots: bool
    ) -> _Response:
        """One polite GET, body read with size and total-time limits."""
        if check_robots and self.settings.respect_robots:
            await self._check_robots(url)
        total = self.settings.total_timeout
        async with self._host_slot(url):
            try:
                async with asyncio.timeout(total):
                    return await self._read(url, headers, max_bytes)
            except TimeoutError:
                raise FetchTimeout(
                    f"{url}: no complete response within {total:g}s", url=url
                ) from None
            except httpx.TimeoutException as error:
                kind = type(error).__name__.replace("Timeout", "").lower() or "request"
                raise FetchTimeout(f"{url}: {kind} timeout", url=url) from None
            except BlockedAddress as error:
                if error.url:
                    raise
                raise BlockedAddress(f"{url}: {error}", url=url) from None
            except httpx.DecodingError as error:
                raise NetworkError(f"{url}: undecodable body ({error})", url=url) from None
            except httpx.TransportError as error:
                detail = str(error) or type(error).__name__
                raise NetworkError(f"{url}: {detail}", url=url) from None

    async def _read(self, url: str, headers: dict[str, str], max_bytes: int) -> _Response:
        """Send the request and stream the decoded body, stopping at ``max_bytes``."""
        request = httpx.Request(
            "GET",
            url,
            headers={
                "User-Agent": self.settings.user_agent,
                "Accept": "*/*",
                "Accept-Encoding": ACCEPT_ENCODING,
                **headers,
            },
            extensions=self._request_extensions,
        )
        response = await self._gate(url).transport.handle_async_request(request)
        response.request = request
        try:
            body = b""
            if response.status_code not in _REDIRECT_STATUSES | {304}:
                body = await _read_limited(response, url, max_bytes)
            else:
                await _drain(response, url)
        finally:
            await response.aclose()
        return _Response(
            url, response.status_code, response.headers, body, response.charset_encoding
        )

    @contextlib.asynccontextmanager
    async def _host_slot(self, url: str) -> AsyncIterator[None]:
        """Hold one of the host's concurrency slots, starting after the host's delay."""
        gate = self._gate(url)
        async with gate.semaphore:
            async with gate.spacing:
                wait = max(gate.last_start + gate.delay, gate.paused_until) - self._clock()
                if wait > 0:
                    await self._pause(wait, url)
                elif self._stopping.is_set():
                    raise FetchStopped(url)
                gate.last_start = self._clock()
            yield

    @property
    def stopped(self) -> bool:
        """Whether ``stop`` was called."""
        return self._stopping.is_set()

    def stop(self) -> None:
        """Send nothing more: requests waiting for their turn (or a retry) raise
        ``FetchStopped``; requests already sent finish normally."""
        self._stopping.set()

    async def _pause(self, seconds: float, url: str) -> None:
        """Sleep ``seconds``, unless the fetcher is stopped meanwhile (``FetchStopped``)."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), timeout=seconds)
        if self._stopping.is_set():
            raise FetchStopped(url)

    def _gate(self, url: str) -> _HostGate:
        """The politeness gate of ``url``'s host."""
        key = _origin(url)
        gate = self._gates.get(key)
        if gate is None:
            assert self._ssl_context is not None, "use Fetcher as an async context manager"
            concurrency = self.settings.per_host_concurrency
            transport = guarded_transport(self._policy, self._ssl_context, concurrency)
            gate = _HostGate(concurrency, self.settings.per_host_delay, transport)
            self._gates[key] = gate
        return gate

    def _pause_host(self, url: str, seconds: float) -> None:
        """Hold every request to ``url``'s host for ``seconds`` (Retry-After, backoff)."""
        gate = self._gate(url)
        gate.paused_until = max(gate.paused_until, self._clock() + seconds)

    def _backoff(self, attempt: int, retry_after: str | None) -> float:
        """Seconds before retry ``attempt + 1``: Retry-After if given, else jittered exponential."""
        cap = self.settings.backoff_max
        requested = _retry_after_seconds(retry_after)
        if requested is not None:
            # Honoured but capped: a server asking for an hour must not stall a
            # watch pass; the article is simply retried on its next schedule.
            return min(requested, cap)
        exponential = min(cap, self.settings.backoff_base * 2.0**attempt)
        # "Equal jitter": half fixed, half random, so synchronised clients spread
        # out without any retry coming back immediately.
        return exponential / 2 + self._random.uniform(0, exponential / 2)

    async def _check_robots(self, url: str) -> None:
        """Raise ``RobotsDisallowed`` if the origin's robots.txt forbids ``url``."""
        origin = _origin(url)
        gate = self._gate(url)
        async with gate.robots_lock:  # one robots.txt download per origin at a time
            rules = self._robots.get(origin, self._clock())
            if rules is None:
                robots_url = origin + "/robots.txt"
                try:
                    response, _ = await self._follow(
                        robots_url, {}, MAX_ROBOTS_BYTES, check_robots=False
                    )
                    rules = rules_from_response(
                        response.status, response.body, self._clock(), self.settings.robots_ttl
                    )
                except TooLarge:
                    rules = unreachable_rules("too large", self._clock())
                except BlockedAddress as error:
                    reason = str(error).removeprefix(f"{error.url}: ")
                    raise BlockedAddress(f"{url}: {reason}", url=url) from None
                except FetchError as error:
                    # The reason, not just the class: "NetworkError" alone hid that
                    # the host refused the connection (the page would fail too).
                    reason = str(error).removeprefix(f"{robots_url}: ")
                    rules = unreachable_rules(f"{type(error).__name__}: {reason}", self._clock())
                self._robots.put(origin, rules)
                delay = rules.crawl_delay(self.settings.user_agent)
                if delay is not None:
                    gate.delay = max(gate.delay, min(delay, self.settings.backoff_max))
        if not rules.allows(self.settings.user_agent, url):
            raise RobotsDisallowed(f"{url}: disallowed by {rules.source}", url=url)


async def _read_limited(response: httpx.Response, url: str, max_bytes: int) -> bytes:
    """The decoded body, raising ``TooLarge`` as soon as it passes ``max_bytes``.

    Counting *decoded* bytes is the decompression-bomb guard. httpx decodes one
    network read (at most 64 KiB) at a time, so the most we hold beyond the
    limit is one chunk's expansion (deflate's ratio is at most ~1:1032, so
    ~66 MB in the worst case) before we stop.
    """
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise TooLarge(f"{url}: body of {int(declared)} bytes exceeds {max_bytes}", url=url)
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > max_bytes:
            raise TooLarge(f"{url}: body exceeds {max_bytes} bytes", url=url)
        chunks.append(chunk)
    return b"".join(chunks)


async def _drain(response: httpx.Response, url: str) -> None:
    """Read and drop a 304's or redirect's (short) body so the connection is reused.

    A response closed unread makes httpcore drop its connection: every 304 of
    a watch pass then paid a new TCP connection (bench/watch.py: 532 → 1,110
    sequential 304s/s once drained). A redirect with a long body is not worth
    reading; that connection is simply closed.
    """
    with contextlib.suppress(TooLarge):
        await _read_limited(response, url, MAX_DRAINED_BYTES)


def _retry_after_seconds(value: str | None) -> float | None:
    """Seconds asked for by a ``Retry-After`` header (delta-seconds or HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, float((when - datetime.now(UTC)).total_seconds()))


def _origin(url: str) -> str:
    """``scheme://host[:port]`` of ``url``, lower-cased (the unit of politeness and robots)."""
    parts = urlsplit(url)
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}"
