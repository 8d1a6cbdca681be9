"""The Ledger: a fixture outlet whose site template changes while it is watched.

Its three articles live at ``/ledger/news/<slug>`` and its RSS feed at
``/ledger/rss.xml``; it is not in ``OUTLETS`` (the five-outlet timeline the
other tests count stays as it was), so a test or demo adds its feed itself
(``FixtureSite.ledger_feed_url``). What happens, step by step:

====  ==================================================================
step  the Ledger
====  ==================================================================
0     three articles published, classic template
1     a real edit: a sentence reworded in "council-budget"
2     template change: the body is hydrated from a JSON blob by script,
      so the page shows the lead paragraph only (extraction collapses)
3     still collapsed; a real edit in "harbour-plan" hidden behind it
4     template restored: the hidden edit is visible again
5     redesign: new banner, a sidebar, a different ``og:title``, a byline
      account widget ("Username"), a newsletter box and a video inside
      the article; the story text is unchanged
6     the redesign stays; a real edit in "school-report" on top of it
====  ==================================================================

A watcher should record one new version at steps 1, 4 and 6 each and none
at steps 2, 3 and 5 (held back as suspect, or template-only).
"""

from __future__ import annotations

import html
import json
import random
from dataclasses import dataclass
from datetime import timedelta
from email.utils import format_datetime

from newstrail.demo.fixture_site.timeline import SITE_EPOCH, reword, sentence_pool

LEDGER_NAME = "The Ledger"
LEDGER_FEED = "/ledger/rss.xml"
COLLAPSED_STEPS = range(2, 4)  # the JSON-hydrated template
REDESIGN_STEP = 5


@dataclass(frozen=True)
class LedgerArticle:
    """One Ledger article: its slug, headline, author and the step of its real edit."""

    slug: str
    headline: str
    author: str
    edit_step: int
    edit_paragraph: int


LEDGER_ARTICLES = (
    LedgerArticle(
        "council-budget", "Council approves budget after late-night vote", "Mara Quill", 1, 2
    ),
    LedgerArticle("harbour-plan", "Harbour plan divides residents", "Tomas Berg", 3, 1),
    LedgerArticle("school-report", "Report finds schools short of teachers", "Ines Okafor", 6, 3),
)


def ledger_path(article: LedgerArticle) -> str:
    """Where a Ledger article lives."""
    return f"/ledger/news/{article.slug}"


def ledger_paragraphs(article: LedgerArticle, step: int) -> list[str]:
    """The article's story text as of ``step`` (its one real edit applied from its step)."""
    rng = random.Random(f"ledger:{article.slug}")
    sentences = sentence_pool()
    paragraphs = [" ".join(rng.sample(sentences, 3)) for _ in range(6)]
    if step >= article.edit_step:
        paragraphs[article.edit_paragraph] = reword(paragraphs[article.edit_paragraph])
    return paragraphs


def ledger_page(path: str, step: int, base: str) -> bytes | None:
    """A Ledger article page or feed as of ``step``; None for another path."""
    if path == LEDGER_FEED:
        return _feed(base)
    for article in LEDGER_ARTICLES:
        if path == ledger_path(article):
            return _article(article, step, base).encode("utf-8")
    return None


def _feed(base: str) -> bytes:
    e = html.escape
    published = format_datetime(SITE_EPOCH)
    items = "".join(
        f"<item><title>{e(a.headline)}</title><link>{base}{ledger_path(a)}</link>"
        f"<guid>{base}{ledger_path(a)}</guid><pubDate>{published}</pubDate></item>"
        for a in LEDGER_ARTICLES
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
        f"<title>{LEDGER_NAME}</title><link>{base}/ledger/</link>"
        f"<description>Local news</description>{items}</channel></rss>\n"
    ).encode()


def _article(article: LedgerArticle, step: int, base: str) -> str:
    e = html.escape
    paragraphs = ledger_paragraphs(article, step)
    published = (SITE_EPOCH + timedelta(minutes=5)).isoformat()
    redesigned = step >= REDESIGN_STEP
    og_title = f"{article.headline} — live updates" if redesigned else article.headline
    head = (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{e(article.headline)} | {LEDGER_NAME}</title>"
        f'<link rel="canonical" href="{base}{ledger_path(article)}">'
        f'<meta property="og:title" content="{e(og_title)}">'
        f'<meta property="og:site_name" content="{LEDGER_NAME}">'
        f'<meta property="article:published_time" content="{published}">'
        f'<meta name="author" content="{e(article.author)}"></head><body>'
    )
    if step in COLLAPSED_STEPS:
        blob = json.dumps({"paragraphs": paragraphs[1:]})
        body = (
            f"<p>{e(paragraphs[0])}</p>"
            f'<div id="rest" data-hydrate="true"></div>'
            f'<script type="application/json" id="article-data">{e(blob)}</script>'
        )
    elif redesigned:
        blocks = [f"<p>{e(p)}</p>" for p in paragraphs]
        blocks.insert(
            2,
            '<div class="newsletter-signup"><p>Get the Ledger morning briefing in your inbox. '
            "Sign up for our free newsletter today.</p></div>",
        )
        blocks.insert(
            5,
            '<figure class="video-embed"><video src="/ledger/v.mp4"></video><figcaption>'
            "Watch: what the decision means for the city, explained in two minutes.</figcaption>"
            "</figure>",
        )
        body = "\n".join(blocks)
    else:
        body = "\n".join(f"<p>{e(p)}</p>" for p in paragraphs)
    if redesigned:
        chrome_top = (
            '<div class="top-banner"><strong>The Ledger</strong> — independent local news since '
            "1898</div>"
            '<div class="account-widget"><span class="user">Username</span> · Sign in</div>'
        )
        sidebar = (
            '<aside class="sidebar"><h3>Most read</h3><ol><li><a href="/ledger/">Ferry times '
            'change next month as the operator cuts routes</a></li><li><a href="/ledger/">'
            "Library to open on Sundays from spring</a></li></ol></aside>"
        )
    else:
        chrome_top = '<header><div class="logo">The Ledger</div></header>'
        sidebar = ""
    return (
        f"{head}{chrome_top}<main><article><h1>{e(article.headline)}</h1>"
        f'<p class="byline">By <span class="author">{e(article.author)}</span></p>'
        f"{body}</article>{sidebar}</main>"
        f"<footer><p>© {LEDGER_NAME}</p></footer></body></html>"
    )
