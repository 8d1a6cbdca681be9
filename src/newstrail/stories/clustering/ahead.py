"""Tokenise and weigh a stream of articles in a second process, ahead of the clusterer.

Placing an article is sequential: the stories must see the articles one at a
time, in arrival order. Turning one into weighted sub-vectors needs only its
text and the online IDF, and the IDF is a function of the articles seen, in
order, whatever the clusterer does with them. So on a long stream a worker
process keeps its own copy of the IDF, tokenises and weighs chunks of
articles, and the main process places earlier ones meanwhile, counting each
article into its own IDF (two array increments) so that both copies stay
equal. Tokenising and weighing were ~45% of the clusterer's time per article
(py-spy on bench/clustering_scale.py); on the 2-core machine the target is set
for, the worker is the second core.

A worker pays ~0.5 s to start (importing numpy and scikit-learn), so short
streams are vectorised in process. Either way the vectors are the same: the
worker runs the same ``ArticleTokeniser`` and ``OnlineIdf``, and the main
process weighs an article again if its IDF and the worker's ever disagree on
how many documents they have counted (another ``place`` call in between).
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
from collections import deque
from collections.abc import Generator, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import TYPE_CHECKING

import numpy as np

from newstrail.stories.clustering.features import ArticleTerms, ArticleVectoriser, OnlineIdf

if TYPE_CHECKING:
    from newstrail.stories.clustering.records import ClusterArticle

CHUNK = 512  # articles per message: per-message pickling is then ~1% of the work
IN_FLIGHT = 4  # chunks queued ahead of the clusterer (bounds the memory read ahead)
# Streams shorter than this are vectorised in process. Starting the worker
# costs about what tokenising 3,000-4,000 articles does on an idle machine
# (~0.5 s, mostly importing numpy and scikit-learn), several times that on a
# loaded one: 3,177 articles took 3.7 s in process and 9.5 s with a worker at
# load average 7.
MIN_ARTICLES = 20 * CHUNK

# One chunk crossing between processes, as a few flat arrays (one pickle header
# each instead of several per article): headlines, years, then every article's
# terms and counts, weighed keys and values, and sub-vector bounds concatenated,
# with each article's sizes to cut them apart, and the IDF's document count
# before the chunk.
PackedChunk = tuple[
    list[str],
    list[tuple[int, ...]],
    np.ndarray,  # terms
    np.ndarray,  # counts
    np.ndarray,  # term count of each article
    np.ndarray,  # weighed keys
    np.ndarray,  # weighed values
    np.ndarray,  # bounds, four per article
    int,  # documents counted before the chunk
]

# The worker process's vectoriser, made by the pool's initializer. A pool keeps
# state in its worker only this way; the parent process never sets it.
_WORKER: dict[str, ArticleVectoriser] = {}


def vectorised_ahead(
    articles: Iterable[ClusterArticle],
    vectoriser: ArticleVectoriser,
    *,
    workers: int | None = None,
    min_articles: int | None = None,
) -> Generator[tuple[ClusterArticle, ArticleTerms], None, None]:
    """Yield each article with its terms, in input order, weighed ahead when it pays.

    Args:
        articles: the stream (any iterable; read at most ``IN_FLIGHT`` chunks ahead).
        vectoriser: the clusterer's vectoriser; the worker starts from a copy
            of its IDF, and short streams are tokenised with it.
        workers: 1 for a worker process, 0 for none; by default one when the
            machine has two cores or more.
        min_articles: streams shorter than this are tokenised in process
            (default ``MIN_ARTICLES``).

    Returns:
        ``(article, terms)`` pairs for ``ArticleVectoriser.weigh``; terms from
        the worker carry their weights.
    """
    if min_articles is None:
        min_articles = MIN_ARTICLES
    stream = iter(articles)
    head = list(itertools.islice(stream, min_articles))
    if workers is None:
        workers = 1 if (os.cpu_count() or 1) > 1 else 0
    if workers <= 0 or len(head) < min_articles:
        tokeniser = vectoriser.tokeniser
        for article in itertools.chain(head, stream):
            yield article, tokeniser.tokenise(article.title, article.text, article.date is not None)
        return
    # One worker: its IDF must count the chunks in order.
    pool = ProcessPoolExecutor(
        max_workers=1,
        mp_context=multiprocessing.get_context("spawn"),  # no fork of a threaded parent
        initializer=_start_worker,
        initargs=(
            vectoriser.tokeniser.body_chars,
            vectoriser.body_terms,
            vectoriser.entity_terms_kept,
            vectoriser.idf.document_frequency,
            vectoriser.idf.documents,
        ),
    )
    with pool:
        pending: deque[tuple[list[ClusterArticle], Future[PackedChunk]]] = deque()
        try:
            for chunk in _chunks(itertools.chain(head, stream)):
                chars = vectoriser.tokeniser.body_chars
                payload = [(a.title, a.text[:chars], a.date is not None) for a in chunk]
                pending.append((chunk, pool.submit(_vectorise_chunk, payload)))
                if len(pending) > IN_FLIGHT:
                    yield from _finished(pending.popleft())
            while pending:
                yield from _finished(pending.popleft())
        finally:
            for _, job in pending:
                job.cancel()


def _finished(
    entry: tuple[list[ClusterArticle], Future[PackedChunk]],
) -> Iterator[tuple[ClusterArticle, ArticleTerms]]:
    """A chunk's articles with their terms, once the worker has sent them."""
    chunk, job = entry
    return zip(chunk, _unpack(job.result()), strict=True)


def _chunks(articles: Iterator[ClusterArticle]) -> Iterator[list[ClusterArticle]]:
    while chunk := list(itertools.islice(articles, CHUNK)):
        yield chunk


def _start_worker(
    body_chars: int,
    body_terms: int,
    entity_terms_kept: int,
    document_frequency: np.ndarray,
    documents: int,
) -> None:
    """Pool initializer: the worker's vectoriser, from the parent's IDF as it stood."""
    idf = OnlineIdf(document_frequency, documents)
    _WORKER["vectoriser"] = ArticleVectoriser(body_chars, body_terms, entity_terms_kept, idf)


def _vectorise_chunk(payload: list[tuple[str, str, bool]]) -> PackedChunk:
    """Tokenise and weigh a chunk in order (runs in the worker); pack it for the trip back."""
    vectoriser = _WORKER["vectoriser"]
    tokeniser, idf, keep = vectoriser.tokeniser, vectoriser.idf, vectoriser.keep
    documents = idf.documents
    tokenised = [tokeniser.tokenise(title, lead, dated) for title, lead, dated in payload]
    weighed = [idf.observe_and_weigh(terms.terms, terms.counts, keep) for terms in tokenised]
    return (
        [terms.headline_text for terms in tokenised],
        [tuple(sorted(terms.years)) for terms in tokenised],
        np.concatenate([terms.terms for terms in tokenised]),
        np.concatenate([terms.counts for terms in tokenised]),
        np.array([len(terms.terms) for terms in tokenised], dtype=np.int64),
        np.concatenate([keys for (keys, _), _ in weighed]),
        np.concatenate([values for (_, values), _ in weighed]),
        np.array([bounds for _, bounds in weighed], dtype=np.int64).reshape(-1),
        documents,
    )


def _unpack(packed: PackedChunk) -> Iterator[ArticleTerms]:
    headlines, years, terms, counts, sizes, keys, values, bounds, documents = packed
    term_edges = np.concatenate(([0], np.cumsum(sizes))).tolist()
    all_bounds = bounds.reshape(-1, 4).tolist()
    kept_edges = np.concatenate(([0], np.cumsum([last for *_, last in all_bounds]))).tolist()
    for position, (start, end) in enumerate(itertools.pairwise(term_edges)):
        first, last = kept_edges[position], kept_edges[position + 1]
        yield ArticleTerms(
            headlines[position],
            terms[start:end],
            counts[start:end],
            frozenset(years[position]),
            weighed=(
                (keys[first:last], values[first:last]),
                tuple(all_bounds[position]),
                documents + position + 1,
            ),
        )
