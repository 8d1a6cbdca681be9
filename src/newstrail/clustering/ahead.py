"""Tokenise a stream of articles in a second process, ahead of the clusterer.

Placing an article is sequential: the online IDF and the stories must see the
articles one at a time, in arrival order. Tokenising one (words, word pairs,
entity proxy, term counts) reads its text alone and is ~20% of the clusterer's
time per article (bench/clustering_scale.py), so on a long stream a worker
process tokenises chunks of articles while the main process places the earlier
ones; on the 2-core machine the target is set for, that is the second core.

A worker pays ~0.5 s to start (importing numpy and scikit-learn), so short
streams are tokenised in process. Either way the terms are the same: the
worker runs the same ``ArticleTokeniser``.
"""

from __future__ import annotations

import functools
import itertools
import multiprocessing
import os
from collections import deque
from collections.abc import Generator, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import TYPE_CHECKING

import numpy as np

from newstrail.clustering.features import ArticleTerms, ArticleTokeniser

if TYPE_CHECKING:
    from newstrail.clustering.online import ClusterArticle

CHUNK = 512  # articles per message: per-message pickling is then ~1% of the work
IN_FLIGHT = 4  # chunks queued ahead of the clusterer (bounds the memory read ahead)
# Streams shorter than this are tokenised in process. Starting the worker
# costs about what tokenising 3,000-4,000 articles does on an idle machine
# (~0.5 s, mostly importing numpy and scikit-learn), several times that on a
# loaded one: 3,177 articles took 3.7 s in process and 9.5 s with a worker at
# load average 7.
MIN_ARTICLES = 20 * CHUNK

# One chunk crossing between processes: headlines, years, then every article's
# terms and counts concatenated with each article's term count (one array each
# instead of two per article, which would cost a pickle header apiece).
PackedTerms = tuple[list[str], list[tuple[int, ...]], np.ndarray, np.ndarray, np.ndarray]


def tokenised_ahead(
    articles: Iterable[ClusterArticle],
    body_chars: int,
    *,
    workers: int | None = None,
    min_articles: int | None = None,
) -> Generator[tuple[ClusterArticle, ArticleTerms], None, None]:
    """Yield each article with its terms, in input order, tokenising ahead when it pays.

    Args:
        articles: the stream (any iterable; read at most ``IN_FLIGHT`` chunks ahead).
        body_chars: characters of each body that are tokenised (``ClusterSettings``).
        workers: tokenising processes; default one when the machine has two
            cores or more, none (in process) otherwise.
        min_articles: streams shorter than this are tokenised in process
            (default ``MIN_ARTICLES``).
    """
    if min_articles is None:
        min_articles = MIN_ARTICLES
    stream = iter(articles)
    head = list(itertools.islice(stream, min_articles))
    if workers is None:
        workers = 1 if (os.cpu_count() or 1) > 1 else 0
    if workers <= 0 or len(head) < min_articles:
        tokeniser = ArticleTokeniser(body_chars)
        for article in itertools.chain(head, stream):
            yield article, _tokenise(tokeniser, article, body_chars)
        return
    context = multiprocessing.get_context("spawn")  # no fork of a threaded parent
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        pending: deque[tuple[list[ClusterArticle], Future[PackedTerms]]] = deque()
        try:
            for chunk in _chunks(itertools.chain(head, stream)):
                job = pool.submit(_tokenise_chunk, _payload(chunk, body_chars), body_chars)
                pending.append((chunk, job))
                if len(pending) > IN_FLIGHT:
                    yield from _finished(pending.popleft())
            while pending:
                yield from _finished(pending.popleft())
        finally:
            for _, job in pending:
                job.cancel()


def _finished(
    entry: tuple[list[ClusterArticle], Future[PackedTerms]],
) -> Iterator[tuple[ClusterArticle, ArticleTerms]]:
    """A chunk's articles with their terms, once the worker has sent them."""
    chunk, job = entry
    return zip(chunk, _unpack(job.result()), strict=True)


def _chunks(articles: Iterator[ClusterArticle]) -> Iterator[list[ClusterArticle]]:
    while chunk := list(itertools.islice(articles, CHUNK)):
        yield chunk


def _payload(chunk: list[ClusterArticle], body_chars: int) -> list[tuple[str, str, bool]]:
    """What the worker needs of each article: title, the lead it reads, whether dated."""
    return [(a.title, a.text[:body_chars], a.date is not None) for a in chunk]


def _tokenise(
    tokeniser: ArticleTokeniser, article: ClusterArticle, body_chars: int
) -> ArticleTerms:
    return tokeniser.tokenise(article.title, article.text[:body_chars], article.date is not None)


@functools.cache
def _worker_tokeniser(body_chars: int) -> ArticleTokeniser:
    """The worker process's tokeniser, kept across chunks for its term memos."""
    return ArticleTokeniser(body_chars)


def _tokenise_chunk(payload: list[tuple[str, str, bool]], body_chars: int) -> PackedTerms:
    """Tokenise a chunk (runs in the worker) and pack it for the trip back."""
    tokeniser = _worker_tokeniser(body_chars)
    tokenised = [tokeniser.tokenise(title, lead, dated) for title, lead, dated in payload]
    return (
        [terms.headline_text for terms in tokenised],
        [tuple(sorted(terms.years)) for terms in tokenised],
        np.concatenate([terms.terms for terms in tokenised]),
        np.concatenate([terms.counts for terms in tokenised]),
        np.array([len(terms.terms) for terms in tokenised], dtype=np.int64),
    )


def _unpack(packed: PackedTerms) -> Iterator[ArticleTerms]:
    headlines, years, terms, counts, sizes = packed
    bounds = np.concatenate(([0], np.cumsum(sizes))).tolist()
    for position, (start, end) in enumerate(itertools.pairwise(bounds)):
        yield ArticleTerms(
            headlines[position], terms[start:end], counts[start:end], frozenset(years[position])
        )
