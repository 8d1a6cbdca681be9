"""Author names: bylines cleaned of roles, desks and interface text, lists split.

``metadata.py`` decides which evidence gives the authors (``AUTHOR_ORDER``);
this module turns what a source says into names ("; "-joined): "By" and job
titles dropped, "A, B and C" split, the outlet dropped when people are named,
a byline back in the case the page writes it, and a closing credit line read
when nothing else names anyone.
"""

from __future__ import annotations

import re

from lxml.html import HtmlElement
from rapidfuzz import fuzz

from newstrail.extract.structured import Structured
from newstrail.text.urls import has_public_suffix


def words_key(text: str) -> str:
    """Lower-cased words only, for comparing names and headings."""
    return " ".join(re.findall(r"\w+", text.lower()))


# Words that trail a name when a byline block is flattened: "Jeff Foust Monday",
# "Detroit News wire services Published", "Tom Gillespie News reporter".
_AUTHOR_TAIL = re.compile(
    r"(?:\s+(?:published|updated|posted|on|at|(?:mon|tues|wednes|thurs|fri|satur|sun)day"
    r"|january|february|march|april|may|june|july|august|september|october|november|december"
    r"|\d[\d:,./-]*))+$"
    r"|\s+(?:\S+\s+)?(?:staff|reporter|correspondent|editor|writer|contributor|columnist)s?$",
    re.IGNORECASE,
)
# Korean, Japanese and Chinese bylines put the role after the name: "신현주 기자".
_ROLE_SUFFIX = re.compile(r"\s*(?:기자|특파원|記者|记者|特派員)$")
_BY_PREFIX = re.compile(
    r"^(?:(?:by|von|por|par|di|door|af|av|z|от|著)\s*:?\s+|(?:quelle|source|fuente)\s*:?\s+)",
    re.IGNORECASE,
)
# Interface text that byline widgets put where a name goes. Not names of people.
_NOT_A_NAME = frozenset(
    {
        "username",
        "user",
        "admin",
        "administrator",
        "follow",
        "share",
        "subscribe",
        "author",
        "authors",
        "anonymous",
        "guest",
        "unknown",
        "editor",
        "staff",
        "redaktion",
        "email",
        "e-mail",
        "facebook",
        "twitter",
        "linkedin",
        "whatsapp",
        "print",
        "more",
        "none",
        "null",
        # Desks, not people ("Nachrichten" as the author of a Wochenblatt story).
        "news",
        "nachrichten",
        "newsroom",
        "noticias",
        "redacción",
        "rédaction",
        "redazione",
    }
)


def as_written(byline: str, tree: HtmlElement) -> str:
    """trafilatura's byline with each name in the case the page writes it.

    trafilatura title-cases a name that starts in lower case ("dpa" →
    "Dpa", "viktor hedlund" → "Viktor Hedlund": seen on 3 pages of half A
    of fundus-meta, where structured data, written as on the page, won).
    A name the page writes in lower case, and nowhere as trafilatura gives
    it, is given back that way ("Lorenzo Marina" stays when a script also
    holds "lorenzo marina"). The page's
    text nodes are searched by XPath (in C): joining them in Python cost
    2.6% of the extractor's time on the 187 body dev pages.
    """
    written = []
    for name in byline.split("; "):
        lower = name.lower()
        if (
            name[:1].isupper()
            and name == name.title()
            and lower != name
            and not tree.xpath("boolean(//text()[contains(., $name)])", name=name)
        ):
            for node in tree.xpath("//text()[contains(., $lower)]", lower=lower):
                match = re.search(rf"(?<!\w){re.escape(lower)}(?!\w)", str(node))
                if match:
                    name = match[0]
                    break
        written.append(name)
    return "; ".join(written)


def credit_line_authors(text: str, site: str | None) -> str | None:
    """The sources a closing credit line names beside the outlet ("Example Times / Agency X").

    For pages where nothing else names an author: an article that ends with
    the outlet and, after a slash, the agency it took the story from credits
    that agency (issue #14 keeps an agency byline when no person is named).
    """
    lines = text.strip().rsplit("\n", 1)
    last = lines[-1].strip()
    if not site or len(last) > 60 or "/" not in last:
        return None
    parts = [part.strip() for part in last.split("/")]
    if not 2 <= len(parts) <= 3 or any(not part or len(part.split()) > 4 for part in parts):
        return None
    others = [part for part in parts if not same_name(part, site)]
    if len(others) == len(parts):
        return None  # the outlet is not named: not a credit line
    return clean_authors(others, site)


# A byline printed as plain text under the headline: "By Jane Doe", "Von
# Jennifer Patt · 3. Mai 2013", "Par Henri Frasque". The prefix is written in
# the page's case (a sentence "by the end…" is no byline) and the name ends at
# the first separator, "am"/"on"/"le" before a date, or a digit.
_PRINTED_BY = re.compile(r"^(?:By|BY|Von|VON|Par|PAR|Por|POR|Door|Av|Af)\s+(?=[^\W\d_])")
_BYLINE_END = re.compile(r"\s*(?:[,|•·–—(]|\s-\s|\s(?:am|on|le|el|il|op|den|at)\s|\d).*$")
_NAME_PARTICLES = frozenset({"de", "da", "del", "der", "di", "du", "la", "le", "van", "von", "y"})
_HEADER_ELEMENTS = 60  # elements read after the <h1>: the header area, not the article
_BYLINE_WORDS = 16  # a byline line is short; a paragraph that opens with "By" is not one


def printed_byline(tree: HtmlElement, site: str | None) -> str | None:
    """The byline printed as plain text between the ``<h1>`` and the article text.

    trafilatura's ``extract_author`` finds bylines by their markup (classes,
    ``rel=author``, ``itemprop``); many sites print "By Jane Doe" in a bare
    ``<p>`` or ``<span>`` under the headline, and newspapers have printed it
    there for a century. Only a short line whose own text opens with the
    prefix, in the header area, and whose name is capitalised words is read.
    """
    heading = next((h for h in tree.iter("h1") if len(h.text_content().split()) >= 2), None)
    if heading is None:
        return None
    for element in heading.xpath(f"following::*[position() <= {_HEADER_ELEMENTS}]"):
        if not _PRINTED_BY.match((element.text or "").strip()):
            continue
        line = " ".join(element.text_content().split())
        if len(line.split()) > _BYLINE_WORDS:
            continue
        name = _BYLINE_END.sub("", _PRINTED_BY.sub("", line))
        words = name.split()
        if not 1 <= len(words) <= 4 or not all(
            word[:1].isupper() or word in _NAME_PARTICLES for word in words
        ):
            continue
        cleaned = clean_authors([name], site)
        if cleaned:
            return cleaned
    return None


def fuller_list(cleaned: str, source: str, found: Structured, site: str | None) -> tuple[str, str]:
    """The authors, or a later source's list that names them all and more.

    JSON-LD names "MM-Redaktion" where the ``article:author`` tags name
    "Deutsche Presse-Agentur" and "MM-Redaktion": a CMS filling one schema
    field keeps the first or last author only. A list that contains every
    name of the chosen one is the same byline, complete.
    """
    chosen = set(cleaned.split("; "))
    for names, other in found.authors:
        if other == source:
            continue
        longer = clean_authors(names, site)
        if longer and chosen < set(longer.split("; ")):
            return longer, other
    return cleaned, source


def same_name(first: str, second: str) -> bool:
    """Whether two names are the same up to case, punctuation and a domain ending."""
    keys = [words_key(re.sub(r"\.(?:com|de|no|fr|net|org)\b.*$", "", n)) for n in (first, second)]
    if not keys[0] or not keys[1]:
        return False
    shorter, longer = sorted(keys, key=len)
    return fuzz.ratio(shorter, longer) >= 85 or longer.startswith(shorter)


# Between names: ";", the ideographic comma of Chinese and Japanese lists ("、"),
# "and" in the languages of the dev sets, "&".
_NAME_SEPARATOR = re.compile(r"\s*[;、]\s*|\s+(?:and|und|et|y|e|og|och|en|i|и|és)\s+|\s+&\s+")
# A comma list of short names ("Jörg Soldwisch, dpa", "A, B and C"), not "Doe, Jane".
_NAME_LIST = re.compile(r"^[^,]{2,40}(?:,\s*[^,]{2,40})+$")


def clean_authors(names: list[str], site: str | None = None) -> str | None:
    """Author names "; "-joined: "By", roles and interface text dropped, lists split.

    When people are named, an entry that is the outlet itself is dropped
    ("한국일보; 신현주 기자" → "신현주").
    """
    split: list[str] = []
    for name in names:
        for part in _NAME_SEPARATOR.split(name):
            if _NAME_LIST.match(part) and all(len(p.split()) <= 4 for p in part.split(",")):
                split += part.split(",")
            else:
                split.append(_without_role(part))
    cleaned = clean_author("; ".join(part.strip() for part in split if part.strip()))
    if cleaned and site and ";" in cleaned:
        people = [n for n in cleaned.split("; ") if not same_name(n, site)]
        cleaned = "; ".join(people) or cleaned
    return cleaned


def _without_role(entry: str) -> str:
    """ "Jane Doe, professor of law at the University of X, example.com" → "Jane Doe".

    A byline that reads name, then a description of the writer: the first
    comma part is kept when it reads as a name (two to four capitalised
    words) and a later part is too long to be one (LRT's opinion pages).
    """
    parts = [p.strip() for p in entry.split(",")]
    if len(parts) < 2 or all(len(p.split()) <= 4 for p in parts):
        return entry
    words = parts[0].split()
    if 2 <= len(words) <= 4 and all(w[:1].isupper() for w in words):
        return parts[0]
    return entry


def clean_author(author: str | None) -> str | None:
    """Authors "; "-joined, with trailing dateline and job-title words removed."""
    if not author:
        return None
    names: list[str] = []
    for part in author.split(";"):
        name = _ROLE_SUFFIX.sub("", _BY_PREFIX.sub("", part.strip())).strip(" ,|-·")
        if not is_person_like(name):
            continue
        trimmed = _AUTHOR_TAIL.sub("", f" {name}").strip(" ,|-")
        if not trimmed:
            continue  # only a date or a job title
        if len(trimmed.split()) >= 2 or len(name.split()) == 1:
            name = trimmed
        if name not in names:
            names.append(name)
    return "; ".join(names) or None


def _is_dotted_handle(token: str) -> bool:
    """A lower-case login of dotted words that is no host name ("jane.doe", not "bild.de")."""
    return bool(re.fullmatch(r"[^\W\d_]+(?:\.[^\W\d_]+)+", token)) and not has_public_suffix(token)


def is_person_like(name: str) -> bool:
    """Whether a byline entry could name a writer (not "Username", a URL or an e-mail address)."""
    bare = name.strip(" .:@").lower()
    if not bare or bare in _NOT_A_NAME or len(bare) > 80:
        return False
    if "@" in bare or bare.startswith(("http", "www.")) or "/" in bare:
        return False
    tokens = bare.split()
    if len(tokens) == 1 and re.search(r"\w_\w", bare):
        return False  # a user handle ("jane_doe"), not a name
    if len(tokens) == 1 and name.strip() == bare and _is_dotted_handle(bare):
        return False  # a login ("edilson.la.rosa"), where another source names the person
    if len(tokens) > 1 and all(len(token) == 1 for token in tokens):
        return False  # initials of a widget's placeholder ("D E")
    return any(character.isalpha() for character in bare)
