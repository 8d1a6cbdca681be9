"""The fetcher against real servers on 127.0.0.1: politeness, limits, guards, retries."""

from __future__ import annotations

import asyncio
import ipaddress
import itertools
import socket
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, TypeVar

import pytest

from newstrail.demo.fixture_site import FixtureSite
from newstrail.fetch.addresses import AddressPolicy, resolve_checked
from newstrail.fetch.errors import (
    BlockedAddress,
    FetchError,
    FetchTimeout,
    HTTPStatusError,
    InvalidURL,
    RedirectLoop,
    RobotsDisallowed,
    TooLarge,
    TooManyRedirects,
)
from newstrail.fetch.http import DEFAULT_USER_AGENT, Fetcher, FetchResult, FetchSettings
from newstrail.text.encoding import decode_html
from servers import fast_settings, running_site

T = TypeVar("T")
ARTICLE = "/republic/news/xi-tells-putin-ties-cannot-be-divided"


@pytest.fixture(scope="module")
def site() -> Iterator[FixtureSite]:
    with running_site() as running:
        yield running


def run(settings: FetchSettings, work: Callable[[Fetcher], Awaitable[T]]) -> T:
    """Run ``work`` with a fresh fetcher."""

    async def main() -> T:
        async with Fetcher(settings) as fetcher:
            return await work(fetcher)

    return asyncio.run(main())


def fetch_one(settings: FetchSettings, url: str, **validators: str | None) -> FetchResult:
    """Fetch one URL with a fresh fetcher."""
    return run(settings, lambda fetcher: fetcher.fetch(url, **validators))


# -- ordinary fetching ------------------------------------------------------------


def test_fetch_returns_body_charset_validators_and_sends_user_agent(site: FixtureSite) -> None:
    result = fetch_one(fast_settings(), site.base_url + ARTICLE)
    assert result.status == 200
    assert result.final_url == result.url == site.base_url + ARTICLE
    assert b"<h1>" in result.body and result.charset == "utf-8"
    assert result.etag and result.last_modified and not result.not_modified
    assert result.headers["content-type"].startswith("text/html")
    assert result.redirects == ()
    agents = {record.user_agent for record in site.requests_for(ARTICLE)}
    assert agents == {DEFAULT_USER_AGENT}
    assert DEFAULT_USER_AGENT.startswith("newstrail/") and "(+https://" in DEFAULT_USER_AGENT


def test_conditional_get_gives_not_modified(site: FixtureSite) -> None:
    url = site.base_url + ARTICLE
    first = fetch_one(fast_settings(), url)
    by_etag = fetch_one(fast_settings(), url, etag=first.etag)
    assert by_etag.status == 304 and by_etag.not_modified and by_etag.body == b""
    assert by_etag.etag == first.etag
    by_date = fetch_one(fast_settings(), url, last_modified=first.last_modified)
    assert by_date.not_modified and by_date.last_modified == first.last_modified
    stale = fetch_one(fast_settings(), url, etag='"not-the-current-etag"')
    assert stale.status == 200 and stale.body == first.body


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "br"])
def test_compressed_bodies_are_decoded(site: FixtureSite, encoding: str) -> None:
    if encoding == "br":
        pytest.importorskip("brotli")
    result = fetch_one(fast_settings(), f"{site.base_url}/_hostile/compressed?encoding={encoding}")
    assert result.body.count(b"<p>Compressed news paragraph.</p>") == 200


def test_gone_pages_are_results_and_other_errors_raise(site: FixtureSite) -> None:
    gone = fetch_one(fast_settings(), site.base_url + "/_hostile/status?n=410")
    assert gone.status == 410
    missing = fetch_one(fast_settings(), site.base_url + "/no/such/page")
    assert missing.status == 404
    with pytest.raises(HTTPStatusError) as raised:
        fetch_one(fast_settings(retries=0), site.base_url + "/_hostile/status?n=403")
    assert raised.value.status == 403


def test_redirects_are_followed_and_recorded(site: FixtureSite) -> None:
    start = site.base_url + "/_hostile/chain?n=2"
    result = fetch_one(fast_settings(), start)
    assert result.final_url == site.base_url + "/republic/rss.xml"
    assert result.redirects == (
        start,
        site.base_url + "/_hostile/chain?n=1",
        site.base_url + "/_hostile/chain?n=0",
    )


def test_304s_and_redirects_keep_the_connection_alive(site: FixtureSite) -> None:
    url = site.base_url + ARTICLE
    chain = site.base_url + "/_hostile/chain?n=2"

    async def work(fetcher: Fetcher) -> list[FetchResult]:
        first = await fetcher.fetch(url)
        again = [await fetcher.fetch(url, etag=first.etag) for _ in range(5)]
        return [first, *again, await fetcher.fetch(chain)]

    before = len(site.requests)
    results = run(fast_settings(respect_robots=False), work)
    assert [r.status for r in results[:6]] == [200] + [304] * 5
    assert results[6].final_url.endswith("/republic/rss.xml")
    received = list(site.requests)[before:]
    ports = {record.client_port for record in received}
    # Ten requests (six to the article, three redirect hops and the feed):
    # an unread 304 or redirect body would have cost a connection each.
    assert len(received) == 10 and len(ports) == 1


# -- politeness -------------------------------------------------------------------


def test_per_host_delay_spaces_requests_on_the_server_side(site: FixtureSite) -> None:
    delay = 0.25
    paths = [f"/_hostile/status?n=404&spacing={index}" for index in range(4)]

    async def fetch_all(fetcher: Fetcher) -> list[FetchResult]:
        return await asyncio.gather(*(fetcher.fetch(site.base_url + path) for path in paths))

    run(fast_settings(per_host_delay=delay, per_host_concurrency=4), fetch_all)
    arrivals = sorted(record.at for path in paths for record in site.requests_for(path))
    assert len(arrivals) == 4
    gaps = [later - earlier for earlier, later in itertools.pairwise(arrivals)]
    assert min(gaps) >= delay * 0.8, gaps  # generous tolerance for scheduling jitter


def test_per_host_concurrency_is_bounded() -> None:
    with running_site() as site:
        urls = [f"{site.base_url}/_hostile/slow?seconds=0.3&i={index}" for index in range(5)]

        async def fetch_all(fetcher: Fetcher) -> list[FetchResult]:
            return await asyncio.gather(*(fetcher.fetch(url) for url in urls))

        results = run(fast_settings(per_host_concurrency=2), fetch_all)
        assert [result.status for result in results] == [200] * 5
        assert site.max_in_flight == 2


def test_robots_txt_is_honoured_and_cached(site: FixtureSite) -> None:
    before = len(site.requests_for("/robots.txt"))
    private = site.base_url + "/republic/private/memo"

    async def work(fetcher: Fetcher) -> FetchResult:
        with pytest.raises(RobotsDisallowed, match=r"disallowed by robots\.txt"):
            await fetcher.fetch(private)
        return await fetcher.fetch(site.base_url + ARTICLE)

    assert run(fast_settings(), work).status == 200
    assert site.requests_for("/republic/private/memo") == []
    assert len(site.requests_for("/robots.txt")) == before + 1  # one download for both fetches
    ignoring = fetch_one(fast_settings(respect_robots=False), private)
    assert ignoring.status == 200


def test_robots_rules_for_another_agent_and_expiry(site: FixtureSite) -> None:
    with pytest.raises(RobotsDisallowed):
        fetch_one(fast_settings(user_agent="badbot/1.0"), site.base_url + ARTICLE)
    now = [1000.0]
    settings = fast_settings(robots_ttl=60.0)

    async def work() -> None:
        async with Fetcher(settings, clock=lambda: now[0]) as fetcher:
            await fetcher.fetch(site.base_url + ARTICLE)
            await fetcher.fetch(site.base_url + ARTICLE)
            now[0] += 61.0
            await fetcher.fetch(site.base_url + ARTICLE)

    before = len(site.requests_for("/robots.txt"))
    asyncio.run(work())
    assert len(site.requests_for("/robots.txt")) == before + 2  # refetched after the TTL


# -- retries ----------------------------------------------------------------------


def test_retries_on_503_then_succeeds(site: FixtureSite) -> None:
    path = "/_hostile/flaky?key=retry-ok&n=2"
    result = fetch_one(fast_settings(retries=3), site.base_url + path)
    assert result.status == 200 and b"Back again" in result.body
    assert len(site.requests_for(path)) == 3


def test_retries_exhausted_raise_with_status(site: FixtureSite) -> None:
    path = "/_hostile/flaky?key=retry-fail&n=5"
    with pytest.raises(HTTPStatusError, match="HTTP 503 after 2 attempts") as raised:
        fetch_one(fast_settings(retries=1), site.base_url + path)
    assert raised.value.status == 503
    assert len(site.requests_for(path)) == 2


def test_retry_after_is_honoured(site: FixtureSite) -> None:
    path = "/_hostile/retry-after?key=honour&n=1&after=1"
    result = fetch_one(fast_settings(backoff_max=5.0), site.base_url + path)
    assert result.status == 200
    first, second = (record.at for record in site.requests_for(path))
    assert second - first >= 0.9  # the server asked for 1 s; our own backoff would be ~0.01 s


def test_a_retry_after_beyond_the_cap_is_not_retried(site: FixtureSite) -> None:
    """Asking again after the cap would ignore what the server asked: fail at once instead."""
    path = "/_hostile/retry-after?key=capped&n=1&after=3600"
    with pytest.raises(HTTPStatusError, match=r"HTTP 429, the server asks to wait 1\.0 h"):
        fetch_one(fast_settings(backoff_max=0.2), site.base_url + path)
    assert len(site.requests_for(path)) == 1  # no second request within the hour asked for


# -- hostile servers ------------------------------------------------------------------


HOSTILE = [
    ("/_hostile/endless", TooLarge),
    ("/_hostile/trickle", FetchTimeout),
    ("/_hostile/loop-a", RedirectLoop),
    ("/_hostile/chain?n=20", TooManyRedirects),
    ("/_hostile/gzip-bomb", TooLarge),
]


def test_each_hostile_endpoint_gives_its_error_and_the_fetcher_goes_on(site: FixtureSite) -> None:
    # The total timeout cuts the trickle; it is loose enough for a busy machine
    # to build and inflate the gzip bomb within it.
    settings = fast_settings(total_timeout=2.5, read_timeout=5.0, max_redirects=3)

    async def work(fetcher: Fetcher) -> list[tuple[str, FetchError]]:
        failures = []
        for path, expected in HOSTILE:
            with pytest.raises(expected) as raised:
                await fetcher.fetch(site.base_url + path)
            failures.append((path, raised.value))
        after = await fetcher.fetch(site.base_url + "/republic/rss.xml")
        assert after.status == 200
        return failures

    for path, error in run(settings, work):
        message = str(error)
        assert message.startswith(site.base_url + path.split("?")[0]) and "\n" not in message


def test_trickle_is_cut_by_the_total_timeout_not_the_read_timeout(site: FixtureSite) -> None:
    with pytest.raises(FetchTimeout, match=r"within 1\.5s"):
        fetch_one(
            fast_settings(total_timeout=1.5, read_timeout=10.0), site.base_url + "/_hostile/trickle"
        )


def test_declared_length_over_the_limit_is_refused_before_reading(site: FixtureSite) -> None:
    with pytest.raises(TooLarge, match="body of"):
        fetch_one(fast_settings(max_body_bytes=1000), site.base_url + ARTICLE)


def test_broken_encoding_returns_raw_bytes_and_declared_charset(site: FixtureSite) -> None:
    result = fetch_one(fast_settings(), site.base_url + "/_hostile/broken-encoding")
    assert b"caf\xe9" in result.body and result.charset == "utf-8"
    text = decode_html(result.body, result.charset)
    assert "minister said" in text


# -- the address guard ------------------------------------------------------------------


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "224.0.0.1",
        "240.0.0.1",
        "::1",
        "::",
        "fe80::1",
        "fc00::1",
        "ff02::1",
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
    ],
)
def test_guard_refuses_non_public_addresses(address: str) -> None:
    with pytest.raises(BlockedAddress, match="refusing"):
        AddressPolicy().check("example.test", address)
    AddressPolicy(allow_private=True).check("example.test", address)  # opt-in lets it through


@pytest.mark.parametrize("address", ["93.184.216.34", "1.1.1.1", "2606:4700:4700::1111"])
def test_guard_allows_public_addresses(address: str) -> None:
    AddressPolicy().check("example.test", address)  # only the check; nothing is sent


def test_guard_allowed_networks_are_narrow() -> None:
    policy = AddressPolicy(allowed_networks=(ipaddress.ip_network("127.0.0.0/8"),))
    policy.check("localhost", "127.0.0.1")
    for address in ("10.0.0.1", "::1"):
        with pytest.raises(BlockedAddress):
            policy.check("elsewhere", address)


def test_resolver_check_refuses_a_name_resolving_to_loopback() -> None:
    with pytest.raises(
        BlockedAddress, match=r"localhost \((127\.0\.0\.1|::1)\): refusing loopback"
    ):
        asyncio.run(resolve_checked("localhost", 80, AddressPolicy()))
    addresses = asyncio.run(resolve_checked("localhost", 80, AddressPolicy(allow_private=True)))
    assert addresses and all(ipaddress.ip_address(a).is_loopback for a in addresses)


def test_fetch_refuses_loopback_without_allow_private_and_sends_nothing(site: FixtureSite) -> None:
    url = site.base_url.replace("127.0.0.1", "localhost") + "/wion/atom.xml?guard=1"
    with pytest.raises(BlockedAddress) as raised:
        fetch_one(FetchSettings(), url)
    assert str(raised.value).startswith(url + ": localhost (")
    assert site.requests_for("/wion/atom.xml?guard=1") == []
    allowed = fetch_one(fast_settings(allow_private=True, allowed_networks=()), url)
    assert allowed.status == 200


@pytest.mark.parametrize(
    "target", ["http://10.1.2.3/internal", "http://169.254.169.254/latest/meta-data/"]
)
def test_each_redirect_hop_is_checked(site: FixtureSite, target: str) -> None:
    # The guard refuses these addresses before any connection is attempted.
    with pytest.raises(BlockedAddress, match="refusing"):
        fetch_one(fast_settings(), f"{site.base_url}/_hostile/redirect?to={target}")


def test_redirect_to_ipv6_loopback_is_refused(site: FixtureSite) -> None:
    port = site.base_url.rsplit(":", 1)[1]
    with pytest.raises(BlockedAddress, match="loopback"):
        fetch_one(fast_settings(), f"{site.base_url}/_hostile/redirect?to=http://[::1]:{port}/")


def test_non_http_redirect_is_refused(site: FixtureSite) -> None:
    with pytest.raises(FetchError, match="only http and https"):
        fetch_one(fast_settings(), f"{site.base_url}/_hostile/redirect?to=file:///etc/passwd")


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://0177.0.0.1/", "malformed URL"),  # httpx.InvalidURL (an octal IPv4 address)
        ("http://xn--.test/", "malformed URL"),  # idna.IDNAError
        ("http://☃.test/", "malformed URL"),
        ("http://[::1/", "malformed URL"),  # an unclosed IPv6 literal
        ("http://exa mple.com/", "malformed host name"),  # httpx would send it to DNS
        ("http://a..b.test/", "malformed host name"),
        ("http://-x.test/", "malformed host name"),
        ("http://example.test:99999/", "port 99999 is out of range"),
        ("http://", "no host"),
        ("ftp://example.test/", "only http and https"),
        ("not a url", "only http and https"),
    ],
)
def test_malformed_urls_are_refused_before_anything_is_resolved(
    url: str, reason: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    lookups: list[object] = []
    real_getaddrinfo = socket.getaddrinfo

    def recording_getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        lookups.append(host)
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", recording_getaddrinfo)
    with pytest.raises(InvalidURL, match=reason) as raised:
        fetch_one(fast_settings(), url)
    assert isinstance(raised.value, FetchError) and str(raised.value).startswith(f"{url}: ")
    assert lookups == []


def test_redirect_to_a_malformed_url_is_refused(site: FixtureSite) -> None:
    start = f"{site.base_url}/_hostile/redirect?to=http://0177.0.0.1/"
    with pytest.raises(InvalidURL, match=r"redirected to http://0177\.0\.0\.1/: malformed"):
        fetch_one(fast_settings(), start)


def test_unreachable_robots_txt_names_why() -> None:
    with socket.socket() as probe:  # a loopback port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(RobotsDisallowed, match=r"robots\.txt unreachable \(NetworkError: .+\)"):
        fetch_one(fast_settings(retries=0), f"http://127.0.0.1:{port}/feed.xml")


def test_each_connection_goes_to_the_address_that_was_checked(
    site: FixtureSite, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A name that rebinds to a private address between lookups cannot slip through."""
    real_getaddrinfo = socket.getaddrinfo
    # First lookup loopback, then "rebound" to 0.0.0.0: refused by the guard, and
    # even a broken guard would only reach this machine, never the network.
    answers = iter(["127.0.0.1", "0.0.0.0"])
    lookups: list[str] = []

    def fake_getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host != "rebind.test":
            return real_getaddrinfo(host, port, *args, **kwargs)
        address = next(answers)
        lookups.append(address)
        return real_getaddrinfo(address, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake_getaddrinfo)
    port = site.base_url.rsplit(":", 1)[1]
    url = f"http://rebind.test:{port}/republic/rss.xml"
    assert fetch_one(fast_settings(), url).status == 200  # robots.txt and page share one connection
    assert lookups == ["127.0.0.1"]
    with pytest.raises(BlockedAddress, match=r"rebind\.test \(0\.0\.0\.0\): refusing unspecified"):
        fetch_one(fast_settings(), url)  # a new connection means a new, checked lookup
    assert lookups == ["127.0.0.1", "0.0.0.0"]
