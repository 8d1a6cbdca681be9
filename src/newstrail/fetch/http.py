"""Polite, safe HTTP fetching of feeds and article pages.

Polite: one ``User-Agent`` naming the project, robots.txt honoured, at most
``per_host_concurrency`` requests in flight per host and ``per_host_delay``
seconds between their starts (longer if robots.txt asks, or a 429/503 says
``Retry-After``), conditional GET, compression, retries with backoff.

Safe: only well-formed http(s) URLs, and no connection to private, loopback,
link-local, multicast, reserved or unspecified addresses unless
``allow_private``; the check runs inside the connection layer, so DNS
rebinding cannot slip past it (``fetch.addresses``). Proxies from the
environment are ignored for the same reason. Bodies are counted while they
stream (after decompression) and cut at ``max_body_bytes`` (``fetch.bodies``);
each request hop is bounded by ``total_timeout`` as well as httpx's
connect/read timeouts, so a server trickling one byte a second is cut off.
Per-host gates, Retry-After and backoff are in ``fetch.politeness``.

``Fetcher.fetch`` raises a ``FetchError`` subclass, or ``FetchStopped``, and
nothing else; they live in ``newstrail.fetch.errors`` (drawn in ``newstrail.errors``).
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import ssl
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx

from newstrail import __version__
from newstrail.fetch.addresses import AddressPolicy, check_url, guarded_transport
from newstrail.fetch.bodies import ACCEPT_ENCODING, drain_body, read_body
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
from newstrail.fetch.politeness import HostGate, backoff_delay, origin_of, retry_after_seconds
from newstrail.fetch.robots import (
    MAX_ROBOTS_BYTES,
    RobotsCache,
    rules_from_response,
    unreachable_rules,
)

DEFAULT_USER_AGENT = f"newstrail/{__version__} (+https://github.com/newstrail/newstrail)"

_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
# Statuses worth retrying: overload and transient upstream failures.
_RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_HOST_PAUSE = 3600.0  # a host that asks for longer is paused for an hour of this run


def _duration(seconds: float) -> str:
    """``seconds`` for people: "45 s", "3 h", "11574 days"."""
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 2 * 86400:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.0f} days"


# Gone pages are results, not errors: the watcher records the deletion.
_GONE_STATUSES = frozenset({404, 410})


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
    # Per-host exceptions from watched sources' own options: host names allowed
    # to be private, and a User-Agent (with a contact) to send to a host.
    private_hosts: tuple[str, ...] = ()
    user_agents: tuple[tuple[str, str], ...] = ()
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
        self._policy = AddressPolicy.parse(
            settings.allow_private, settings.allowed_networks, settings.private_hosts
        )
        self._user_agents = {host.lower(): agent for host, agent in settings.user_agents}
        self._ssl_context: ssl.SSLContext | None = None
        self._stopping = asyncio.Event()
        self._request_extensions: dict[str, Any] = {}
        self._gates: dict[str, HostGate] = {}
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
                asked = retry_after_seconds(response.headers.get("retry-after"))
                if asked is not None and asked > self.settings.backoff_max:
                    # Waiting a capped while and asking again would be refused
                    # again (a probe's 429 with Retry-After: 999999999 cost 94 s
                    # of retries): give up now, say when to come back, and keep
                    # the host paused for the rest of this run.
                    self._pause_host(response.url, min(asked, MAX_HOST_PAUSE))
                    raise HTTPStatusError(
                        f"{response.url}: HTTP {response.status}, the server asks to wait "
                        f"{_duration(asked)} (more than the {self.settings.backoff_max:.0f} s "
                        "newstrail waits); not retried",
                        url=url,
                        status=response.status,
                    )
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
                "User-Agent": self._user_agent(url),
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
                body = await read_body(response, url, max_bytes)
            else:
                await drain_body(response, url)
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

    def set_host_options(
        self, private_hosts: tuple[str, ...], user_agents: tuple[tuple[str, str], ...]
    ) -> None:
        """Replace the per-host exceptions (sources' allow_private and User-Agent); new
        connections follow them at once."""
        self._policy = AddressPolicy.parse(
            self.settings.allow_private, self.settings.allowed_networks, private_hosts
        )
        self._user_agents = {host.lower(): agent for host, agent in user_agents}

    def _user_agent(self, url: str) -> str:
        """The User-Agent for ``url``: its host's own, else the default."""
        if not self._user_agents:
            return self.settings.user_agent
        host = (urlsplit(url).hostname or "").lower()
        return self._user_agents.get(host, self.settings.user_agent)

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

    def _gate(self, url: str) -> HostGate:
        """The politeness gate of ``url``'s host."""
        key = origin_of(url)
        gate = self._gates.get(key)
        if gate is None:
            assert self._ssl_context is not None, "use Fetcher as an async context manager"
            concurrency = self.settings.per_host_concurrency
            transport = guarded_transport(lambda: self._policy, self._ssl_context, concurrency)
            gate = HostGate(concurrency, self.settings.per_host_delay, transport)
            self._gates[key] = gate
        return gate

    def _pause_host(self, url: str, seconds: float) -> None:
        """Hold every request to ``url``'s host for ``seconds`` (Retry-After, backoff)."""
        gate = self._gate(url)
        gate.paused_until = max(gate.paused_until, self._clock() + seconds)

    def _backoff(self, attempt: int, retry_after: str | None) -> float:
        """Seconds before retry ``attempt + 1`` (see ``politeness.backoff_delay``)."""
        return backoff_delay(
            attempt,
            retry_after,
            base=self.settings.backoff_base,
            cap=self.settings.backoff_max,
            randomness=self._random,
        )

    async def _check_robots(self, url: str) -> None:
        """Raise ``RobotsDisallowed`` if the origin's robots.txt forbids ``url``."""
        origin = origin_of(url)
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
            if rules.source.startswith("robots.txt unreachable"):
                # RFC 9309 says to crawl nothing then; say it was unreachable,
                # not that the site disallows the URL.
                raise RobotsDisallowed(f"{url}: not fetched: {rules.source}", url=url)
            raise RobotsDisallowed(f"{url}: disallowed by {rules.source}", url=url)
