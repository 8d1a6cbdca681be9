"""Save and resume a clusterer without replaying the archive.

The format is a zstd-compressed ``np.savez`` archive: numeric arrays (document
frequencies, sparse vectors as parallel key/value arrays) plus one JSON
document for settings and story metadata. Unlike pickle, loading it runs no
code (``allow_pickle=False``). Floats are kept as float64 and JSON floats
round-trip exactly, so a resumed clusterer places later articles identically.
"""

from __future__ import annotations

import io
import json
from dataclasses import asdict
from datetime import datetime
from typing import Any

import numpy as np
import zstandard

from newstrail.errors import InvalidInput
from newstrail.stories.clustering.features import ArticleVectors, OnlineIdf, StackedVector
from newstrail.stories.clustering.records import ClustererSnapshot, ClusterSettings
from newstrail.stories.clustering.story import Story

# 2: word-pair buckets are mixed from word buckets (1 hashed the pair strings).
# 3: members are stored as stacked arrays; centroids are rebuilt from them on reading.
FORMAT_VERSION = 3


class _VectorTable:
    """Sparse vectors flattened into key, value and length arrays."""

    def __init__(self) -> None:
        self.keys: list[np.ndarray] = []
        self.values: list[np.ndarray] = []

    def append(self, keys: np.ndarray, values: np.ndarray) -> None:
        self.keys.append(keys)
        self.values.append(values)

    def arrays(self, prefix: str) -> dict[str, np.ndarray]:
        return {
            f"{prefix}_keys": np.concatenate([*self.keys, np.zeros(0, dtype=np.int64)]),
            f"{prefix}_values": np.concatenate([*self.values, np.zeros(0)]),
            f"{prefix}_lengths": np.array([len(keys) for keys in self.keys], dtype=np.int64),
        }


class _VectorReader:
    """Reads back vectors written by ``_VectorTable`` in order."""

    def __init__(self, arrays: Any, prefix: str) -> None:
        self._keys = np.asarray(arrays[f"{prefix}_keys"], dtype=np.int64)
        self._values = np.asarray(arrays[f"{prefix}_values"], dtype=np.float64)
        self._lengths = arrays[f"{prefix}_lengths"].tolist()
        self._vector = 0
        self._offset = 0

    def next(self) -> StackedVector:
        length = self._lengths[self._vector]
        start, end = self._offset, self._offset + length
        self._vector += 1
        self._offset = end
        return self._keys[start:end], self._values[start:end]


def encode_state(snapshot: ClustererSnapshot) -> bytes:
    """Serialise a clusterer's snapshot (see the module docstring for the format)."""
    members = _VectorTable()
    stories: list[dict[str, Any]] = []
    for story in snapshot.stories.values():
        entry: dict[str, Any] = {
            "id": story.story_id,
            "members": story.members,
            "days": story.member_days,
            "first": story.first_day,
            "last": story.last_day,
            "title": story.frozen_title,
            "active": story.active,
            "indexed": story.indexed_terms,
        }
        if story.vectors is not None:
            entry["titles"] = [vectors.title for vectors in story.vectors]
            entry["dates"] = [
                None if vectors.date is None else vectors.date.isoformat()
                for vectors in story.vectors
            ]
            entry["years"] = [sorted(vectors.years) for vectors in story.vectors]
            for vectors in story.vectors:
                members.append(*vectors.stacked)
        stories.append(entry)
    meta = {
        "version": FORMAT_VERSION,
        "settings": asdict(snapshot.settings),
        "documents": snapshot.idf.documents,
        "next_id": snapshot.next_id,
        "watermark": snapshot.watermark,
        "recent_starts": snapshot.recent_starts,
        "stories": stories,
    }
    arrays: dict[str, np.ndarray] = {
        "document_frequency": snapshot.idf.document_frequency,
        "meta": np.frombuffer(json.dumps(meta).encode("utf-8"), dtype=np.uint8),
    }
    arrays.update(members.arrays("member"))
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)  # type: ignore[arg-type]
    return zstandard.ZstdCompressor(level=3).compress(buffer.getvalue())


def decode_state(data: bytes) -> ClustererSnapshot:
    """A snapshot from ``encode_state`` output; raises ``InvalidInput`` if invalid."""
    try:
        raw = zstandard.ZstdDecompressor().decompress(data)
        arrays = np.load(io.BytesIO(raw), allow_pickle=False)
        meta = json.loads(arrays["meta"].tobytes().decode("utf-8"))
    except (zstandard.ZstdError, OSError, KeyError, ValueError) as error:
        raise InvalidInput(f"not a clusterer state: {error}") from error
    if meta.get("version") != FORMAT_VERSION:
        raise InvalidInput(f"unsupported clusterer state version {meta.get('version')!r}")
    try:
        settings = ClusterSettings(**meta["settings"])
    except TypeError as error:
        raise InvalidInput(f"clusterer state has unknown settings: {error}") from error
    try:
        member_vectors = _VectorReader(arrays, "member")
    except KeyError as error:
        raise InvalidInput(f"clusterer state lacks {error}") from error
    stories: dict[int, Story] = {}
    for entry in meta["stories"]:
        story = Story(
            story_id=entry["id"],
            members=entry["members"],
            member_days=entry["days"],
            first_day=entry["first"],
            last_day=entry["last"],
            frozen_title=entry["title"],
            indexed_terms=entry["indexed"],
        )
        if entry["active"]:
            story.vectors = [
                ArticleVectors(
                    article_id=article_id,
                    title=title,
                    date=None if moment is None else datetime.fromisoformat(moment),
                    stacked=member_vectors.next(),
                    years=frozenset(years),
                )
                for article_id, title, moment, years in zip(
                    entry["members"],
                    entry["titles"],
                    entry["dates"],
                    # States written before years were kept have none.
                    entry.get("years") or [[] for _ in entry["members"]],
                    strict=True,
                )
            ]
            # The centroid is a function of the member list (see ``Story.rebuild``).
            story.rebuild()
        else:
            story.vectors = None
        stories[story.story_id] = story
    idf = OnlineIdf(np.array(arrays["document_frequency"], dtype=np.int32), int(meta["documents"]))
    return ClustererSnapshot(
        settings=settings,
        stories=stories,
        idf=idf,
        next_id=int(meta["next_id"]),
        watermark=meta["watermark"],
        recent_starts=list(meta["recent_starts"]),
    )
