"""Feed and sitemap kinds, article discovery, malformed and hostile XML, URL filters."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from newstrail.fetch.feeds import Discovery, detect_kind, discover, filter_urls
from servers import running_site

RSS = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Desk</title><link>https://news.example.com/</link>
<item><title>First story</title><link>https://news.example.com/a?utm_source=rss</link>
<pubDate>Wed, 01 May 2024 08:00:00 GMT</pubDate></item>
<item><title>Relative link</title><link>/b</link></item>
<item><title>Duplicate</title><link>https://news.example.com/a</link></item>
<item><title>No link at all</title></item>
</channel></rss>
"""
ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Desk</title><id>urn:x</id>
<updated>2024-05-01T09:00:00Z</updated>
<entry><title>Atom story</title><link rel="alternate" href="https://news.example.com/atom-1"/>
<id>urn:uuid:1</id><updated>2024-05-01T09:00:00Z</updated></entry>
</feed>
"""
NEWS_SITEMAP = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
<url><loc>https://news.example.com/n1</loc><news:news>
<news:publication><news:name>Desk</news:name><news:language>en</news:language></news:publication>
<news:publication_date>2024-05-01T10:30:00+02:00</news:publication_date>
<news:title>News sitemap story</news:title></news:news></url>
</urlset>
"""
SITEMAP = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<url><loc> https://news.example.com/s1 </loc><lastmod>2024-05-02</lastmod></url>
<url><loc>https://news.example.com/s2#frag</loc></url>
<url><loc>ftp://news.example.com/s3</loc></url>
</urlset>
"""
SITEMAP_INDEX = b"""<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<sitemap><loc>https://news.example.com/sitemap-1.xml</loc></sitemap>
<sitemap><loc>/sitemap-2.xml.gz</loc></sitemap>
</sitemapindex>
"""
HTML = b"""<!DOCTYPE html><html><head><title>Home</title>
<link rel="alternate" type="application/rss+xml" href="/feed.xml">
<link rel="alternate" type="application/atom+xml" href="https://news.example.com/atom.xml">
<link rel="stylesheet" href="/style.css"></head><body><p>Hello</p></body></html>
"""
FEED_URL = "https://news.example.com/feed"


KIND_CASES: list[tuple[bytes, str | None, str, str]] = [
    (RSS, "application/rss+xml", FEED_URL, "rss"),
    (RSS, "text/html", FEED_URL, "rss"),  # the body wins over a wrong Content-Type
    (ATOM, None, FEED_URL, "atom"),
    (NEWS_SITEMAP, "application/xml", FEED_URL, "newssitemap"),
    (SITEMAP, "application/octet-stream", FEED_URL, "sitemap"),
    (gzip.compress(SITEMAP, mtime=0), "application/x-gzip", FEED_URL, "sitemap"),
    (SITEMAP_INDEX, None, FEED_URL, "sitemapindex"),
    (HTML, "application/xml", FEED_URL, "html"),
    (
        b'<?xml version="1.0"?><!-- generator --><rdf:RDF xmlns:rdf="x"></rdf:RDF>',
        None,
        FEED_URL,
        "rss",
    ),
    (b"\xef\xbb\xbf  <?xml version='1.0'?>\n<feed/>", None, FEED_URL, "atom"),
    (b"", "application/atom+xml", FEED_URL, "atom"),
    (b"", None, "https://news.example.com/sitemap.xml", "sitemap"),
    (b"", None, "https://news.example.com/rss.xml", "rss"),
    (b"garbage", None, FEED_URL, "html"),
]


@pytest.mark.parametrize(
    ("body", "content_type", "url", "kind"),
    KIND_CASES,
    ids=[f"{case[3]}-{index}" for index, case in enumerate(KIND_CASES)],
)
def test_detect_kind(body: bytes, content_type: str | None, url: str, kind: str) -> None:
    assert detect_kind(body, content_type, url) == kind


def test_rss_entries_are_canonical_resolved_and_unique() -> None:
    found = discover(RSS, FEED_URL, "application/rss+xml")
    assert found.kind == "rss" and found.error is None
    assert found.article_urls == ("https://news.example.com/a", "https://news.example.com/b")
    first = found.entries[0]
    assert first.title == "First story"
    assert first.published == datetime(2024, 5, 1, 8, 0, tzinfo=UTC)


def test_atom_entries() -> None:
    found = discover(ATOM, FEED_URL)
    assert found.kind == "atom"
    assert found.article_urls == ("https://news.example.com/atom-1",)
    assert found.entries[0].title == "Atom story"
    assert found.entries[0].published == datetime(2024, 5, 1, 9, 0, tzinfo=UTC)


def test_news_sitemap_titles_and_dates() -> None:
    found = discover(NEWS_SITEMAP, FEED_URL)
    assert found.kind == "newssitemap"
    (entry,) = found.entries
    assert entry.url == "https://news.example.com/n1"
    assert entry.title == "News sitemap story"
    assert entry.published == datetime(2024, 5, 1, 8, 30, tzinfo=UTC)


@pytest.mark.parametrize("compress", [False, True])
def test_plain_and_gzipped_sitemaps(compress: bool) -> None:
    body = gzip.compress(SITEMAP) if compress else SITEMAP
    found = discover(body, "https://news.example.com/sitemap.xml.gz")
    assert found.kind == "sitemap" and found.error is None
    assert found.article_urls == ("https://news.example.com/s1", "https://news.example.com/s2")
    assert found.entries[0].published == datetime(2024, 5, 2, tzinfo=UTC)


def test_sitemap_index_lists_children() -> None:
    found = discover(SITEMAP_INDEX, "https://news.example.com/sitemap_index.xml")
    assert found.kind == "sitemapindex" and found.article_urls == ()
    assert found.sitemaps == (
        "https://news.example.com/sitemap-1.xml",
        "https://news.example.com/sitemap-2.xml.gz",
    )


def test_html_page_lists_advertised_feeds() -> None:
    found = discover(HTML, "https://news.example.com/")
    assert found == Discovery(
        "html", feeds=("https://news.example.com/feed.xml", "https://news.example.com/atom.xml")
    )


def test_malformed_feed_keeps_parsed_entries_with_one_line_error() -> None:
    broken = RSS.replace(b"<title>Duplicate</title>", b"<title>Tom & Jerry <b></title>")
    found = discover(broken, FEED_URL)
    assert "https://news.example.com/a" in found.article_urls
    assert found.error is not None and found.error.startswith(FEED_URL + ": malformed rss feed")
    assert "\n" not in found.error


@pytest.mark.parametrize("link", ["https://[menu]/a", "https://:80/no-host", "mailto:desk@x.org"])
def test_an_entry_with_an_unusable_link_is_skipped_with_one_line(link: str) -> None:
    feed = RSS.replace(b"</channel>", f"<item><link>{link}</link></item></channel>".encode())
    found = discover(feed, FEED_URL)
    assert "https://news.example.com/a" in found.article_urls
    # A link meant as a web address is reported; another scheme is no article link.
    note = f"{FEED_URL}: skipped 1 entry with an unusable link" if "https" in link else None
    assert found.error == note
    sitemap = SITEMAP.replace(b"</urlset>", f"<url><loc>{link}</loc></url></urlset>".encode())
    found = discover(sitemap, FEED_URL)
    assert "https://news.example.com/s1" in found.article_urls
    assert found.error == note


def test_malformed_sitemap_recovers_what_it_can() -> None:
    broken = SITEMAP.replace(b"</urlset>", b"<url><loc>https://news.example.com/s4</loc>")
    found = discover(broken, FEED_URL)
    assert "https://news.example.com/s1" in found.article_urls
    assert found.error is not None and "malformed sitemap" in found.error


XXE_SITEMAP = b"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE urlset [<!ENTITY secret SYSTEM "file:///etc/hostname">
<!ENTITY remote SYSTEM "http://127.0.0.1:9/never">
<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<url><loc>https://news.example.com/leak/&secret;</loc></url>
<url><loc>https://news.example.com/remote/&remote;</loc></url>
<url><loc>https://news.example.com/laughs/&d;</loc></url>
<url><loc>https://news.example.com/plain</loc></url>
</urlset>
"""


def test_sitemap_entities_are_never_expanded() -> None:
    hostname_file = Path("/etc/hostname")
    hostname = hostname_file.read_text(encoding="utf-8").strip() if hostname_file.exists() else ""
    found = discover(XXE_SITEMAP, FEED_URL)
    assert "https://news.example.com/plain" in found.article_urls
    joined = " ".join(found.article_urls)
    assert "aaaaaaaaaa" not in joined
    if hostname:
        assert hostname not in joined


def test_feed_entities_are_never_expanded() -> None:
    body = (
        b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY secret SYSTEM "file:///etc/hostname">'
        b'<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        b'<rss version="2.0"><channel><title>t</title><item><title>&secret; &b;</title>'
        b"<link>https://news.example.com/x</link></item></channel></rss>"
    )
    found = discover(body, FEED_URL)
    assert found.article_urls == ("https://news.example.com/x",)
    assert "aaaaaaaaaa" not in (found.entries[0].title or "")


def test_filter_urls() -> None:
    urls = [
        "https://news.example.com/world/1",
        "https://news.example.com/sport/2",
        "https://news.example.com/world/live/3",
    ]
    assert filter_urls(urls, [], []) == urls
    assert filter_urls(urls, [r"/world/"], []) == [urls[0], urls[2]]
    assert filter_urls(urls, [r"/world/"], [r"/live/"]) == [urls[0]]
    assert filter_urls(urls, [], [r"/sport/", r"/live/"]) == [urls[0]]
    with pytest.raises(ValueError, match="invalid URL pattern"):
        filter_urls(urls, ["(unclosed"], [])


def test_fixture_site_feeds_of_every_kind() -> None:
    with running_site() as site, httpx.Client() as client:
        kinds = []
        for url in site.feed_urls:
            response = client.get(url)
            found = discover(response.content, url, response.headers.get("content-type"))
            kinds.append(found.kind)
            if found.kind == "sitemapindex":
                (child,) = found.sitemaps
                response = client.get(child)
                found = discover(response.content, child, response.headers.get("content-type"))
                assert found.kind == "sitemap"
            assert all(u.startswith(site.base_url + "/") for u in found.article_urls)
            assert len(found.article_urls) == 1
        assert sorted(kinds) == ["atom", "newssitemap", "rss", "rss", "sitemapindex"]
        wrong = client.get(site.base_url + "/_hostile/wrong-type")
        assert wrong.headers["content-type"].startswith("text/html")
        assert detect_kind(wrong.content, wrong.headers["content-type"], str(wrong.url)) == "rss"
        invalid = client.get(site.base_url + "/_hostile/invalid-feed.xml")
        found = discover(invalid.content, str(invalid.url))
        assert found.error is not None and len(found.article_urls) >= 2


def test_public_doctype_feed_is_not_an_error() -> None:
    body = (
        b'<?xml version="1.0"?><!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" '
        b'"http://my.netscape.com/publish/formats/rss-0.91.dtd"><rss version="0.91"><channel>'
        b"<title>t</title><item><title>Old format</title><link>https://news.example.com/old</link>"
        b"</item></channel></rss>"
    )
    found = discover(body, FEED_URL)
    assert found.error is None and found.article_urls == ("https://news.example.com/old",)
