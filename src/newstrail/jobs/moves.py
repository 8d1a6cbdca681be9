"""Where an article lives: the address a page declares for itself, and redirects.

A page's rel=canonical or og:url may name another address of the same article
(tracking parameters, AMP, a mobile host); a redirect may take it to another
page altogether (an article merged into another, or moved). The watcher asks
these questions after each fetch.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import sqlalchemy as sa

from newstrail.store import schema
from newstrail.text.urls import canonicalise, registered_domain

# http→https and www. redirects lead to the same page, not to another article.
_SCHEME_AND_WWW = re.compile(r"^https?://(www\.)?")


def declared_canonical(url: str, page_url: str | None) -> str | None:
    """The page's own rel=canonical / og:url when it names another address of
    the same article (same site, not its home page), else None."""
    if not page_url:
        return None
    canonical = canonicalise(page_url)
    if canonical == url or registered_domain(canonical) != registered_domain(url):
        return None
    if urlsplit(canonical).path in ("", "/"):
        return None
    return canonical


def adopt_url(connection: sa.Connection, article_id: int, canonical: str) -> bool:
    """Give the article its canonical URL; False when another article has it."""
    a = schema.articles
    taken = connection.execute(sa.select(a.c.id).where(a.c.url == canonical)).first()
    if taken is not None:
        return int(taken.id) == article_id
    connection.execute(a.update().where(a.c.id == article_id).values(url=canonical))
    return True


def moved_elsewhere(url: str, final_url: str) -> str | None:
    """The new address when a redirect took the article to a different page."""
    final = canonicalise(final_url)
    if final == url:
        return None
    if _SCHEME_AND_WWW.sub("", final).rstrip("/") == _SCHEME_AND_WWW.sub("", url).rstrip("/"):
        return None  # http→https or www: same page
    return final
