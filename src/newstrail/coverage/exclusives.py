"""What each outlet alone reports about a story, and which articles support a sentence.

A sentence is *supported* by an article when one of the article's sentences says the
same thing. "The same thing" is judged by :func:`support_matrix`: by default a blend
of word and character TF-IDF cosines fitted on the sentences at hand; with the
``semantic`` extra, the sentence model's word-piece alignment (BERTScore F1). Each
has a threshold calibrated by cross-validation on MSRP news paraphrase pairs
(``bench/reuse.py``).
The summary stage (``coverage/summary.py``) cites outlets with the same function, so a
citation and an exclusivity claim can never disagree.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from rapidfuzz import fuzz
from sklearn.feature_extraction.text import TfidfVectorizer

from newstrail.coverage import semantic
from newstrail.coverage.reuse import StoryArticle
from newstrail.errors import InvalidInput
from newstrail.text.sentences import sentence_spans
from newstrail.versions.edits import is_correction_notice

# Share of the word-TF-IDF cosine in the blend (the rest is character 3-5-grams), an
# even split. bench/reuse.py, 10-fold CV on the 500 local MSRP pairs: word TF-IDF
# baseline acc 0.712 / F1 0.811, this blend 0.728 / 0.823, and 0.720 / 0.817 when the
# weight is also chosen inside each fold (it picks 0.3-0.8: the data cannot tell them
# apart, hence no fitted value). Characters absorb inflection ("rallied"/"rally") and
# spelling variants. Rejected: a penalty for mismatched numbers (MSRP negatives often
# share their numbers; accuracy fell by about 0.01), word bigrams and stop-word
# removal (no gain beyond the +-0.02 noise of 500 pairs).
WORD_WEIGHT = 0.5

# Similarity at or above which one sentence supports another: cross-validation on
# MSRP picks 0.47-0.51 per fold (0.513 in eight folds of ten, bench/reuse.py); rounded
# down because support ("says the same thing") is a little looser than paraphrase.
SUPPORT_THRESHOLD = 0.5

# With the semantic extra, support is judged on the model's word-piece alignment
# (BERTScore F1, coverage.semantic.alignment_matrix) alone, and this is its threshold.
# bench/reuse.py, 10-fold CV on the 500 local MSRP pairs, thresholds chosen on the
# other folds: TF-IDF baseline 0.712 acc, lexical blend 0.728, the model's sentence
# cosine 0.734, its even blend with the lexical score (shipped before) 0.732, the
# alignment 0.754. A logistic combination of the alignment with the cosine, the
# lexical blend, content-word coverage both ways, missing numbers and names and the
# length ratio did no better (0.736-0.756: 500 pairs cannot fit more than one or
# two weights), so the alignment ships alone, with no fitted weight. Rejected too:
# no support between sentences whose numbers conflict (each has one the other
# lacks): 45 MSRP pairs, 47% of them labelled paraphrases, so accuracy fell to 0.726
# (lexical 0.706); conflicting figures are coverage/discrepancies.py's. The folds pick
# thresholds of 0.651-0.662; 0.65 is that range rounded down, as for
# SUPPORT_THRESHOLD, and keeps the seed story's shared statements supported
# (tests/test_coverage.py) while its one-outlet facts stay exclusive.
SEMANTIC_THRESHOLD = 0.65

# Sentences shorter than this (in words) are headings, captions or datelines: too
# little content to call exclusive or to summarise.
MIN_SENTENCE_WORDS = 6
# A line of at most this many words with no closing punctuation is a heading or
# a related-article teaser ("Russia admits to world's third-worst coronavirus
# death toll" inside the sample SCMP text), not a statement: news prose ends
# its sentences, and a headline runs 8-12 words.
MAX_HEADING_WORDS = 12
_CLOSING = (".", "!", "?", "…", '"', "”", "'", "’", ")", ":")

# A quote must have this many words to count as a fact; shorter ones are scare quotes.
MIN_QUOTE_WORDS = 4

# Partial-ratio (0-100) at which another article is taken to carry the same quote;
# tolerates curly/straight quote marks and a changed word.
QUOTE_MATCH_RATIO = 90.0

# spaCy entity labels that name facts (who, where, which organisation or event).
FACT_ENTITY_LABELS = frozenset(
    {"PERSON", "ORG", "GPE", "LOC", "NORP", "FAC", "EVENT", "PRODUCT", "LAW", "WORK_OF_ART"}
)

# Numbers with their scale; digits glued to letters ("5G", "H-6K") are names, not numbers.
_NUMBER = re.compile(r"(?<![\w.])\d+(?:[.,]\d+)*(?:\s?%|\s(?:million|billion|trillion))?(?![\w])")
_QUOTE = re.compile(r"[“\"]([^“”\"]{10,600})[”\"]")
_WORD = re.compile(r"\w+")
# A leading article and a possessive are not part of an entity's name ("the EU's").
_ENTITY_DECORATION = re.compile(r"^[Tt]he\s+|['’]s$")


@dataclass(frozen=True)
class ExclusiveSentence:
    """A sentence no other article of the story supports."""

    text: str
    span: tuple[int, int]
    best_support: float  # highest similarity to any other article's sentence


@dataclass(frozen=True)
class Fact:
    """An entity, number or quote, and the articles that carry it."""

    kind: str  # "entity" | "number" | "quote"
    text: str
    article_ids: tuple[str, ...]


@dataclass(frozen=True)
class ExclusiveReport:
    """What one article reports that the rest of its story does not."""

    article_id: str
    source: str | None
    sentences: tuple[ExclusiveSentence, ...]
    facts: tuple[Fact, ...]  # facts this article carries that not every article carries


# A quotation left open runs on for at most this many more sentences of its
# paragraph; beyond that the marks are unbalanced by a typo, not by a long quote.
_MAX_QUOTED_SENTENCES = 4


def quotation_units(text: str, spans: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """``spans`` with a quotation split over several sentences joined into one span.

    “Sino-Russian relations are not affected… factors. Strengthening… countries,”
    a statement quoted Xi as saying: cited or listed apart, the first half reads
    as an unattributed quote left open. Spans of one paragraph only are joined.
    """
    units: list[tuple[int, int]] = []
    index = 0
    while index < len(spans):
        start, end = spans[index]
        joined = 0
        while (
            _quotation_open(text[start:end])
            and index + 1 < len(spans)
            and joined < _MAX_QUOTED_SENTENCES
            and "\n" not in text[end : spans[index + 1][0]]
        ):
            index += 1
            joined += 1
            end = spans[index][1]
        if joined and _quotation_open(text[start:end]):  # never closed: keep the sentences apart
            units.extend(spans[index - joined : index + 1])
        else:
            units.append((start, end))
        index += 1
    return units


def _quotation_open(sentence: str) -> bool:
    """Whether ``sentence`` opens a double quotation it does not close."""
    if "“" in sentence or "”" in sentence:
        return sentence.count("“") > sentence.count("”")
    return sentence.count('"') % 2 == 1


def _vectorizers() -> tuple[TfidfVectorizer, TfidfVectorizer]:
    """Fresh word and character TF-IDF vectorizers (sublinear tf, l2-normalised rows)."""
    words = TfidfVectorizer(sublinear_tf=True, lowercase=True)
    characters = TfidfVectorizer(
        analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True, lowercase=True
    )
    return words, characters


def similarity_matrix(
    left: Sequence[str],
    right: Sequence[str],
    corpus: Sequence[str] | None = None,
    word_weight: float = WORD_WEIGHT,
) -> NDArray[np.float64]:
    """Blended TF-IDF cosine between every sentence of ``left`` and of ``right``.

    Args:
        left: sentences (rows).
        right: sentences (columns).
        corpus: texts that the IDF weights are fitted on; defaults to ``left + right``.
        word_weight: share of the word cosine in the blend (the rest is characters).

    Returns:
        A ``len(left) x len(right)`` array of similarities in [0, 1].
    """
    if not left or not right:
        return np.zeros((len(left), len(right)))
    fit_on = list(corpus) if corpus is not None else [*left, *right]
    blended = np.zeros((len(left), len(right)))
    for weight, vectorizer in zip((word_weight, 1.0 - word_weight), _vectorizers(), strict=True):
        try:
            vectorizer.fit(fit_on)
        except ValueError:  # no tokens at all (punctuation-only input)
            continue
        product = vectorizer.transform(left) @ vectorizer.transform(right).T
        blended += weight * product.toarray()
    return np.clip(blended, 0.0, 1.0)


def support_matrix(
    left: Sequence[str], right: Sequence[str], corpus: Sequence[str] | None = None
) -> NDArray[np.float64]:
    """How far each sentence of ``right`` says what each of ``left`` says; support at 0.5.

    The lexical blend of :func:`similarity_matrix`; with the semantic extra
    installed, the sentence model's word-piece alignment instead
    (``coverage.semantic.alignment_matrix``). Either way ``SUPPORT_THRESHOLD`` is
    the decision point: the alignment is shifted by the threshold its own
    cross-validation chose.
    """
    if not semantic.available() or not left or not right:
        scores = similarity_matrix(left, right, corpus=corpus)
    else:
        scores = _calibrated(semantic.alignment_matrix(left, right, corpus=corpus))
    return _with_shared_quotations(left, right, scores)


# A sentence that is a quotation and its attribution ("…," a senior US official
# told reporters, speaking on condition of anonymity) has at most this many
# words outside its quotation marks; a longer rest makes claims of its own.
MAX_ATTRIBUTION_WORDS = 12


def _with_shared_quotations(
    left: Sequence[str], right: Sequence[str], scores: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Support where a sentence of ``right`` carries every quotation of one of ``left``.

    '"We are not there yet," a senior US official told reporters' and 'An
    American official cautioned: "We are not there yet."' report the same
    words however differently the outlets frame them; the framing words
    alone keep their similarity under the threshold. Only a sentence that is
    its quotations plus an attribution counts, and the other sentence must
    hold each quotation word for word: a claim of its own around a quotation,
    or one of two quotations, is not supported by the quotation alone.
    """
    for row, sentence in enumerate(left):
        quotations = [" ".join(_words_of(q)) for q in _QUOTE.findall(sentence)]
        if not quotations or any(len(q.split()) < MIN_QUOTE_WORDS for q in quotations):
            continue
        rest = _QUOTE.sub(" ", sentence)
        if len(_WORD.findall(rest)) > MAX_ATTRIBUTION_WORDS:
            continue
        for column, other in enumerate(right):
            if scores[row, column] >= SUPPORT_THRESHOLD:
                continue
            other_words = f" {' '.join(_words_of(other))} "
            if all(f" {quotation} " in other_words for quotation in quotations):
                scores[row, column] = SUPPORT_THRESHOLD
    return scores


def _words_of(text: str) -> list[str]:
    """Lower-case words, typographic apostrophes as plain ones ("Obama’s" = "Obama's").

    ``coverage.quoting.grouping.words`` does the same, but importing the quoting
    package loads spaCy (0.5 s) for every summary and exclusives caller.
    """
    return re.findall(r"\w+(?:'\w+)?", text.lower().replace("’", "'"))


def paired_support(
    left: Sequence[str], right: Sequence[str], corpus: Sequence[str] | None = None
) -> NDArray[np.float64]:
    """:func:`support_matrix` of ``left[i]`` with ``right[i]`` for each pair."""
    if not semantic.available() or not left:
        return paired_similarity(left, right, corpus=corpus)
    return _calibrated(semantic.paired_alignment(left, right, corpus=corpus))


def _calibrated(alignment: NDArray[np.float64]) -> NDArray[np.float64]:
    """The alignment moved so that its threshold falls on ``SUPPORT_THRESHOLD``."""
    return np.clip(alignment - SEMANTIC_THRESHOLD + SUPPORT_THRESHOLD, 0.0, 1.0)


def paired_similarity(
    left: Sequence[str],
    right: Sequence[str],
    corpus: Sequence[str] | None = None,
    word_weight: float = WORD_WEIGHT,
) -> NDArray[np.float64]:
    """Blended TF-IDF cosine of ``left[i]`` with ``right[i]`` for each pair.

    Args:
        left: first sentence of each pair.
        right: second sentence of each pair (same length as ``left``).
        corpus: texts that the IDF weights are fitted on; defaults to ``left + right``.
        word_weight: share of the word cosine in the blend (the rest is characters).

    Returns:
        One similarity in [0, 1] per pair.
    """
    if len(left) != len(right):
        raise InvalidInput("left and right must have the same length")
    fit_on = list(corpus) if corpus is not None else [*left, *right]
    blended = np.zeros(len(left))
    for weight, vectorizer in zip((word_weight, 1.0 - word_weight), _vectorizers(), strict=True):
        vectorizer.fit(fit_on)
        product = vectorizer.transform(left).multiply(vectorizer.transform(right))
        blended += weight * np.asarray(product.sum(axis=1)).ravel()
    return np.clip(blended, 0.0, 1.0)


@dataclass(frozen=True)
class StorySentences:
    """Every content sentence of a story with its article and the pairwise similarities."""

    texts: tuple[str, ...]
    spans: tuple[tuple[int, int], ...]
    article_index: NDArray[np.int64]  # position in the story's article list, per sentence
    similarity: NDArray[np.float64]  # sentence x sentence blended cosine


def story_sentences(articles: Sequence[StoryArticle], *, compare: bool = True) -> StorySentences:
    """Split every article into content sentences and (if ``compare``) compare them all."""
    texts: list[str] = []
    spans: list[tuple[int, int]] = []
    owners: list[int] = []
    for position, article in enumerate(articles):
        for start, end in quotation_units(article.text, sentence_spans(article.text)):
            sentence = article.text[start:end]
            words = len(_WORD.findall(sentence))
            heading = words <= MAX_HEADING_WORDS and not sentence.endswith(_CLOSING)
            # A correction notice is about the article, not the story: the
            # story page shows it with the article's versions, never as news.
            if words >= MIN_SENTENCE_WORDS and not heading and not is_correction_notice(sentence):
                texts.append(sentence)
                spans.append((start, end))
                owners.append(position)
    return StorySentences(
        texts=tuple(texts),
        spans=tuple(spans),
        article_index=np.array(owners, dtype=np.int64),
        similarity=support_matrix(texts, texts, corpus=texts) if compare else np.zeros((0, 0)),
    )


def best_support_per_article(
    sentences: StorySentences, row: int, article_count: int
) -> NDArray[np.float64]:
    """Highest similarity of sentence ``row`` to any sentence of each article."""
    best = np.zeros(article_count)
    np.maximum.at(best, sentences.article_index, sentences.similarity[row])
    return best


def supporting_articles(
    sentence: str, articles: Sequence[StoryArticle], threshold: float = SUPPORT_THRESHOLD
) -> list[tuple[str, float]]:
    """Which articles say what ``sentence`` says.

    Args:
        sentence: the claim to look for.
        articles: the articles to search.
        threshold: least similarity of one of an article's sentences to count as support.

    Returns:
        ``(article id, best similarity)`` for each supporting article, best first.
    """
    # The same sentences and IDF weights as story_sentences, so that this function
    # and the summary's citations agree on every story sentence.
    candidates = story_sentences(articles, compare=False)
    scores = support_matrix([sentence], candidates.texts, corpus=candidates.texts)
    best = np.zeros(len(articles))
    if candidates.texts:
        np.maximum.at(best, candidates.article_index, scores[0])
    found = [
        (articles[position].id, float(score))
        for position, score in enumerate(best)
        if score >= threshold
    ]
    return sorted(found, key=lambda item: -item[1])


def exclusive_content(articles: Sequence[StoryArticle]) -> dict[str, ExclusiveReport]:
    """For each article, the sentences no other article supports and its partial facts.

    Args:
        articles: the articles of one story (two or more for anything to compare).

    Returns:
        Article id → its :class:`ExclusiveReport`. With a single article nothing is
        exclusive (there is nothing to compare with), so the reports are empty.
    """
    if len(articles) < 2:
        return {a.id: ExclusiveReport(a.id, a.source, (), ()) for a in articles}
    sentences = story_sentences(articles)
    exclusive: dict[int, list[ExclusiveSentence]] = {i: [] for i in range(len(articles))}
    for row, owner in enumerate(sentences.article_index.tolist()):
        best = best_support_per_article(sentences, row, len(articles))
        best[owner] = 0.0
        if best.max() < SUPPORT_THRESHOLD:
            exclusive[owner].append(
                ExclusiveSentence(sentences.texts[row], sentences.spans[row], float(best.max()))
            )
    facts = _partial_facts(articles)
    return {
        article.id: ExclusiveReport(
            article_id=article.id,
            source=article.source,
            sentences=tuple(exclusive[position]),
            facts=tuple(f for f in facts if article.id in f.article_ids),
        )
        for position, article in enumerate(articles)
    }


def _partial_facts(articles: Sequence[StoryArticle]) -> list[Fact]:
    """Entities, numbers and quotes carried by some but not all of ``articles``."""
    lowered = [a.text.lower() for a in articles]
    facts: list[Fact] = []
    seen: set[tuple[str, str]] = set()
    for kind, text in _fact_mentions(articles):
        key = (kind, text.lower())
        if key in seen:
            continue
        seen.add(key)
        carriers = tuple(
            a.id for a, body in zip(articles, lowered, strict=True) if _carries(kind, text, body)
        )
        if 0 < len(carriers) < len(articles):
            facts.append(Fact(kind, text, carriers))
    return facts


def _fact_mentions(articles: Sequence[StoryArticle]) -> list[tuple[str, str]]:
    """Every ``(kind, text)`` fact mention in ``articles``, in reading order."""
    from newstrail.text.nlp import load_english

    nlp = load_english(disable=("parser", "lemmatizer"))
    mentions: list[tuple[str, str]] = []
    for article, doc in zip(articles, nlp.pipe(a.text for a in articles), strict=True):
        mentions.extend(
            ("entity", _ENTITY_DECORATION.sub("", entity.text))
            for entity in doc.ents
            if entity.label_ in FACT_ENTITY_LABELS
        )
        mentions.extend(("number", match.group()) for match in _NUMBER.finditer(article.text))
        for match in _QUOTE.finditer(article.text):
            quote = match.group(1).strip()
            if len(_WORD.findall(quote)) >= MIN_QUOTE_WORDS:
                mentions.append(("quote", quote))
    return mentions


def _carries(kind: str, text: str, lowered_body: str) -> bool:
    """Whether an article (its lower-cased text) carries the fact."""
    needle = text.lower()
    if kind == "quote":
        return fuzz.partial_ratio(needle, lowered_body) >= QUOTE_MATCH_RATIO
    if kind == "number":
        return re.search(rf"(?<![\w.]){re.escape(needle)}(?![\w])", lowered_body) is not None
    if re.search(rf"\b{re.escape(needle)}\b", lowered_body) is not None:
        return True
    # One word in another form: "Qatari" is carried by "Qatar's", "Russian" by "Russia".
    if needle.isalpha() and len(needle) >= 5:
        stem = needle[: max(4, len(needle) - 2)]
        return re.search(rf"\b{re.escape(stem)}", lowered_body) is not None
    return False
