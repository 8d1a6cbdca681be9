"""A page cut into text blocks, each with the features that tell article text from furniture.

A *block* is the text a block-level element (``<p>``, ``<li>``, ``<h2>``,
``<td>``, a ``<div>`` holding text directly, ...) holds itself, without the
text of block-level elements nested in it, so a page reads as the sequence of
paragraphs a person sees. Each block carries what the body classifier
of ``bench.extraction_blocks`` weighs, the cues content-extraction research found to carry the
signal: text length and link density (Kohlschütter et al., "Boilerplate
Detection using Shallow Text Features", WSDM 2010), the density of the
surrounding container (Readability's parent scoring), the tag and the
class/id words of the path to it (Dragnet, Peters & Lecocq, WWW 2013), the
position in the page, and similarity to the headline.

No library exposes this segmentation with its features (trafilatura and
jusText keep theirs internal and return only text), so it is written here: one
``iterwalk`` pass over the tree, no recursion, linear in the page size. It
lives in ``bench/`` because the classifier it feeds did not earn a place in
the shipped extractor (see ``bench.extraction_blocks``).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from lxml import etree
from lxml.html import HtmlElement

# Elements whose text starts a new block. Inline elements (a, span, em, b, ...)
# add their text to the enclosing block.
BLOCK_TAGS = frozenset(
    [
        "address",
        "article",
        "aside",
        "blockquote",
        "body",
        "caption",
        "center",
        "dd",
        "details",
        "dialog",
        "div",
        "dl",
        "dt",
        "fieldset",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hgroup",
        "html",
        "li",
        "main",
        "menu",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "summary",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "tr",
        "ul",
    ]
)
# Elements that never hold article text a reader sees.
SKIPPED_TAGS = frozenset(
    [
        "script",
        "style",
        "noscript",
        "template",
        "svg",
        "math",
        "iframe",
        "object",
        "embed",
        "head",
        "title",
        "meta",
        "link",
        "button",
        "select",
        "option",
        "input",
        "textarea",
        "canvas",
        "video",
        "audio",
        "source",
        "picture",
        "map",
    ]
)
HEADING_TAGS = frozenset(("h1", "h2", "h3", "h4", "h5", "h6"))

# Words of class and id attributes (and ARIA roles) that mark a container of
# furniture or of the article; the lists of Readability.js (its
# unlikelyCandidates / positive / negative patterns) widened with the names
# the dev pages use for newsletter, promo and "read more" boxes.
_FURNITURE_WORDS = re.compile(
    r"ad-|ads\b|advert|banner|breadcrumb|combx|comment|community|cookie|disqus|extra|foot"
    r"|gdpr|header|legends|menu|meta\b|nav|newsletter|outbrain|pager|pagination|popup|promo"
    r"|recommend|related|remark|replies|rss|share|sharing|shoutbox|sidebar|skyscraper|social"
    r"|sponsor|subscri|taboola|tags?\b|teaser|toolbar|tool-?tip|trending|most-?(?:read|popular)"
    r"|widget|signup|login|modal|overlay|author-?bio|newsticker|more-?stories",
    re.I,
)
_ARTICLE_WORDS = re.compile(
    r"article|body|content|entry|hentry|main|page|post|text|blog|story|prose|rich-?text", re.I
)
_CAPTION_WORDS = re.compile(r"caption|credit|figure|photo|image|gallery|media|video", re.I)
_NOTICE_WORDS = re.compile(r"correction|clarification|editors?-?note|update-?notice", re.I)
_FURNITURE_TAGS = frozenset(("nav", "footer", "aside", "header", "form", "menu"))
_FURNITURE_ROLES = frozenset(("navigation", "banner", "contentinfo", "complementary", "search"))
_WORD = re.compile(r"\w+")
_SENTENCE_END = re.compile(r"[.!?。！？…][\"'”’»)]*\s")


@dataclass
class Block:
    """One block of text and where it sits in the page."""

    tag: str
    text: str = ""
    link_chars: int = 0
    # Context flags, from the element and its ancestors.
    in_article: bool = False
    in_furniture: bool = False
    in_caption: bool = False
    in_notice: bool = False
    in_hidden: bool = False
    in_list: bool = False
    in_table: bool = False
    own_article: bool = False
    own_furniture: bool = False
    # Levels up to the nearest element marked as article or as furniture
    # (0: the block itself; -1: none): the nearer mark decides, as a paywalled
    # snippet inside <body class="... header-fixed ..."> is still the article.
    article_distance: int = -1
    furniture_distance: int = -1
    depth: int = 0
    # Text of the container the block sits in (its parent and grandparent block
    # elements), filled when those elements close.
    parent_chars: int = 0
    parent_link_chars: int = 0
    parent_blocks: int = 0
    grandparent_chars: int = 0
    grandparent_link_chars: int = 0
    children: list[int] = field(default_factory=list)


@dataclass
class _Frame:
    """A block element being walked: the block it owns and the text under it."""

    block: int
    subtree_chars: int = 0
    subtree_link_chars: int = 0
    child_blocks: list[int] = field(default_factory=list)


def page_blocks(tree: HtmlElement) -> list[Block]:
    """The page's text blocks in reading order (blocks without text are dropped).

    Args:
        tree: the parsed page; it is read, not changed.

    Returns:
        The blocks whose whitespace-normalised text is not empty.
    """
    blocks: list[Block] = [Block(tag="#root")]
    frames: list[_Frame] = [_Frame(block=0)]
    parts: list[list[str]] = [[]]
    link_depth = 0
    skipped = False
    walker = etree.iterwalk(tree, events=("start", "end"))
    for event, element in walker:
        tag = element.tag
        if skipped:
            # The "end" of a skipped element follows its "start" directly
            # (skip_subtree drops only the children's events).
            skipped = False
            if element.tail:
                _add_text(blocks, frames, parts, element.tail, link_depth > 0)
            continue
        if not isinstance(tag, str):
            # Comments and processing instructions: only their tail is text.
            if event == "end" and element.tail:
                _add_text(blocks, frames, parts, element.tail, link_depth > 0)
            continue
        if event == "start":
            if tag in SKIPPED_TAGS:
                walker.skip_subtree()
                skipped = True
                continue
            if tag in BLOCK_TAGS:
                _open_block(element, tag, blocks, frames, parts)
            elif tag == "a":
                link_depth += 1
            elif tag == "br":
                parts[frames[-1].block].append("\n")
            if element.text:
                _add_text(blocks, frames, parts, element.text, link_depth > 0)
            continue
        if tag in BLOCK_TAGS:
            _close_block(blocks, frames, parts)
        elif tag == "a":
            link_depth -= 1
        if element.tail:
            _add_text(blocks, frames, parts, element.tail, link_depth > 0)
    while len(frames) > 1:
        _close_block(blocks, frames, parts)
    return [block for block in blocks[1:] if block.text]


def _hidden(element: HtmlElement) -> bool:
    """Whether the element is hidden from readers (``hidden``, ``aria-hidden``, display:none)."""
    if element.get("hidden") is not None or element.get("aria-hidden") == "true":
        return True
    style = element.get("style")
    return bool(style) and "display:none" in style.replace(" ", "").lower()


def _open_block(
    element: HtmlElement,
    tag: str,
    blocks: list[Block],
    frames: list[_Frame],
    parts: list[list[str]],
) -> None:
    """Start a block for ``element``, inheriting its ancestors' context."""
    parent = blocks[frames[-1].block]
    marker = f"{element.get('class', '')} {element.get('id', '')}"
    role = element.get("role", "")
    itemprop = element.get("itemprop", "")
    own_article = bool(
        tag in ("article", "main")
        or "articleBody" in itemprop
        or role == "main"
        or (marker.strip() and _ARTICLE_WORDS.search(marker))
    )
    own_furniture = bool(
        tag in _FURNITURE_TAGS
        or role in _FURNITURE_ROLES
        or (marker.strip() and _FURNITURE_WORDS.search(marker))
    )
    block = Block(
        tag=tag,
        in_article=parent.in_article or own_article,
        in_furniture=parent.in_furniture or own_furniture,
        in_caption=parent.in_caption
        or tag in ("figure", "figcaption", "caption")
        or bool(marker.strip() and _CAPTION_WORDS.search(marker)),
        in_notice=parent.in_notice or bool(marker.strip() and _NOTICE_WORDS.search(marker)),
        # Hidden content is kept as a feature, not skipped: server-rendered
        # React pages stream the article into <div hidden> and move it in
        # with script (an Anadolu Agency dev page has all its text there).
        in_hidden=parent.in_hidden or _hidden(element),
        in_list=parent.in_list or tag == "li",
        in_table=parent.in_table or tag in ("td", "th"),
        own_article=own_article,
        own_furniture=own_furniture,
        article_distance=0 if own_article else _further(parent.article_distance),
        furniture_distance=0 if own_furniture else _further(parent.furniture_distance),
        depth=len(frames),
    )
    blocks.append(block)
    parts.append([])
    index = len(blocks) - 1
    frames[-1].child_blocks.append(index)
    frames.append(_Frame(block=index))


def _further(distance: int) -> int:
    """One level further from a marked ancestor (-1 stays -1: no such ancestor)."""
    return -1 if distance < 0 else distance + 1


def _close_block(blocks: list[Block], frames: list[_Frame], parts: list[list[str]]) -> None:
    """Finish the innermost block: its text, and its container figures for its children."""
    frame = frames.pop()
    block = blocks[frame.block]
    block.text = " ".join("".join(parts[frame.block]).split())
    parts[frame.block] = []
    block.children = frame.child_blocks
    for child in frame.child_blocks:
        blocks[child].parent_chars = frame.subtree_chars
        blocks[child].parent_link_chars = frame.subtree_link_chars
        blocks[child].parent_blocks = len(frame.child_blocks)
        for grandchild in blocks[child].children:
            blocks[grandchild].grandparent_chars = frame.subtree_chars
            blocks[grandchild].grandparent_link_chars = frame.subtree_link_chars
    # Blocks that are only containers keep no child list once scored.
    if frames:
        frames[-1].subtree_chars += frame.subtree_chars
        frames[-1].subtree_link_chars += frame.subtree_link_chars


def _add_text(
    blocks: list[Block],
    frames: list[_Frame],
    parts: list[list[str]],
    text: str,
    in_link: bool,
) -> None:
    """Add a run of text to the innermost block."""
    frame = frames[-1]
    parts[frame.block].append(text)
    size = len(text.strip())
    frame.subtree_chars += size
    if in_link:
        blocks[frame.block].link_chars += size
        frame.subtree_link_chars += size


# --- features -------------------------------------------------------------------------

FEATURE_NAMES = (
    "log_chars",
    "log_words",
    "link_density",
    "sentence_ends",
    "mean_word_length",
    "digit_share",
    "upper_start",
    "ends_with_stop",
    "relative_position",
    "relative_offset",
    "log_parent_chars",
    "parent_link_density",
    "log_parent_blocks",
    "log_grandparent_chars",
    "grandparent_link_density",
    "depth",
    "in_article",
    "in_furniture",
    "in_caption",
    "in_notice",
    "in_hidden",
    "in_list",
    "in_table",
    "own_article",
    "own_furniture",
    "article_nearness",
    "furniture_nearness",
    "article_nearer",
    "tag_p",
    "tag_heading",
    "tag_h1",
    "tag_li",
    "tag_div",
    "tag_td",
    "tag_blockquote",
    "tag_pre",
    "tag_figcaption",
    "tag_other",
    "headline_overlap",
    "log_previous_chars",
    "log_next_chars",
    "previous_link_density",
    "next_link_density",
)


def block_features(blocks: list[Block], headline: str | None) -> list[list[float]]:
    """One feature row per block, in ``FEATURE_NAMES`` order."""
    total_chars = sum(len(block.text) for block in blocks) or 1
    headline_words = {word.lower() for word in _WORD.findall(headline or "")}
    rows: list[list[float]] = []
    offset = 0
    count = len(blocks)
    for index, block in enumerate(blocks):
        text = block.text
        words = _WORD.findall(text)
        chars = len(text)
        previous = blocks[index - 1] if index else None
        following = blocks[index + 1] if index + 1 < count else None
        word_set = {word.lower() for word in words}
        overlap = (
            len(word_set & headline_words) / len(word_set | headline_words)
            if headline_words and word_set
            else 0.0
        )
        tag = block.tag
        rows.append(
            [
                math.log1p(chars),
                math.log1p(len(words)),
                block.link_chars / chars if chars else 0.0,
                min(len(_SENTENCE_END.findall(text + " ")), 10) / 10,
                sum(map(len, words)) / len(words) if words else 0.0,
                sum(char.isdigit() for char in text) / chars if chars else 0.0,
                float(text[:1].isupper()),
                float(text.rstrip("\"'”’»)").endswith((".", "!", "?", "。", "…", ":"))),
                index / count,
                offset / total_chars,
                math.log1p(block.parent_chars),
                block.parent_link_chars / block.parent_chars if block.parent_chars else 0.0,
                math.log1p(block.parent_blocks),
                math.log1p(block.grandparent_chars),
                block.grandparent_link_chars / block.grandparent_chars
                if block.grandparent_chars
                else 0.0,
                min(block.depth, 40) / 40,
                float(block.in_article),
                float(block.in_furniture),
                float(block.in_caption),
                float(block.in_notice),
                float(block.in_hidden),
                float(block.in_list),
                float(block.in_table),
                float(block.own_article),
                float(block.own_furniture),
                _nearness(block.article_distance),
                _nearness(block.furniture_distance),
                float(_nearness(block.article_distance) > _nearness(block.furniture_distance)),
                float(tag == "p"),
                float(tag in HEADING_TAGS),
                float(tag == "h1"),
                float(tag == "li"),
                float(tag == "div"),
                float(tag in ("td", "th")),
                float(tag == "blockquote"),
                float(tag == "pre"),
                float(tag == "figcaption"),
                float(
                    tag not in HEADING_TAGS
                    and tag not in ("p", "li", "div", "td", "th", "blockquote", "pre", "figcaption")
                ),
                overlap,
                math.log1p(len(previous.text)) if previous else 0.0,
                math.log1p(len(following.text)) if following else 0.0,
                previous.link_chars / len(previous.text) if previous else 0.0,
                following.link_chars / len(following.text) if following else 0.0,
            ]
        )
        offset += chars
    return rows


def _nearness(distance: int) -> float:
    """1 for a mark on the block itself, falling with distance; 0 for no mark."""
    return 0.0 if distance < 0 else 1 / (1 + distance)
