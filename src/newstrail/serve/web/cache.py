"""A small LRU cache for page data, validated against the store on every request.

Reading a story through ``get_story`` takes ~12 ms here (one query per quote
group, each built anew by SQLAlchemy), against ~0.3 ms for one raw query that
says whether anything the page shows has changed. So each cached entry keeps
the *stamp* it was computed under (update times, counts) and is reused only
while a fresh stamp matches; nothing is ever served stale. The cache belongs to
one app (``app.state``), not to the module.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

import sqlalchemy as sa

from newstrail.store.database import Store

# Whatever a story page shows changes only when one of these does.
STORY_STAMP = sa.text(
    "SELECT s.updated_at, s.state, s.title, "
    "(SELECT computed_at FROM story_analyses WHERE story_id = s.id), "
    "(SELECT CAST(count(*) AS TEXT) || ':' || coalesce(CAST(max(a.last_changed_at) AS TEXT), '') "
    " || ':' || CAST(sum(a.version_count) AS TEXT) FROM story_articles AS m "
    " JOIN articles AS a ON a.id = m.article_id WHERE m.story_id = s.id) "
    "FROM stories AS s WHERE s.id = :id"
)
ARTICLE_STAMP = sa.text(
    "SELECT a.version_count, a.state, a.last_changed_at, a.next_check_at, a.title, "
    "(SELECT story_id FROM story_articles WHERE article_id = a.id) "
    "FROM articles AS a WHERE a.id = :id"
)

# Lists of latest changes and stories move only when a version, story or
# placement is added (placing an article always writes a story_moves row).
# Each max(id) is a rowid lookup, so this costs ~0.1 ms at any store size.
ARCHIVE_STAMP = sa.text(
    "SELECT (SELECT max(id) FROM versions), (SELECT max(id) FROM stories), "
    "(SELECT max(id) FROM story_moves), (SELECT max(id) FROM article_events)"
)


class PageCache:
    """Page data by key, reused while the store's stamp for it is unchanged."""

    def __init__(self, size: int = 2048) -> None:
        self.size = size
        self._entries: OrderedDict[Hashable, tuple[Any, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, stamp: Any, compute: Callable[[], Any]) -> Any:
        """The cached value for ``key`` if computed under ``stamp``, else ``compute()``."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and entry[0] == stamp:
                self._entries.move_to_end(key)
                return entry[1]
        value = compute()
        with self._lock:
            self._entries[key] = (stamp, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return value


def stamp(store: Store, query: sa.TextClause, record_id: int = 0) -> tuple[Any, ...] | None:
    """The change stamp of one record, or of the archive (None when it does not exist)."""
    with store.read() as connection:
        row = connection.execute(query, {"id": record_id}).first()
    return tuple(row) if row is not None else None
