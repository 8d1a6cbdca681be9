"""The language of an article: what the page declares, checked against its text.

Pages declare a language in ``<html lang>``, ``og:locale``, JSON-LD
``inLanguage`` or ``Content-Language``; templates get it wrong often enough
(a site-wide "en" on a German article) that the text has the last word when
there is enough of it. Detection is py3langid (langid.py's model, 97
languages, shipped in the package, offline; 0.3 ms per article once its
model is loaded, which takes about 1 s on first use).
"""

from __future__ import annotations

import functools
import re
from typing import Any

from lxml.html import HtmlElement

from newstrail.extract.structured import Claim

# Below this many letters langid's guesses on news text are unreliable (a
# headline alone is often mistaken); the declaration is kept then.
_MIN_LETTERS = 200
# langid scores are log-probabilities; normalised, a confidence under this is a guess.
_MIN_CONFIDENCE = 0.9
# langid's feature counting is a Python loop over the bytes: 5,000 characters
# cost 30 ms a page, 11 % of extraction time on scrapinghub-aeb; the first
# 1,200 characters of the article decide the language as well (fundus-meta
# language accuracy 0.977 either way).
_SAMPLE_CHARS = 1200


def declared_language(tree: HtmlElement, claims: list[Claim]) -> tuple[str, str] | None:
    """The language the page declares, as a primary subtag ("en" from "en-GB"), and where."""
    for claim in claims:
        primary = primary_subtag(claim.value)
        if primary:
            return primary, claim.source
    for value, source in (
        (tree.get("lang") or tree.get("xml:lang"), "html-lang"),
        (_content_language(tree), "meta"),
    ):
        primary = primary_subtag(value)
        if primary:
            return primary, source
    return None


def primary_subtag(value: str | None) -> str | None:
    """ "en-GB" → "en", "de_DE" → "de"; None for anything that is not a language tag."""
    if not value:
        return None
    primary = re.split(r"[-_]", value.strip())[0].lower()
    if primary == "nb" or primary == "nn":
        return "no"  # Bokmål and Nynorsk are written Norwegian; langid says "no" for both
    return primary if primary.isalpha() and 2 <= len(primary) <= 3 else None


def _content_language(tree: HtmlElement) -> str | None:
    for meta in tree.iterfind(".//meta"):
        if (meta.get("http-equiv") or "").lower() == "content-language":
            content = meta.get("content")
            return str(content) if content else None
    return None


def detect_language(text: str) -> tuple[str, float] | None:
    """The language of ``text`` by py3langid and its confidence (0–1), or None if too short."""
    sample = text[:_SAMPLE_CHARS]
    letters = sum(1 for character in sample if character.isalpha())
    if letters < _MIN_LETTERS:
        return None
    language, confidence = _identifier().classify(sample)
    return str(language), float(confidence)


def article_language(
    tree: HtmlElement, claims: list[Claim], title: str, text: str
) -> tuple[str | None, str | None]:
    """The article's language and its evidence (``detected``, or the declaring markup).

    The declaration wins when the text agrees or is too short to judge; a
    confident detection from the article's own text wins over a template's
    declaration that it contradicts.
    """
    declared = declared_language(tree, claims)
    detected = detect_language(f"{title}\n{text}")
    confident = detected is not None and detected[1] >= _MIN_CONFIDENCE
    if detected is not None and confident and (declared is None or declared[0] != detected[0]):
        return detected[0], "detected"
    if declared is not None:
        return declared
    return (detected[0], "detected") if detected is not None else (None, None)


def text_language(title: str | None, text: str) -> str | None:
    """The language of a plain-text article (nothing declares one); None if too short."""
    detected = detect_language(f"{title or ''}\n{text}")
    return detected[0] if detected is not None else None


def page_languages(tree: HtmlElement, claims: list[Claim]) -> list[str]:
    """The language(s) to read the page's written dates in, before the body is extracted.

    What the page declares, else the language of its paragraphs' text (the
    first ``_SAMPLE_CHARS`` characters of ``<p>`` text); empty when neither
    says (dates are then read in English only: ``dates.dateparser_languages``).
    """
    declared = declared_language(tree, claims)
    if declared is not None:
        return [declared[0]]
    sample: list[str] = []
    size = 0
    for paragraph in tree.iterfind(".//p"):
        text = " ".join(paragraph.text_content().split())
        sample.append(text)
        size += len(text)
        if size >= _SAMPLE_CHARS:
            break
    detected = detect_language(" ".join(sample))
    return [detected[0]] if detected is not None else []


@functools.cache
def _identifier() -> Any:
    """py3langid's identifier with normalised probabilities, loaded once per process."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    # The module-level ``classify`` shares an identifier without normalised probabilities.
    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
