"""What a page's structured data says about its article body, used to check the extraction.

Two statements are weighed, both written by the newsroom's CMS:

- ``articleBody`` (JSON-LD/microdata): the article's text as stored. Lines
  the extraction kept but it lacks are template (``keep_stated_lines``).
- Google's paywalled-content markup: a ``hasPart`` ``WebPageElement`` with
  ``isAccessibleForFree: false`` names, by CSS selector, the elements that
  hold the (paywalled) article text. A body split into several such
  containers around an ad or an inset is read whole that way, where
  trafilatura keeps one container (``complete_from_marked_parts``).

No library compares an extraction with these statements, hence this module.
"""

from __future__ import annotations

import contextlib
import re

from lxml.html import HtmlElement

from newstrail.extract.boilerplate import clean_text, is_notice

# trafilatura's MIN_EXTRACTED_SIZE: less text than this is no article's worth.
_MIN_CHARS = 250
# The stated body vouches for the extracted text when at least this share of
# its words occur in it (a teaser or another article's body does not), and a
# line then stays if most of its words do.
_STATED_BODY_COVER = 0.7
_STATED_LINE_SHARE = 0.5
# Only lines this short are dropped that way: of the 42 lines the filter
# dropped on the dev sets, 40 had 17 words or fewer (link lists, promos,
# captions). A full paragraph an update added while the CMS still serves the
# old articleBody must stay, or the edit would be lost.
_STATED_LINE_WORDS = 25
# A block is "in" a text when most of its words are; the marked parts are
# this article when most of the extracted words are in them (on a dev page
# whose paywall selector marks subscription promos, they are not).
_SHARED = 0.5
_WORD = re.compile(r"\w+")
_BLOCKS = ("p", "h2", "h3", "h4", "li", "blockquote")
_MAX_SELECTORS = 8
_MAX_SELECTOR_CHARS = 200
# Link density (Kohlschütter et al. 2010, boilerplate detection) above which a
# block is navigation.
_LINKED_SHARE = 0.8


def _words(text: str) -> list[str]:
    return [word.lower() for word in _WORD.findall(text)]


def _share_in(text: str, vocabulary: set[str]) -> float:
    """The share of ``text``'s words that occur in ``vocabulary`` (1.0 for no words)."""
    return _share_of(_words(text), vocabulary)


def _share_of(words: list[str], vocabulary: set[str]) -> float:
    """The share of ``words`` that occur in ``vocabulary`` (1.0 for none)."""
    return sum(word in vocabulary for word in words) / len(words) if words else 1.0


def keep_stated_lines(text: str, stated_body: str | None) -> tuple[str, int]:
    """Drop the lines that the page's own ``articleBody`` does not contain.

    The stated body lacks what the template wraps around the article:
    related-article lists, newsletter and app promos, captions, tag lists.
    Those are also the lines that change between captures of an unedited
    article. It is used as a filter, never as the text: it often loses
    paragraph breaks and subheadings, and on paywalled pages it is a teaser
    (the cover check then leaves the text alone). On the dev sets (not
    cross-validated; the two shares were set a priori and F1 moves < 0.001
    over share 0.4-0.7 and cover 0.5-0.9): fundus-meta body F1 0.9569 ->
    0.9591 (39 of 128 pages state a body), ScrapingHub 0.9874 -> 0.9880,
    readability unchanged.

    Returns:
        The kept text and the number of lines dropped.
    """
    if not stated_body or len(stated_body) < _MIN_CHARS:
        return text, 0
    stated = set(_words(stated_body))
    words = _words(text)
    if not words or _share_of(words, stated) < _STATED_BODY_COVER:
        return text, 0
    kept: list[str] = []
    dropped = 0
    for line in text.split("\n"):
        line_words = _words(line)
        droppable = 0 < len(line_words) <= _STATED_LINE_WORDS and not is_notice(line)
        if droppable and _share_of(line_words, stated) < _STATED_LINE_SHARE:
            dropped += 1
            continue
        kept.append(line)
    return "\n".join(kept).strip("\n"), dropped


def marked_part_blocks(tree: HtmlElement, selectors: list[str]) -> list[str]:
    """The text blocks (paragraphs, subheadings, list items) of the marked elements, in order.

    Read before the body passes, which may prune the tree. A selector lxml
    cannot parse is skipped.
    """
    if not selectors:
        return []
    from lxml.cssselect import CSSSelector  # cssselect loads only for pages that need it

    found: list[HtmlElement] = []
    # Page content is untrusted: a few short selectors are what the markup needs.
    for selector in [s for s in selectors if len(s) <= _MAX_SELECTOR_CHARS][:_MAX_SELECTORS]:
        with contextlib.suppress(Exception):
            found += CSSSelector(selector)(tree)
    chosen = set(found)
    tops = [e for e in found if not any(a in chosen for a in e.iterancestors())]
    blocks: list[str] = []
    for top in dict.fromkeys(tops):
        for element in top.iter(*_BLOCKS):
            if any(a.tag in ("p", "li", "blockquote") for a in element.iterancestors()):
                continue
            text = " ".join(element.text_content().split())
            if text and not _mostly_links(element, text):
                blocks.append(text)
    return blocks


def _mostly_links(element: HtmlElement, text: str) -> bool:
    """A block whose words are mostly link text: navigation or a teaser list, not prose.

    A marked container too wide ("main", "body") otherwise brings its menus in.
    """
    linked = sum(len(" ".join(link.text_content().split())) for link in element.iter("a"))
    return linked >= _LINKED_SHARE * len(text)


def complete_from_marked_parts(text: str, blocks: list[str]) -> str:
    """The text with the marked parts' paragraphs it missed, when those parts are this article.

    The extracted paragraphs before the first one the marked parts hold (a
    free lead) stay first; then come the marked parts, cleaned like any
    body; then extracted paragraphs they do not hold. Nothing changes when
    the marked parts hold less than an article's worth of missing text or
    do not hold most of the extracted text. Dev (not cross-validated; no
    constant tuned): on fundus-meta one page of 128 changes, body F1 0.61 ->
    0.95 (its body is two ``.articleBody`` containers around an inset).
    """
    if not blocks or not text.strip():
        return text
    marked = [line for line in clean_text("\n".join(blocks)).split("\n") if line.strip()]
    marked_words = set(_words(" ".join(marked)))
    if _share_in(text, marked_words) < _SHARED:
        return text
    ours = [line for line in text.split("\n") if line.strip()]
    our_words = set(_words(text))
    missing = [line for line in marked if _share_in(line, our_words) < _SHARED]
    if sum(len(line) for line in missing) < _MIN_CHARS:
        return text
    lead: list[str] = []
    for line in ours:
        if _share_in(line, marked_words) >= _SHARED:
            break
        lead.append(line)
    rest = [line for line in ours[len(lead) :] if _share_in(line, marked_words) < _SHARED]
    return "\n\n".join(lead + marked + rest)
