"""HTML extraction: a page to its article's clean text and metadata.

The body comes from trafilatura by a cascade of modes (fast precision first,
the full comparison with readability and jusText only when the fast pass
finds too little). Before it, one walk over the page keeps what precision
mode would wrongly drop (correction and update notices, section headings
with permalinks, a section's title <header>, inline link spans). After it,
the repeated headline is dropped and the text goes through the same
line-level boilerplate cleaner as plain text (``boilerplate.py``), code
blocks passing through verbatim, and lines the page's own JSON-LD
``articleBody`` lacks are dropped. A page rendered by its scripts (Next.js)
is read from its script payload (``scripted.py``). Metadata comes from
``metadata.py``.
Body F1 per set, dev and cross-validated by publisher, beside trafilatura:
``python -m bench.extraction``.
"""

from __future__ import annotations

import re

import trafilatura
from lxml import etree
from lxml.etree import _Element
from lxml.html import HtmlElement

from newstrail.extract.authors import credit_line_authors
from newstrail.extract.body_evidence import (
    complete_from_marked_parts,
    keep_stated_lines,
    marked_part_blocks,
)
from newstrail.extract.boilerplate import clean_text, is_notice
from newstrail.extract.language import article_language
from newstrail.extract.metadata import page_metadata, strip_title_lines
from newstrail.extract.outlets import registered_domain
from newstrail.extract.records import (
    DEFAULT_MAX_PAGE_BYTES,
    EXTRACTOR_NAME,
    EXTRACTOR_VERSION,
    EmptyPage,
    Extracted,
    ExtractionError,
    FeedEntry,
    PageTooLarge,
)
from newstrail.extract.scripted import payload_html_fragments
from newstrail.text.encoding import decode_html

# trafilatura's own MIN_EXTRACTED_SIZE: below this many characters the fast
# pass probably missed the article and the full cascade runs.
_MIN_BODY_CHARS = 250
# A fast pass that keeps less than this share of the page's <p> text probably
# latched onto a fragment. On the 50 dev pages of all three sets the pages the
# fast pass failed on kept 3% and 7%, the lowest page it got right 29%.
_MIN_PARAGRAPH_SHARE = 0.2
# Share of NUL/control/replacement characters above which input is not text.
_BINARY_SHARE = 0.05
_ODD_CHARACTERS = re.compile("[\x00-\x08\x0b\x0e-\x1f\ufffd]")


def extract_html(
    html: bytes | str,
    url: str | None = None,
    max_bytes: int = DEFAULT_MAX_PAGE_BYTES,
    feed: FeedEntry | None = None,
) -> Extracted:
    """Extract the article from an HTML page.

    Args:
        html: the page, as bytes (decoded with ``decode_html``) or text.
        url: where the page came from; helps metadata and resolves the canonical URL.
        max_bytes: pages larger than this raise ``PageTooLarge`` before parsing.
        feed: what the feed entry listing the page said (title, date, author);
            weighed after the page's own structured data.

    Returns:
        The article; ``text`` is empty when the page has no article body.

    Raises:
        PageTooLarge: the page is over ``max_bytes``.
        EmptyPage: the page is empty.
        ExtractionError: the input is binary or not parseable as HTML.
    """
    _check_size(html, max_bytes)
    page = decode_html(html) if isinstance(html, bytes) else html
    if not page.strip():
        raise EmptyPage("empty page")
    _check_not_binary(page)
    tree = trafilatura.load_html(page)
    if tree is None:
        raise ExtractionError("not parseable as HTML")
    paragraph_chars = _prepare_page(tree)
    metadata, structured = page_metadata(tree, url, feed)
    _drop_link_lists(tree, url)  # after the metadata: a byline may be such a list
    _unlink_prose(tree)
    marked_blocks = marked_part_blocks(tree, structured.body_selectors)
    title = metadata.title
    # On the ScrapingHub dev set, dropping the repeated headline lifts F1 from
    # 0.979 to 0.984 (precision 0.974 -> 0.985), and the line cleaner to 0.986
    # (precision 0.991; recall 0.983 -> 0.982 because that ground truth keeps
    # image credits and copyright lines, which we drop on purpose).
    body, code_lines = _extract_body(tree, url, paragraph_chars)
    body_source = None
    if len(body) < _MIN_BODY_CHARS:
        body, code_lines, body_source = _unrendered_body(page, url, (body, code_lines))
    headlines = [title, *_h1_texts(tree), *(claim.value for claim in structured.titles)]
    text = clean_text(strip_title_lines(body, headlines), verbatim=code_lines)
    text = complete_from_marked_parts(text, marked_blocks)
    text, dropped = keep_stated_lines(text, structured.stated_body)
    language, language_source = article_language(tree, structured.languages, title or "", text)
    evidence: dict[str, object] = dict(metadata.evidence)
    author = metadata.author
    if author is None:
        author = credit_line_authors(text, metadata.site)
        if author:
            evidence["author_source"] = "credit-line"
    if language_source:
        evidence["language_source"] = language_source
    if dropped:
        evidence["lines_not_in_stated_body"] = dropped
    if body_source:
        evidence["body_source"] = body_source
    if metadata.modified:
        evidence["modified"] = metadata.modified
    if metadata.accessible_for_free is not None:
        evidence["accessible_for_free"] = metadata.accessible_for_free
    return Extracted(
        title=title,
        author=author,
        date=metadata.date,
        site=metadata.site,
        text=text,
        url=metadata.url or url,
        language=language,
        extractor=f"{EXTRACTOR_NAME}/{EXTRACTOR_VERSION}",
        evidence=evidence,
    )


# A body: its text and the lines of its code blocks, which the line cleaner keeps.
_Body = tuple[str, frozenset[str]]
_NO_BODY: _Body = ("", frozenset())


def _h1_texts(tree: HtmlElement) -> list[str]:
    """The text of the page's first three ``<h1>`` elements."""
    return [" ".join(h.text_content().split()) for h in tree.iterfind(".//h1")][:3]


def _check_size(html: bytes | str, max_bytes: int) -> None:
    """Refuse pages over ``max_bytes`` before any decoding or parsing."""
    if isinstance(html, str) and len(html) * 4 <= max_bytes:
        # UTF-8 takes at most 4 bytes a character: no need to encode the page to know.
        return
    size = len(html) if isinstance(html, bytes) else len(html.encode("utf-8", "surrogatepass"))
    if size > max_bytes:
        raise PageTooLarge(f"page too large ({size} bytes > {max_bytes})")


def _check_not_binary(page: str) -> None:
    """Refuse input that decoded to mostly control or replacement characters."""
    sample = page[:8192]
    if len(_ODD_CHARACTERS.findall(sample)) > _BINARY_SHARE * len(sample):
        raise ExtractionError("binary data, not an HTML page")


_NOTICE_CLASS = re.compile(r"correction|clarification|editors?-?note|update-?notice", re.I)
_NOTICE_CHARS = 1000
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_WORDS = re.compile(r"\w+")
# An inline <span class="link"> in a paragraph (a CMS's in-text link wrapper):
# trafilatura's precision mode deletes every element of class "link", which cuts
# the linked words out of the sentence (readability dev: cnet-svg-classes read
# "Según explicó en un comunicado ahora estará…", its "Twitter Lite" gone).
_INLINE_LINK_SPANS = etree.XPath(
    "//p//span[contains(concat(' ', normalize-space(@class), ' '), ' link ')]"
)
# Share of the <title>'s words a heading must hold to be taken for the headline.
_TITLE_OVERLAP = 0.5


def _prepare_page(tree: HtmlElement) -> int:
    """Ready the page for trafilatura in one walk; return the characters of its <p> prose.

    Correction and update notices become plain blocks, so they are kept: sites
    put them in <aside> or boxes that trafilatura removes as boilerplate, yet a
    correction is exactly the edit newstrail exists to show. Section headings
    lose their permalinks (``_unlink``). The <p> text, read anyway for the
    notice test, gives the cascade its gauge of the page's prose.

    One walk instead of one per task: the walk and the text of every <p> were
    the cost (profiled on the 187 body dev pages: three walks took 1.9 ms a page).
    """
    paragraph_chars = 0
    permalinks: list[HtmlElement] = []
    headers: list[HtmlElement] = []
    title_words = set(_WORDS.findall((tree.findtext(".//title") or "").lower()))
    for element in tree.iter("aside", "div", "section", "p", "header", *_HEADINGS):
        tag = element.tag
        if tag in _HEADINGS:
            permalinks += (link for link in element.iter("a") if _is_permalink(link))
            continue
        if tag == "header":
            if _is_section_heading(element, title_words):
                headers.append(element)
            continue
        marker = f"{element.get('class', '')} {element.get('id', '')}"
        if not _NOTICE_CLASS.search(marker):
            # Reading the text of every <div> would cost O(depth x size) on
            # nested layouts: only small leaf-like blocks are read.
            if tag == "div" or tag == "section":
                continue
            text = element.text_content()
            if tag == "p":
                paragraph_chars += len(" ".join(text.split()))
            if len(text) > _NOTICE_CHARS or not is_notice(text):
                continue
        elif tag == "p":
            paragraph_chars += len(" ".join(element.text_content().split()))
        if tag != "p":
            element.tag = "div"
        for attribute in ("class", "id", "role"):
            element.attrib.pop(attribute, None)
    for link in permalinks:
        _unlink(link)
    for header in headers:
        header.drop_tag()
    for span in _INLINE_LINK_SPANS(tree):
        del span.attrib["class"]
    _inline_ruby(tree)
    _drop_teaser_cards(tree)
    return paragraph_chars


def _drop_teaser_cards(tree: HtmlElement) -> None:
    """Remove links that wrap a heading and a paragraph: teaser cards of other articles.

    "You might also like" boxes make each card one <a> around a headline and a
    standfirst; precision mode kept four such cards inside a Taipei Times body
    (precision 0.50). Article prose is never a link holding a heading. On the
    dev sets this changes that page (body F1 0.66 -> 0.98) and one homepage,
    nothing else.
    """
    for link in list(tree.iter("a")):
        if link.getparent() is None:
            continue
        if next(link.iter(*_HEADINGS), None) is not None and next(link.iter("p"), None) is not None:
            link.drop_tree()


_BLOCK_TAGS = frozenset(
    {"p", "div", "ul", "ol", "table", "section", "article", "figure", *_HEADINGS}
)
_PROSE_WORDS = 12  # a sentence, not a label or a headline
_PROSE_END = (".", "!", "?", "…", '"', "”", "’", "»", ")")


def _unlink_prose(tree: HtmlElement) -> None:
    """Unwrap the links inside sentences, so trafilatura's precision mode keeps them.

    Precision mode deletes a block whose links look like a "related" list;
    a paragraph that links three words of a 40-word sentence to an earlier
    story went with them (Nine News, Ottawa Citizen: whole paragraphs lost).
    A block of prose (no block children, 12 words or more, ending like a
    sentence) whose links hold under half its words keeps its text and loses
    the links, which the extracted text never shows anyway.
    """
    blocks: dict[HtmlElement, None] = {}  # each link's nearest <p> or <div>, in page order
    for link in tree.iter("a"):
        block = next(link.iterancestors("p", "div"), None)
        if block is not None:
            blocks[block] = None
    for block in blocks:
        if any(child.tag in _BLOCK_TAGS for child in block):
            continue
        text = " ".join(block.text_content().split())
        words = len(text.split())
        if words < _PROSE_WORDS or not text.endswith(_PROSE_END):
            continue
        links = list(block.iter("a"))
        linked = sum(len(link.text_content().split()) for link in links)
        if linked * 2 < words:
            for link in links:
                link.drop_tag()


_LINK_LIST_ITEM_WORDS = 20  # a headline, not a paragraph


def _drop_link_lists(tree: HtmlElement, url: str | None) -> None:
    """Remove lists whose every item is one link to the same site: other articles' headlines.

    "ADHS bei Erwachsenen: <a>Betroffene erklärt, was wirklich hilft</a>",
    item after item: a list of the site's other articles, inside the body
    where trafilatura keeps it (its link density, 0.6, is under any
    link-dense cut). An item is a headline (2 to 20 words), holds exactly one
    link with at least half its words, and the link stays on the page's site.
    The list's label just before it ("Mehr zum Thema", "POPULAR ARTICLE")
    goes with it.
    """
    site = registered_domain(url) if url else None
    for listing in list(tree.iter("ul", "ol")):
        items = [item for item in listing if item.tag == "li"]
        if len(items) >= 2 and all(_is_headline_link(item, site) for item in items):
            label = listing.getprevious()
            if label is not None and _is_list_label(label):
                label.drop_tree()
            listing.drop_tree()


def _is_list_label(element: HtmlElement) -> bool:
    """A heading or a short unpunctuated line without links: the name of the list after it."""
    if not isinstance(element.tag, str) or element.tag not in {*_HEADINGS, "p", "div", "span"}:
        return False
    text = " ".join(element.text_content().split())
    return (
        0 < len(text.split()) <= 8
        and not text.endswith((".", "!", "?"))
        and next(element.iter("a"), None) is None
    )


def _is_headline_link(item: HtmlElement, site: str | None) -> bool:
    """An item that is one link to another article of the site, and little else."""
    anchors = item.findall(".//a")
    if not anchors or len(anchors) > 4:  # checked first: menus' items hold submenus
        return False
    links = [anchor for anchor in anchors if anchor.text_content().strip()]
    if len(links) != 1:
        return False
    href = (links[0].get("href") or "").strip()
    if not href or href.startswith("#"):
        return False
    if href.startswith(("http://", "https://")) and registered_domain(href) != site:
        return False
    words = len(item.text_content().split())
    return 2 <= words <= _LINK_LIST_ITEM_WORDS and len(links[0].text_content().split()) * 2 >= words


def _inline_ruby(tree: HtmlElement) -> None:
    """Make ruby annotations (furigana) inline text: "尹錫悦（ユンソンニョル）", not three lines.

    trafilatura does not know <ruby>, <rb> and <rt> and breaks the sentence
    around them. With <rp> fallback parentheses the reading stays in them, as
    a browser without ruby support shows it; without, only the base text stays.
    """
    for ruby in list(tree.iter("ruby")):
        has_parentheses = ruby.find(".//rp") is not None
        for part in list(ruby.iter("rb", "rp", "rt", "rtc")):
            if part.tag in ("rt", "rtc") and not has_parentheses:
                part.drop_tree()
            else:
                part.drop_tag()
        ruby.drop_tag()


def _is_section_heading(header: HtmlElement, title_words: set[str]) -> bool:
    """A <header> inside a <section> that holds nothing but a heading, not the page's headline.

    trafilatura's precision mode drops every <header> (the page's masthead,
    an article's headline-and-byline block); one that only wraps a section's
    title is article text (readability dev: mozilla-2 lost "Features and tools").
    A heading that shares most of the words of the page's <title> is the
    article's own headline (fundus-meta dev: RheinischePost's kicker and
    headline sit in such a header), which is left to trafilatura.
    """
    if next(header.iterancestors("section"), None) is None:
        return False
    words = set(_WORDS.findall(header.text_content().lower()))
    if title_words and len(words & title_words) >= _TITLE_OVERLAP * len(title_words):
        return False
    heading_text = "".join(
        node.text_content() for node in header.iter(*_HEADINGS) if node is not header
    )
    return bool(heading_text.strip()) and (
        "".join(header.text_content().split()) == "".join(heading_text.split())
    )


def _is_permalink(link: HtmlElement) -> bool:
    """A link in a heading to a place on the page itself, or one without text."""
    return (link.get("href") or "").strip().startswith("#") or not link.text_content().strip()


def _unlink(link: HtmlElement) -> None:
    """Unwrap a heading's permalink (``<h2><a href="#intro">``, ``<a class="anchor"><svg>``).

    trafilatura's precision mode reads such a heading as a link-only element and
    deletes it, so the section titles vanish from the body (readability dev:
    gitlab-blog, toc-missing). A link to another page (a teaser's headline) is
    left alone.
    """
    if link.getparent() is None:
        return
    if link.text_content().strip():
        link.drop_tag()
    else:
        link.drop_tree()


def _extract_body(tree: HtmlElement, url: str | None, paragraph_chars: int) -> _Body:
    """The main text and its code lines, by a cascade that stops once a pass finds enough text."""
    # 1. Fast precision mode. favor_precision is the option that moved the
    #    ScrapingHub dev F1 (0.942 default -> 0.979): it drops the standfirsts,
    #    "related" blocks and newsletter boxes trafilatura's default keeps.
    #    include_tables=False cost recall (0.983 -> 0.975), so tables stay;
    #    comments are never part of the article.
    text, code = _trafilatura_text(tree, url, fast=True, favor_precision=True)
    # 2. Fast mode skips the readability/jusText comparison and then misses
    #    whole articles on some layouts (alone: F1 0.857, 3 of 20 dev pages under
    #    250 characters; 2 of 20 trafilatura-evaldata pages kept under 8% of
    #    their <p> text, where the full pass keeps 90%). Only those pages pay for
    #    the full cascade, which keeps us near fast-mode speed.
    if len(text) < _MIN_BODY_CHARS or len(text) < _MIN_PARAGRAPH_SHARE * paragraph_chars:
        text, code = _first_found(
            _trafilatura_text(tree, url, fast=False, favor_precision=True), (text, code)
        )
        # 3. Still too little: the precision bias itself is what fails on the
        #    page, so the full pass runs once more without it. On a fundus-meta
        #    page whose precision passes keep 16% of its <p> text this lifts body
        #    F1 from 0.19 to 0.98 (fundus-meta 0.9526 -> 0.9568; dev, not
        #    cross-validated). 3 of the 372 dev pages reach this step: that one,
        #    one where no pass finds any text, and a Media Cloud page (no body
        #    gold). Dropping favor_precision from step 2 instead also lifted
        #    fundus-meta but cost 0.002 on ScrapingHub and made one ScrapingHub
        #    page 8x slower (its recall escalation runs jusText).
        #    Only a small *share* of the prose triggers it, not a short text: on
        #    a short page that precision reads whole (a brief, a paywall teaser)
        #    the pass without it folds the headline and byline into the body.
        if len(text) < _MIN_PARAGRAPH_SHARE * paragraph_chars:
            text, code = _first_found(_trafilatura_text(tree, url, fast=False), (text, code))
    # 4. Recall mode as a last resort when precision finds (almost) nothing,
    #    taken only if it finds an article's worth: on a page of navigation alone
    #    it returns the menu, and an empty text is the truthful answer there.
    if len(text) < _MIN_BODY_CHARS:
        recalled = _trafilatura_text(tree, url, fast=False, favor_recall=True)
        if len(recalled[0]) >= _MIN_BODY_CHARS:
            text, code = recalled
    return text, code


def _unrendered_body(
    page: str, url: str | None, found: _Body
) -> tuple[str, frozenset[str], str | None]:
    """The body of a page whose DOM holds none, from its Next.js script payload.

    Only pages on which every pass found less than an article's worth get
    here, so rendered pages never take this route. (A JSON-LD
    ``articleBody`` on such a page is already taken by trafilatura's own
    fallback in the full passes.) The payload's HTML (``scripted.py``) is
    read like a page.

    Returns:
        The text, its code lines and ``body_source`` ("script payload"), or
        what was found before and None.
    """
    for fragment in payload_html_fragments(page)[:3]:
        tree = trafilatura.load_html(f"<html><body><article>{fragment}</article></body></html>")
        if tree is None:
            continue
        text, code = _trafilatura_text(tree, url, fast=False)
        if len(text) >= _MIN_BODY_CHARS:
            return text, code, "script payload"
    return found[0], found[1], None


def _trafilatura_text(
    tree: HtmlElement,
    url: str | None,
    fast: bool,
    favor_precision: bool = False,
    favor_recall: bool = False,
) -> _Body:
    """trafilatura's main text for the page in the given mode, and its code lines.

    Returns ``("", frozenset())`` (falsy only through the text) when it finds none.
    """
    document = trafilatura.bare_extraction(
        tree,
        url=url,
        fast=fast,
        favor_precision=favor_precision,
        favor_recall=favor_recall,
        include_comments=False,
        with_metadata=False,
    )
    text = getattr(document, "text", None)
    if not isinstance(text, str) or not text:
        return _NO_BODY
    return text, _code_lines(getattr(document, "body", None))


def _code_lines(body: object) -> frozenset[str]:
    """The whitespace-normalised lines of the code blocks trafilatura kept.

    A code listing repeats short lines (``SELECT``, ``)``) and prints dates
    and numbers, which the line cleaner would take for tags and datelines
    (readability dev: toc-missing lost 0.15 body F1 that way), so these lines
    are kept as they are.
    """
    if not isinstance(body, _Element):
        return frozenset()
    lines = (
        " ".join(line.split())
        for code in body.iter("code")
        for line in "".join(code.itertext()).splitlines()
    )
    return frozenset(line for line in lines if line)


def _first_found(found: _Body, fallback: _Body) -> _Body:
    """``found`` if that pass found any text, else what an earlier pass found."""
    return found if found[0] else fallback
