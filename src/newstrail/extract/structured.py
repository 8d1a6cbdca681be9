"""What a page says about itself in markup: JSON-LD, microdata, OpenGraph, Dublin Core.

Publishers describe their articles for search engines and social sites, and
that description is the best evidence of headline, authors, dates, outlet and
language we have: it is written by the newsroom's CMS, not guessed from the
layout. ``read_structured`` collects every such statement as a ``Claim`` (the
value and where it came from); ``metadata.py`` weighs them against the
displayed page and the feed entry.

JSON-LD and microdata are parsed by extruct (Zyte's parser, used by Scrapy
projects); extruct's package import pulls in rdflib and mf2py (1.2 s), so it
is imported on first use, never at ``newstrail.extract`` import. Meta tags
(OpenGraph, ``article:*``, Dublin Core, ``name="author"``) are plain
attributes and read straight from the tree.
"""

from __future__ import annotations

import contextlib
import html
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from lxml import etree
from lxml.html import HtmlElement

# schema.org types that describe one article (NewsArticle and its subtypes,
# BlogPosting, Report...). A WebPage carries the same fields on some sites and
# is used when no article item is present.
_ARTICLE_TYPE = re.compile(r"Article$|BlogPosting$|^Report$|^LiveBlogPosting$|^Review$", re.I)
_PAGE_TYPE = re.compile(r"^(?:WebPage|ItemPage)$", re.I)

# Meta tags per field, in the order tried within one kind of markup. The
# vendor names (parsely, sailthru) are the two analytics schemes most news
# CMSs emit; "byl" is the New York Times' byline tag.
_META_TITLE = ("og:title", "twitter:title")
_META_SITE = ("og:site_name", "application-name", "apple-mobile-web-app-title")
_META_PUBLISHED = (
    "article:published_time",
    "og:article:published_time",
    "article:published",
    "parsely-pub-date",
    "sailthru.date",
    "pubdate",
    "publishdate",
    "publish-date",
    "datepublished",  # <meta itemprop="datePublished"> outside any itemscope
    "date",
)
_META_MODIFIED = ("article:modified_time", "og:updated_time", "article:modified")
_META_AUTHOR = ("article:author", "author", "parsely-author", "sailthru.author", "byl")
_DUBLIN_CORE: dict[str, tuple[str, ...]] = {
    "title": ("dc.title", "dcterms.title"),
    "author": ("dc.creator", "dcterms.creator"),
    "published": ("dc.date", "dcterms.date", "dc.date.issued", "dcterms.issued"),
    "language": ("dc.language", "dcterms.language"),
    "site": ("dc.publisher", "dcterms.publisher"),
}


@dataclass(frozen=True)
class Claim:
    """One statement a page makes about a field, and which markup made it."""

    value: str
    source: str  # json-ld | microdata | opengraph | meta | time-element | dublin-core


@dataclass
class Structured:
    """Everything the page's markup states about the article, by field, best first."""

    titles: list[Claim] = field(default_factory=list)
    authors: list[tuple[list[str], str]] = field(default_factory=list)  # (names, source)
    published: list[Claim] = field(default_factory=list)
    modified: list[Claim] = field(default_factory=list)
    sites: list[Claim] = field(default_factory=list)
    languages: list[Claim] = field(default_factory=list)
    accessible_for_free: bool | None = None
    canonical_url: str | None = None
    # The article's text as its markup states it (JSON-LD/microdata articleBody).
    stated_body: str | None = None
    # CSS selectors of the elements holding the paywalled article text
    # (hasPart WebPageElement with isAccessibleForFree false).
    body_selectors: list[str] = field(default_factory=list)


def read_structured(tree: HtmlElement, url: str | None) -> Structured:
    """Collect the page's own statements about headline, authors, dates, outlet and language.

    Args:
        tree: the parsed page.
        url: the page's URL (resolves relative microdata URLs; picks the article
            item when a page describes several).

    Returns:
        The claims per field, JSON-LD first, then microdata, OpenGraph and meta
        tags, then Dublin Core. Malformed markup is skipped, never raised.
    """
    found = Structured()
    items = list(_json_ld_items(tree))
    article = _main_item(items, url)
    if article is not None:
        _take_item(found, article, "json-ld")
    micro = _main_item(list(_microdata_items(tree, url)), url)
    if micro is not None:
        _take_item(found, micro, "microdata")
    _take_meta(found, tree)
    _take_time(found, tree)
    if article is None:
        # Some sites put the publisher only in a separate Organization/WebSite item.
        for item in items:
            if _types(item) & {"newsmediaorganization", "organization", "website"}:
                name = _text(item.get("name"))
                if name:
                    found.sites.append(Claim(name, "json-ld"))
                    break
    return found


# --- JSON-LD and microdata -------------------------------------------------------


def _json_ld_items(tree: HtmlElement) -> Iterator[dict[str, Any]]:
    """Every JSON-LD object on the page, ``@graph`` flattened; broken scripts skipped."""
    from extruct.jsonld import JsonLdExtractor

    extractor = JsonLdExtractor()
    for script in tree.iterfind(".//script[@type='application/ld+json']"):
        # One malformed block (trailing commas, HTML inside) must not hide the others.
        with contextlib.suppress(Exception):
            # descendant-or-self: given one <script>, extruct reads just that one.
            for item in extractor.extract_items(script):
                yield from _flatten(item)


def _flatten(item: Any) -> Iterator[dict[str, Any]]:
    """An item and the members of its ``@graph``, dicts only."""
    if isinstance(item, list):
        for member in item:
            yield from _flatten(member)
    elif isinstance(item, dict):
        yield item
        yield from _flatten(item.get("@graph"))


# libxml2 answers this in C; ElementPath's ``find(".//*[@itemscope]")`` walked
# every element in Python (1.7 ms a page, a tenth of our metadata time).
_HAS_ITEMSCOPE = etree.XPath("boolean(.//*[@itemscope])")


def _microdata_items(tree: HtmlElement, url: str | None) -> Iterator[dict[str, Any]]:
    """schema.org microdata items in extruct's shape (``properties`` flattened into the item)."""
    if not _HAS_ITEMSCOPE(tree):
        return
    from extruct.w3cmicrodata import MicrodataExtractor

    with contextlib.suppress(Exception):
        for item in MicrodataExtractor().extract_items(tree, url):
            kind = item.get("type")
            kinds = kind if isinstance(kind, list) else [kind]
            names = [str(k).rsplit("/", 1)[-1] for k in kinds if k]
            yield {"@type": names, **(item.get("properties") or {})}


def _types(item: Mapping[str, Any]) -> set[str]:
    """The item's ``@type`` values, lower-cased, without a schema.org prefix."""
    kind = item.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    return {str(k).rsplit("/", 1)[-1].lower() for k in kinds if k}


def _main_item(items: list[dict[str, Any]], url: str | None) -> dict[str, Any] | None:
    """The item describing this article: an article type, the one about ``url`` if several."""
    articles = [i for i in items if any(_ARTICLE_TYPE.search(t) for t in _types(i))]
    if not articles:
        articles = [i for i in items if any(_PAGE_TYPE.match(t) for t in _types(i))]
        articles = [i for i in articles if i.get("headline") or i.get("datePublished")]
    if len(articles) > 1 and url:
        key = _url_key(url)
        about = [i for i in articles if key and key in {_url_key(u) for u in _item_urls(i)}]
        if about:
            return about[0]
        # A page listing teasers as articles: the one with the most fields is the page's own.
        return max(articles, key=lambda i: (bool(i.get("articleBody")), len(i)))
    return articles[0] if articles else None


def _item_urls(item: Mapping[str, Any]) -> Iterator[str]:
    for key in ("url", "@id", "mainEntityOfPage"):
        value = item.get(key)
        if isinstance(value, dict):
            value = value.get("@id") or value.get("url")
        if isinstance(value, str):
            yield value


def _url_key(url: str) -> str:
    """A URL without scheme, ``www.``, query and trailing slash, for comparing."""
    bare = re.sub(r"^https?://(www\.)?", "", url.strip().lower())
    return bare.split("?")[0].split("#")[0].rstrip("/")


def _take_item(found: Structured, item: Mapping[str, Any], source: str) -> None:
    """Record one article item's headline, authors, dates, publisher and language."""
    for key in ("headline", "name"):
        title = _text(item.get(key))
        if title:
            found.titles.append(Claim(title, source))
            break
    names = _people_first(item.get("author")) or _people_first(item.get("creator"))
    if names:
        found.authors.append((names, source))
    for key, claims in (
        ("datePublished", found.published),
        ("dateCreated", found.published),
        ("dateModified", found.modified),
    ):
        value = _text(item.get(key))
        if value:
            claims.append(Claim(value, source))
    publisher = next(iter(_names(item.get("publisher"))), None)
    if publisher:
        found.sites.append(Claim(publisher, source))
    language = _text(item.get("inLanguage"))
    if isinstance(item.get("inLanguage"), dict):
        language = _text(item["inLanguage"].get("alternateName") or item["inLanguage"].get("name"))
    if language:
        found.languages.append(Claim(language, source))
    free = item.get("isAccessibleForFree")
    if free is not None and found.accessible_for_free is None:
        found.accessible_for_free = str(free).strip().lower() not in ("false", "0", "no")
    found.body_selectors += _paywalled_selectors(item.get("hasPart"))
    body = item.get("articleBody") or item.get("text")
    if isinstance(body, list):
        body = " ".join(str(part) for part in body)
    if isinstance(body, str) and body.strip() and found.stated_body is None:
        found.stated_body = html.unescape(body)
    for url in _item_urls(item):
        if url.startswith("http") and found.canonical_url is None:
            found.canonical_url = url
            break


def _paywalled_selectors(parts: Any) -> list[str]:
    """The CSS selectors of Google's paywalled-content markup in an item's ``hasPart``.

    Speakable and other parts are skipped: only a part marked not free names
    the article's text.
    """
    selectors: list[str] = []
    for part in parts if isinstance(parts, list) else [parts]:
        if not isinstance(part, dict):
            continue
        if str(part.get("isAccessibleForFree", "")).strip().lower() not in ("false", "0", "no"):
            continue
        value = part.get("cssSelector")
        for selector in value if isinstance(value, list) else [value]:
            if isinstance(selector, str) and selector.strip():
                selectors.append(selector.strip())
    return selectors


def _people_first(value: Any) -> list[str]:
    """Author names; when people are named, the organisations beside them are dropped.

    "author": [{"@type": "Organization", "name": "Heise Online"}, {"@type":
    "Person", "name": "Dirk Knop"}] names one author, Dirk Knop: the outlet is
    the publisher, not a writer.
    """
    members = value if isinstance(value, list) else [value]
    people = [
        m
        for m in members
        if not (isinstance(m, dict) and _types(m) & {"organization", "newsmediaorganization"})
    ]
    names = list(_names(people))
    return names or list(_names(members))


def _names(value: Any) -> Iterator[str]:
    """Names of the people or organisations in an ``author``/``publisher`` value."""
    if isinstance(value, list):
        for member in value:
            yield from _names(member)
    elif isinstance(value, dict):
        name = value.get("name")
        if isinstance(name, list):
            name = " ".join(str(n) for n in name)
        if not name and (value.get("givenName") or value.get("familyName")):
            name = f"{value.get('givenName', '')} {value.get('familyName', '')}"
        text = _text(name)
        if text:
            yield text
    elif isinstance(value, str):
        text = _text(value)
        # A bare URL is a profile link, not a name.
        if text and not text.startswith(("http://", "https://", "/")):
            yield text


def _text(value: Any) -> str | None:
    """A string value with whitespace collapsed; the first of a list; None if empty."""
    if isinstance(value, list):
        value = next((v for v in value if isinstance(v, str | int | float) and str(v)), None)
    if isinstance(value, dict):
        value = value.get("@value") or value.get("name")
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        return None
    # CMSs HTML-escape JSON-LD strings ("zerst&ouml;ren", "&quot;Es wird&quot;"):
    # 8 of 118 fundus-meta headlines were escaped.
    text = " ".join(html.unescape(str(value)).split())
    return text or None


# --- meta tags -----------------------------------------------------------------


def meta_values(tree: HtmlElement) -> dict[str, list[str]]:
    """Every ``<meta>`` content by lower-cased ``property``/``name``/``itemprop``, in page order."""
    values: dict[str, list[str]] = {}
    for meta in tree.iterfind(".//meta"):
        content = meta.get("content")
        if not content or not content.strip():
            continue
        for attribute in ("property", "name", "itemprop"):
            key = meta.get(attribute)
            if key:
                values.setdefault(key.strip().lower(), []).append(" ".join(content.split()))
    return values


def _take_meta(found: Structured, tree: HtmlElement) -> None:
    """OpenGraph, ``article:*``, vendor and Dublin Core meta tags."""
    meta = meta_values(tree)

    def first(keys: Iterable[str]) -> str | None:
        for key in keys:
            for value in meta.get(key, ()):
                return value
        return None

    def source_of(key: str) -> str:
        return "opengraph" if key.startswith(("og:", "article:")) else "meta"

    meta_fields: tuple[tuple[tuple[str, ...], list[Claim]], ...] = (
        (_META_TITLE, found.titles),
        (_META_SITE, found.sites),
        (_META_PUBLISHED, found.published),
        (_META_MODIFIED, found.modified),
    )
    for keys, claims in meta_fields:
        for key in keys:
            value = first([key])
            if value:
                claims.append(Claim(value, source_of(key)))
                break
    for key in _META_AUTHOR:
        names = [v for v in meta.get(key, ()) if not v.startswith(("http://", "https://"))]
        if names:
            found.authors.append((names, source_of(key)))
            break
    written_by = _labelled_author(meta)
    if written_by:
        found.authors.append(([written_by], "meta"))
    locale = first(["og:locale"])
    if locale:
        found.languages.append(Claim(locale, "opengraph"))
    for name, keys in _DUBLIN_CORE.items():
        value = first(keys)
        if not value:
            continue
        if name == "author":
            found.authors.append(([value], "dublin-core"))
        else:
            target = {
                "title": found.titles,
                "published": found.published,
                "language": found.languages,
                "site": found.sites,
            }[name]
            target.append(Claim(value, "dublin-core"))


# Yoast SEO, the most used WordPress SEO plugin, states the author as a Twitter
# card pair: twitter:label1 "Written by" (in the site's language), twitter:data1
# the name. These are the plugin's own translations of that label.
_WRITTEN_BY = re.compile(
    r"^(?:written by|verfasst von|geschrieben von|escrito por|écrit par|rédigé par|scritto da"
    r"|geschreven door|skrevet af|skrevet av|skriven av|napisane przez|napsal|autor|auteur"
    r"|author|yazar|kirjoittanut)$",
    re.IGNORECASE,
)


def _labelled_author(meta: dict[str, list[str]]) -> str | None:
    """The author named by a ``twitter:labelN`` "Written by" / ``twitter:dataN`` pair."""
    for number in range(1, 5):
        labels = meta.get(f"twitter:label{number}", [])
        data = meta.get(f"twitter:data{number}", [])
        if labels and data and _WRITTEN_BY.match(labels[0].strip(" :")):
            return data[0]
    return None


# --- <time datetime> -------------------------------------------------------------

# Blocks whose dates belong to something else: a teaser list, comments, an update line.
_NOT_THE_ARTICLE = re.compile(
    r"related|teaser|recommend|comment|update|modif|footer|sidebar|widget|list|embed|suggest", re.I
)
_FULL_DATE = re.compile(r"^\d{4}-\d{2}-(\d{2})")


def _take_time(found: Structured, tree: HtmlElement) -> None:
    """The first ``<time datetime>`` with a full date that is not in a teaser, footer or embed.

    HTML's own element for a machine-readable date: "<time
    datetime='2022-01-25T08:00:00+01:00'>25.01.2022</time>" under the
    headline. Dates of teasers ("3 hours ago" under a related link) sit in
    lists, footers and asides, those of embedded posts in blockquotes, and
    are skipped with them; so is a ``datetime`` whose displayed text names
    another day ("Publié le 29 juin 2019" on 2019-07-03: the CMS stamped an
    edit, readers see the first day).
    """
    for element in tree.iterfind(".//time[@datetime]"):
        value = " ".join((element.get("datetime") or "").split())
        match = _FULL_DATE.match(value)
        if not match or _in_furniture(element):
            continue
        # Only the first: later ones are teasers more often than the article's own.
        if _text_agrees(element, int(match[1])):
            found.published.append(Claim(value, "time-element"))
        return


def _text_agrees(element: HtmlElement, day: int) -> bool:
    """Whether the element's text, when it states a day and a year, states this day."""
    text = element.text_content()
    if not re.search(r"\b(?:19|20)\d{2}\b", text):
        return True  # "3 hours ago", "Monday": nothing to contradict
    numbers = {int(n) for n in re.findall(r"\d+", text)}
    return day in numbers


def _in_furniture(element: HtmlElement) -> bool:
    """Whether an element sits in a footer, aside, nav, list, embed or teaser/comment block."""
    for node in (element, *element.iterancestors()):
        if node.tag in ("body", "html"):
            return False  # site-wide classes on <body> ("one-sidebar") say nothing
        if node.tag in ("footer", "aside", "nav", "li", "blockquote"):
            return True
        if _NOT_THE_ARTICLE.search(f"{node.get('class', '')} {node.get('id', '')}"):
            return True
    return False
