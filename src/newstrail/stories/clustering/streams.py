"""Cluster a whole stream of articles: records in memory, or a JSON Lines file.

``cluster_records`` places records in arrival order and gives each its final
story. It must see the whole stream before placing anything, to put
it in date order, so it keeps every article. On a file of 1M articles of a few
KB each that peaked at 3.8 GB even with texts cut to the lead the clusterer
reads. Here the file is read twice instead: once for each record's position,
id and date, then in date order, record by record, seeking back to each; the
clusterer itself is the only thing that grows.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from newstrail.errors import InvalidInput
from newstrail.stories.clustering.online import StoryClusterer
from newstrail.stories.clustering.records import (
    ClusterArticle,
    ClusterSettings,
    arrival_key,
    article_from_record,
    record_date,
)


def cluster_records(
    records: Iterable[dict[str, Any]],
    settings: ClusterSettings | None = None,
    *,
    progress: Callable[[int, int], None] | None = None,
) -> Iterator[tuple[str, int]]:
    """Cluster article records as one stream and yield each article's final story.

    Gold fields (``story_id``, ``topic_id``, ``event_label``, ...) are never read.
    Only the part of each text the clusterer reads (``body_chars``) is kept
    while the stream is sorted into date order, so memory does not grow with
    article length (1M articles of a few KB each would otherwise be held whole).

    Args:
        records: dicts with ``id``, ``title``, ``text`` and optionally ``date``,
            ``outlet``, ``url``, ``language`` (or ``source``, ``lang``: their former names).
        settings: clustering options.
        progress: called as ``progress(placed, total)`` every 1,000 articles and at the end.

    Returns:
        ``(article id, story id)`` in input order, after all merges and splits;
        articles are placed in date order when dates exist (undated first, in
        file order), file order otherwise.
    """
    settings = settings or ClusterSettings()
    articles = [article_from_record(record, settings.body_chars) for record in records]
    arriving = sorted(articles, key=lambda article: arrival_key(article.date))
    story_of = final_stories(arriving, len(articles), settings, progress)
    for article in articles:
        yield article.id, story_of[article.id]


def final_stories(
    arriving: Iterable[ClusterArticle],
    total: int,
    settings: ClusterSettings,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, int]:
    """Place ``arriving`` (in arrival order) as one stream; each article id's final story.

    Args:
        arriving: the articles, in the order they are placed.
        total: how many there are (for ``progress``).
        settings: clustering options.
        progress: called as ``progress(placed, total)`` every 1,000 articles and at the end.
    """
    clusterer = StoryClusterer(settings)
    for count, _ in enumerate(clusterer.place_all(arriving), start=1):
        if progress is not None and (count % 1000 == 0 or count == total):
            progress(count, total)
    return {
        article_id: story_id
        for story_id, members in clusterer.stories().items()
        for article_id in members
    }


class BadRecord(InvalidInput):
    """A line of the input is not a JSON object with an ``id``."""


def cluster_jsonl(
    path: Path,
    settings: ClusterSettings | None = None,
    *,
    progress: Callable[[int, int], None] | None = None,
) -> Iterator[tuple[str, int]]:
    """Cluster the articles of a JSON Lines file, as ``cluster_records`` does.

    Args:
        path: one article per line: ``id``, ``title``, ``text`` and optionally
            ``date``, ``outlet``, ``url``, ``language`` (or ``source``, ``lang``: their
            former names); gold fields are never read.
        settings: clustering options.
        progress: called as ``progress(placed, total)`` every 1,000 articles and at the end.

    Returns:
        ``(article id, story id)`` in file order, after all merges and splits;
        articles are placed in date order (undated first, in file order).

    Raises:
        BadRecord: a line that is not a JSON object with an ``id`` (its number is named).
    """
    settings = settings or ClusterSettings()
    offsets: list[int] = []
    ids: list[str] = []
    arrival_keys: list[tuple[float, float]] = []
    with path.open("rb") as lines:
        offset = 0
        for number, line in enumerate(lines, start=1):
            if line.strip():
                record = _record(line, f"{path}: line {number}")
                offsets.append(offset)
                ids.append(str(record["id"]))
                arrival_keys.append(arrival_key(record_date(record)))
            offset += len(line)
    arrival = sorted(range(len(ids)), key=arrival_keys.__getitem__)
    del arrival_keys

    def articles() -> Iterator[ClusterArticle]:
        with path.open("rb") as lines:
            for position in arrival:
                lines.seek(offsets[position])
                record = _record(lines.readline(), f"{path}: record {position + 1} (re-read)")
                yield article_from_record(record, settings.body_chars)

    story_of = final_stories(articles(), len(ids), settings, progress)
    for article_id in ids:
        yield article_id, story_of[article_id]


def _record(line: bytes, where: str) -> dict[str, Any]:
    try:
        record = json.loads(line)
    except UnicodeDecodeError as error:
        raise BadRecord(f"{where}: not UTF-8 text") from error
    except json.JSONDecodeError as error:
        raise BadRecord(f"{where}: not JSON ({error})") from error
    if not isinstance(record, dict) or "id" not in record:
        raise BadRecord(f"{where}: not a JSON object with an id")
    return record
