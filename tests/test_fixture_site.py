"""The fixture news site: real pages, feeds, validators and the timeline of changes."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from lxml import html as lxml_html

from newstrail.demo.fixture_site import CORRECTION, STORIES, TIMELINE, FixtureSite
from newstrail.fetch.feeds import discover
from newstrail.text.urls import canonical_from_page
from servers import running_site


@pytest.fixture
def site() -> Iterator[FixtureSite]:
    with running_site() as running:
        yield running


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(follow_redirects=False, trust_env=False) as opened:
        yield opened


def page_parts(body: bytes) -> tuple[str, list[str]]:
    """(headline, body paragraphs) of an article page."""
    document = lxml_html.document_fromstring(body)
    headline = document.findtext(".//article/h1") or ""
    paragraphs = [p.text_content() for p in document.iterfind(".//article/p") if not p.get("class")]
    return headline, paragraphs


def test_step_zero_serves_real_article_pages(site: FixtureSite, client: httpx.Client) -> None:
    for story in STORIES:
        response = client.get(site.article_url(story.key))
        if story.published_step > 0:
            assert response.status_code == 404
            continue
        assert response.status_code == 200
        document = lxml_html.document_fromstring(response.content)
        assert document.findtext(".//title", "").startswith(story.headline)
        assert document.xpath("string(//meta[@name='author']/@content)") == story.author
        assert document.xpath("string(//meta[@property='og:title']/@content)") == story.headline
        assert document.xpath("string(//meta[@property='article:published_time']/@content)")
        assert canonical_from_page(response.text, str(response.url)) == site.article_url(story.key)
        headline, paragraphs = page_parts(response.content)
        assert headline == story.headline and len(paragraphs) >= 3
        assert all(len(p.split()) >= 12 for p in paragraphs)
        # chrome for extraction to strip
        assert document.find(".//nav") is not None and document.find(".//footer") is not None
        assert len(document.xpath("//aside[@class='related']//a")) == 3


def test_seed_furniture_is_not_in_article_text(site: FixtureSite, client: httpx.Client) -> None:
    rt = client.get(site.article_url("china-biden-rt")).text
    assert "This article is from the source" not in rt and "Version 1" not in rt
    _, paragraphs = page_parts(client.get(site.article_url("china-biden-rt")).content)
    # the side-by-side NewsSniffer versions were split: no paragraph repeats its own opening
    assert all(p.find(p[:30], 30) < 0 for p in paragraphs)
    republic = client.get(site.article_url("xi-putin-republic")).text
    assert "date 2020-12-29" not in republic


def test_timeline_edits(site: FixtureSite, client: httpx.Client) -> None:
    url = site.article_url("xi-putin-republic")
    headline0, paragraphs0 = page_parts(client.get(url).content)
    site.advance()  # step 1: a sentence reworded
    headline1, paragraphs1 = page_parts(client.get(url).content)
    assert headline1 == headline0
    changed = [
        index for index, (a, b) in enumerate(zip(paragraphs0, paragraphs1, strict=True)) if a != b
    ]
    assert changed == [1]
    site.advance()  # step 2: new headline
    headline2, paragraphs2 = page_parts(client.get(url).content)
    assert headline2 != headline1 and paragraphs2 == paragraphs1
    site.advance()  # step 3: correction notice
    page3 = client.get(url).text
    assert (
        CORRECTION in page3 and CORRECTION not in client.get(site.article_url("xi-putin-scmp")).text
    )


def test_trivial_change_every_step(site: FixtureSite, client: httpx.Client) -> None:
    url = site.article_url("xi-putin-wion")
    first = client.get(url)
    site.advance()
    second = client.get(url)
    assert first.headers["etag"] != second.headers["etag"]
    assert page_parts(first.content) == page_parts(second.content)  # only the chrome changed
    assert "minutes ago" in second.text and "views" in second.text


def test_flip_flop_returns_to_the_same_bytes(site: FixtureSite, client: httpx.Client) -> None:
    url = site.article_url("xi-putin-scmp")
    site.advance(2)
    before = client.get(url)
    site.advance()  # step 3: flip
    flipped = client.get(url)
    site.advance()  # step 4: flop
    after = client.get(url)
    assert page_parts(flipped.content)[0] != page_parts(before.content)[0]
    assert after.content == before.content and after.headers["etag"] == before.headers["etag"]


def test_deleted_then_gone(site: FixtureSite, client: httpx.Client) -> None:
    url = site.article_url("xi-putin-newsweek")
    feed = site.base_url + "/newsweek/rss.xml"
    assert url in discover(client.get(feed).content, feed).article_urls
    site.advance(4)
    assert client.get(url).status_code == 404
    assert discover(client.get(feed).content, feed).article_urls == ()
    site.advance()
    assert client.get(url).status_code == 410


def test_redirect_to_a_new_url_and_feed_follows(site: FixtureSite, client: httpx.Client) -> None:
    url = site.article_url("china-biden-rt")
    moved = url + "-updated"
    assert client.get(moved).status_code == 404
    site.advance(5)
    response = client.get(url)
    assert response.status_code == 301 and response.headers["location"] == moved
    assert client.get(moved).status_code == 200
    child = site.base_url + "/rt/sitemap-articles.xml.gz"
    assert discover(client.get(child).content, child).article_urls == (moved,)


def test_new_articles_appear_in_feeds(site: FixtureSite, client: httpx.Client) -> None:
    atom = site.base_url + "/wion/atom.xml"
    assert len(discover(client.get(atom).content, atom).article_urls) == 1
    site.advance(2)
    urls = discover(client.get(atom).content, atom).article_urls
    assert urls[0] == site.article_url("follow-up-wion") and len(urls) == 2
    new_page = client.get(urls[0])
    assert new_page.status_code == 200 and len(page_parts(new_page.content)[1]) >= 3


def test_validators_and_304_across_steps(site: FixtureSite, client: httpx.Client) -> None:
    url = site.article_url("xi-putin-scmp")
    first = client.get(url)
    etag, last_modified = first.headers["etag"], first.headers["last-modified"]
    site.advance()  # step 1 does not touch this article
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    assert client.get(url, headers={"If-Modified-Since": last_modified}).status_code == 304
    site.advance(2)  # step 3 flips its headline
    changed = client.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag
    assert changed.headers["last-modified"] != last_modified
    assert client.get(url, headers={"If-Modified-Since": last_modified}).status_code == 200


def test_timeline_is_data_and_admin_endpoint_advances(
    site: FixtureSite, client: httpx.Client
) -> None:
    kinds = {event.kind for event in TIMELINE}
    assert kinds >= {
        "reword",
        "headline",
        "correction",
        "flip",
        "flop",
        "delete",
        "gone",
        "redirect",
    }
    assert client.get(site.base_url + "/_admin/step").json() == {"step": 0}
    assert client.post(site.base_url + "/_admin/step").json() == {"step": 1}
    assert site.step == 1


def test_robots_txt(site: FixtureSite, client: httpx.Client) -> None:
    robots = client.get(site.base_url + "/robots.txt")
    assert robots.status_code == 200 and "Disallow: /republic/private/" in robots.text


def test_synthetic_articles() -> None:
    with running_site(synthetic_articles=2500) as site, httpx.Client(trust_env=False) as client:
        index_url = site.feed_urls[-1]
        index = discover(client.get(index_url).content, index_url)
        assert len(index.sitemaps) == 3
        last = discover(client.get(index.sitemaps[-1]).content, index.sitemaps[-1])
        assert len(last.article_urls) == 500
        assert client.get(site.base_url + "/synthetic/news/2500").status_code == 404
        edited = [n for n in range(2500) if site.synthetic_edited(n, 1)]
        untouched = [n for n in range(2500) if not site.synthetic_edited(n, 1)][:20]
        assert 5 <= len(edited) <= 60  # about 1 in 100 per step
        urls = [f"{site.base_url}/synthetic/news/{n}" for n in edited + untouched]
        before = {url: client.get(url).content for url in urls}
        site.advance()
        changed = [url for url in urls if client.get(url).content != before[url]]
        assert changed == urls[: len(edited)]
        headline, paragraphs = page_parts(before[urls[0]])
        assert headline.startswith(f"Synthetic report {edited[0]}") and len(paragraphs) == 5


def test_pages_settle_after_the_timeline(site: FixtureSite, client: httpx.Client) -> None:
    url = site.article_url("xi-putin-scmp")
    site.advance(6)
    settled = client.get(url)
    site.advance(500)
    later = client.get(url, headers={"If-None-Match": settled.headers["etag"]})
    assert later.status_code == 304
    assert client.get(url).headers["last-modified"] == settled.headers["last-modified"]
    assert client.get(site.article_url("xi-putin-wion")).status_code == 200
