"""The publication date of an article, and which evidence gave it.

Evidence, best first (the order ``PUBLISHED_ORDER`` names; ``bench.extraction``
prints each source's accuracy where present and cross-validates the order):

1. the page's structured data (``structured.py``: JSON-LD ``datePublished``,
   microdata, ``article:published_time``, vendor meta tags, the first
   ``<time datetime>`` outside teasers and embeds, Dublin Core); a UTC
   timestamp is moved to the publisher's calendar day when other markup
   says so (``claim_date``);
2. the feed entry the page came from (its ``published``/``updated`` date);
3. htmldate on the page's markup (``<time>`` elements, dated URLs, meta tags
   structured.py does not know), without its free-text search;
4. a date written in a date element of the page ("14. März 2024" in
   ``<span class="date">``), read by dateparser in the page's declared or
   detected language and English only (``dateparser_languages``);
5. htmldate's free-text search, except its year-only guesses.

A date never comes from a copyright line or a footer: htmldate's extensive
search falls back to "the copyright year, 1 January" (htmldate ``core.py``,
``search_page``), which is how a page whose footer said "(c) Example News
2026" was dated 2026-01-01 although its feed said 2026-11-23. A 1 January
from the free-text search is therefore dropped: no date is better than a
wrong one. Dates are calendar dates in the time zone the page states (the
first ten characters of an ISO timestamp), as publishers display them.
"""

from __future__ import annotations

import contextlib
import re
from datetime import UTC, date, datetime, timedelta

from lxml.html import HtmlElement

from newstrail.extract.structured import Claim

# Evidence kinds for ``date_source``, best first.
PUBLISHED_ORDER = ("json-ld", "microdata", "opengraph", "meta", "time-element", "dublin-core")
_ISO_DATE = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})(?:$|[T\s])")
_COMPACT_DATE = re.compile(r"^\s*(\d{4})(\d{2})(\d{2})(?:$|[T\s]?\d)")
# News archives on the web start in the 1990s; earlier "dates" are birth
# dates and historical events in the text.
_EARLIEST = date(1995, 1, 1)
# Elements whose class, id or itemprop says they hold the article's date.
_DATE_ELEMENT = re.compile(r"date|time|publish|posted|datum|fecha|data-pub|meta", re.I)
_NOT_DATE_ELEMENT = re.compile(r"update|modif|comment|related|teaser|footer|copyright", re.I)


def parse_date(value: str, languages: list[str] | None = None) -> str | None:
    """A date written as ISO, compact ISO or words in any language, as ``YYYY-MM-DD``.

    Args:
        value: the date as written ("2024-03-14T10:00:00+01:00", "14. März 2024").
        languages: ISO 639-1 codes to try first (the page's language), or None.

    Returns:
        The calendar date, or None when the text holds no plausible full date
        (a day, month and year between 1995 and tomorrow).
    """
    text = value.strip()
    if not text or len(text) > 80:
        return None
    match = _ISO_DATE.match(text) or _COMPACT_DATE.match(text)
    if match:
        try:
            found = date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            return None
        return found.isoformat() if _plausible(found) else None
    if not any(character.isdigit() for character in text):
        return None  # "yesterday", "Monday": relative words say nothing on their own
    return _parse_words(text, languages)


def _parse_words(text: str, languages: list[str] | None) -> str | None:
    """dateparser's reading of a written date, requiring day, month and year."""
    import dateparser

    settings = {
        "REQUIRE_PARTS": ["day", "month", "year"],
        "PREFER_DATES_FROM": "past",
        "RETURN_AS_TIMEZONE_AWARE": False,
    }
    try:
        parsed = dateparser.parse(
            text, languages=dateparser_languages(languages), settings=settings
        )
    except (ValueError, OverflowError, TypeError):
        return None
    if parsed is None:
        return None
    return parsed.date().isoformat() if _plausible(parsed.date()) else None


def dateparser_languages(languages: list[str] | None) -> list[str]:
    """The page's languages as dateparser knows them, English always last.

    dateparser given no language tries every one of its 205 locales: the
    first failing parse in a process loaded them all (5.4 s measured), each
    later failing parse took 28-46 ms against under 1 ms with two languages.
    So a date is only read in the page's language(s) and English (month
    names and "ago" in English are everywhere); ``metadata.py`` passes the
    declared or detected language.
    """
    from dateparser.data.languages_info import language_order

    known = set(language_order)
    wanted = [_DATEPARSER_CODES.get(code, code) for code in (languages or [])] + ["en"]
    return list(dict.fromkeys(code for code in wanted if code in known))


# ISO 639-1 codes that dateparser files under another name.
_DATEPARSER_CODES = {"no": "nb", "iw": "he", "in": "id"}


def _plausible(found: date) -> bool:
    """Between 1995 and tomorrow (time zones put "today" up to a day ahead)."""
    return _EARLIEST <= found <= (datetime.now(UTC) + timedelta(days=1)).date()


def structured_date(
    claims: list[Claim], url: str | None = None, tree: HtmlElement | None = None
) -> tuple[str, str] | None:
    """The first parseable date among structured claims, in ``PUBLISHED_ORDER``, with its source.

    The date is the claim's calendar day on the publisher's calendar
    (``claim_date``).
    """
    claim = _first_dated(claims)
    if claim is None:
        return None
    found = claim_date(claim, claims, url, tree)
    assert found is not None  # _first_dated only returns parseable claims
    return found, claim.source


def claim_date(
    claim: Claim, claims: list[Claim], url: str | None, tree: HtmlElement | None = None
) -> str | None:
    """The calendar day one structured claim gives, on the publisher's calendar.

    A timestamp in UTC gives the calendar date in Greenwich, not where the
    article was published: 2023-11-09T02:11:03Z is the evening of 8 November in
    Boston, and the page says 8 November. When another claim states the same
    instant with the local offset, or the URL carries a date a day apart, that
    local date is taken (on htmldate-bbaw 5 US pages of 155 were a day late
    without this); failing those, the day htmldate reads in the rest of the
    markup (``_utc_day_checked``, given the page's ``tree``).
    """
    found = parse_date(claim.value)
    if found is None:
        return None
    found = _local_date(found, claim.value, claims, url)
    return _utc_day_checked(found, claim, tree, url) if tree is not None else found


def _first_dated(claims: list[Claim]) -> Claim | None:
    """The first claim in ``PUBLISHED_ORDER`` that holds a date."""
    for source in PUBLISHED_ORDER:
        for claim in claims:
            if claim.source == source and parse_date(claim.value):
                return claim
    return None


_URL_DATE = re.compile(r"/((?:19|20)\d{2})[/-]?(\d{2})[/-]?(\d{2})(?:/|[-_])")


def _local_date(found: str, value: str, claims: list[Claim], url: str | None) -> str:
    """``found`` moved to the publisher's calendar day when ``value`` is a UTC timestamp."""
    instant = _timestamp(value)
    if instant is None or instant.utcoffset() != timedelta(0):
        return found
    for claim in claims:
        other = _timestamp(claim.value)
        if (
            other is not None
            and other.utcoffset() not in (None, timedelta(0))
            and abs((other - instant).total_seconds()) <= 60
        ):
            return other.date().isoformat()
    match = _URL_DATE.search(url or "")
    if match:
        with contextlib.suppress(ValueError):
            in_url = date(int(match[1]), int(match[2]), int(match[3]))
            if abs((in_url - instant.date()).days) == 1:
                return in_url.isoformat()
    return found


def _timestamp(value: str) -> datetime | None:
    """An ISO timestamp with a time and an offset, else None."""
    text = value.strip()
    if "T" not in text and " " not in text:
        return None
    try:
        parsed = datetime.fromisoformat(text.replace(" ", "T", 1))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def publication_date(
    tree: HtmlElement,
    claims: list[Claim],
    url: str | None,
    feed_date: str | None = None,
    languages: list[str] | None = None,
) -> tuple[str | None, str | None]:
    """The article's publication date and the evidence it came from.

    Args:
        tree: the parsed page.
        claims: the page's structured ``published`` claims (``structured.py``).
        url: the page's URL (dated URLs, for htmldate).
        feed_date: the date the feed entry gave, ``YYYY-MM-DD`` or ISO, if any.
        languages: the page's language(s), for dates written in words.

    Returns:
        (``YYYY-MM-DD``, source) — source one of ``PUBLISHED_ORDER``, ``feed``,
        ``dateline``, ``htmldate``, ``page-text`` or ``htmldate-text`` — or (None, None).
    """
    from htmldate import find_date

    best = structured_date(claims, url, tree)
    if best is not None:
        return best
    if feed_date:
        found = parse_date(feed_date)
        if found:
            return found, "feed"

    dateline = date_beside_headline(tree, languages)
    if dateline:
        return dateline, "dateline"
    markup = _htmldate(find_date, tree, url, extensive=False)
    if markup:
        return markup, "htmldate"
    written = date_in_elements(tree, languages)
    if written:
        return written, "page-text"
    text = _htmldate(find_date, tree, url, extensive=True)
    # The extensive search ends with "copyright year, 1 January", "a year
    # alone, 1 January" and "the URL's month, day 1": guesses we do not make.
    if text and not text.endswith("-01-01") and not _first_of_url_month(text, url):
        return text, "htmldate-text"
    return None, None


_URL_MONTH = re.compile(r"/((?:19|20)\d{2})/(\d{2})/")


def _first_of_url_month(found: str, url: str | None) -> bool:
    """Whether a date is only the URL's year and month with day 1 (htmldate's last guess).

    A blog post under /2018/08/ written on 2 August was dated 2018-08-01 by
    the extensive search (htmldate-bbaw, dev): the URL gives no day.
    """
    match = _URL_MONTH.search(url or "")
    return match is not None and found == f"{match[1]}-{match[2]}-01"


def _utc_day_checked(found: str, claim: Claim, tree: HtmlElement, url: str | None) -> str:
    """A UTC-stamped date moved to the day the page's other markup gives, when a day apart.

    When no claim states the local offset, htmldate still reads the markup a
    CMS writes in local time (``sailthru.date`` "2023-11-08 22:35:29", a
    ``<time>`` with its offset, a dated URL). A day apart from a UTC
    timestamp, that is the same instant on the publisher's calendar: on
    htmldate-bbaw and Media Cloud (dev) 2 of 165 pages were a day late
    without this, and none moved wrongly on fundus-meta.
    """
    instant = _timestamp(claim.value)
    if instant is None or instant.utcoffset() != timedelta(0):
        return found
    if found != instant.date().isoformat():
        return found  # already moved by a claim with the local offset or the URL
    from htmldate import find_date

    local = _htmldate(find_date, tree, url, extensive=False)
    if local and abs((date.fromisoformat(local) - instant.date()).days) == 1:
        return local
    return found


def _htmldate(find_date: object, tree: HtmlElement, url: str | None, extensive: bool) -> str | None:
    """htmldate's date for the page, original (not updated) date first; None on any failure."""
    assert callable(find_date)
    try:
        found = find_date(
            tree,
            url=url,
            original_date=True,
            extensive_search=extensive,
            max_date=(datetime.now(UTC) + timedelta(days=1)).strftime("%Y-%m-%d"),
        )
    except Exception:  # htmldate raises assorted errors on odd markup; a date is optional
        return None
    return found if isinstance(found, str) else None


def date_in_elements(tree: HtmlElement, languages: list[str] | None = None) -> str | None:
    """A date written in words in an element marked as a date ("14. März 2024").

    Looks at short elements whose class, id or itemprop names a date, outside
    update, comment, teaser and footer blocks; ``<time>`` elements first.
    """
    candidates: list[HtmlElement] = list(tree.iterfind(".//time"))
    for element in tree.iter("span", "div", "p", "li", "small", "abbr"):
        marker = " ".join(
            element.get(attribute, "") for attribute in ("class", "id", "itemprop")
        ).strip()
        if marker and _DATE_ELEMENT.search(marker) and not _NOT_DATE_ELEMENT.search(marker):
            candidates.append(element)
    for element in candidates[:20]:
        if _inside_furniture(element):
            continue
        text = " ".join(element.text_content().split())
        if 6 <= len(text) <= 80:
            found = parse_date(_strip_label(text), languages)
            if found:
                return found
        elif 80 < len(text) <= 400:
            # A sentence around the date: "Dieser Beitrag wurde am Samstag, 3.
            # Dezember 2011 um … veröffentlicht und unter … abgelegt".
            found = _date_phrase(text, languages)
            if found:
                return found
    return None


# A full date inside running text: 3.12.2011, 2011-12-03, "3. Dezember 2011",
# "3 de diciembre de 2011", "December 3, 2011". Only the phrase goes to
# dateparser: whole sentences make it slow and let it guess.
_DATE_PHRASE = re.compile(
    r"\b\d{1,2}[./-]\d{1,2}[./-](?:19|20)\d{2}\b"
    r"|\b(?:19|20)\d{2}-\d{2}-\d{2}\b"
    r"|\b\d{1,2}\.?\s+(?:de\s+)?[^\W\d_]{3,}\.?,?\s+(?:de\s+)?(?:19|20)\d{2}\b"
    r"|\b[^\W\d_]{3,}\.?\s+\d{1,2}(?:st|nd|rd|th)?,?\s+(?:19|20)\d{2}\b"
)


def _date_phrase(text: str, languages: list[str] | None) -> str | None:
    """The first full date written inside a longer text."""
    for match in _DATE_PHRASE.finditer(text):
        numeric = _NUMERIC_DATE.fullmatch(match[0])
        found = _numeric_date(numeric) if numeric else parse_date(match[0], languages)
        if found:
            return found
    return None


_NUMERIC_DATE = re.compile(r"(\d{1,2})([./-])(\d{1,2})[./-](\d{4})")


def _numeric_date(match: re.Match[str]) -> str | None:
    """A day.month.year date, or an unambiguous day/month order; None when either could be the day.

    Dotted dates are day first wherever they are written (German, Nordic,
    Slavic, Turkish); dateparser given "de" and "en" read "04.02.2022" as
    2 April (3 dev pages of htmldate-bbaw). With slashes or dashes the order
    depends on the country: only a day over 12 tells, else no date is given.
    """
    first, separator, second, year = int(match[1]), match[2], int(match[3]), int(match[4])
    if separator == "." or first > 12:
        day, month = first, second
    elif second > 12:
        day, month = second, first
    else:
        return None
    try:
        found = date(year, month, day)
    except ValueError:
        return None
    return found.isoformat() if _plausible(found) else None


def date_beside_headline(tree: HtmlElement, languages: list[str] | None = None) -> str | None:
    """A date in the line just above or below the article's ``<h1>`` (its dateline).

    "02.02.2022 10:16 Uhr - 1. Bundesliga" over the headline: news layouts
    put the date next to the headline, teasers and footers are elsewhere.
    Only short neighbours (a dateline, not a paragraph) are read.
    """
    heading = next((h for h in tree.iterfind(".//h1") if h.text_content().strip()), None)
    if heading is None:
        return None
    parent = heading.getparent()
    neighbours = [heading.getprevious(), heading.getnext()]
    if parent is not None:
        neighbours += [parent.getprevious(), parent.getnext()]
    for element in neighbours:
        if element is None or not isinstance(element.tag, str) or _inside_furniture(element):
            continue
        text = " ".join(element.text_content().split())
        if 6 <= len(text) <= 150:
            found = _date_phrase(text, languages)
            if found:
                return found
    return None


def _inside_furniture(element: HtmlElement) -> bool:
    """Whether the element sits in a footer, aside or a teaser/related block."""
    for ancestor in element.iterancestors():
        if ancestor.tag in ("footer", "aside", "nav"):
            return True
        marker = f"{ancestor.get('class', '')} {ancestor.get('id', '')}"
        if _NOT_DATE_ELEMENT.search(marker):
            return True
    return False


_DATE_LABEL = re.compile(
    r"^(?:published|posted|veröffentlicht|publicado|publié|pubblicato|gepubliceerd|"
    r"opublikowano|publicerad|publisert|julkaistu|am|on|le|el|il|den)\s*:?\s*",
    re.I,
)


def _strip_label(text: str) -> str:
    """ "Veröffentlicht am 14. März 2024" → "14. März 2024"."""
    previous = None
    while previous != text:
        previous, text = text, _DATE_LABEL.sub("", text)
    return text
