"""Stories as the web app shows them: a list for the home page, one story at a glance.

One story comes from ``newstrail.serve.stories.get_story``. The home page list is
one grouped query here instead of ``list_stories``, which reads each story's
members separately (21 queries for 20 stories).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa

from newstrail.serve.stories import get_story
from newstrail.store import schema
from newstrail.store.database import Store
from newstrail.text.sentences import split_sentences


def iso(moment: datetime | None) -> str | None:
    """``moment`` as ISO 8601 in UTC (naive values from SQLite are UTC)."""
    if moment is None:
        return None
    return (moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment).isoformat()


def list_story_summaries(store: Store, limit: int = 20) -> list[dict[str, Any]]:
    """The most recently active stories with article and outlet counts."""
    st, sa_, a = schema.stories, schema.story_articles, schema.articles
    latest = (
        sa.select(st.c.id)
        .where(st.c.state != "merged")
        .order_by(st.c.last_seen_at.desc(), st.c.id.desc())
        .limit(limit)
        .subquery()
    )
    query = (
        sa.select(
            st.c.id,
            st.c.title,
            st.c.first_seen_at,
            st.c.last_seen_at,
            sa.func.count(sa_.c.article_id).label("articles"),
            sa.func.count(sa.distinct(a.c.source_id)).label("outlets"),
        )
        .select_from(
            st.join(latest, latest.c.id == st.c.id)
            .outerjoin(sa_, sa_.c.story_id == st.c.id)
            .outerjoin(a, a.c.id == sa_.c.article_id)
        )
        .group_by(st.c.id, st.c.title, st.c.first_seen_at, st.c.last_seen_at)
        .order_by(st.c.last_seen_at.desc(), st.c.id.desc())
    )
    with store.read() as connection:
        rows = connection.execute(query).all()
    return [
        {
            "id": r.id,
            "title": r.title,
            "first_seen_at": iso(r.first_seen_at),
            "last_seen_at": iso(r.last_seen_at),
            "article_count": r.articles,
            "outlet_count": r.outlets,
        }
        for r in rows
    ]


def get_story_json(store: Store, story_id: int) -> dict[str, Any]:
    """One story as JSON-ready data (``StoryDetail.to_json``); raises NotFound."""
    return get_story(store, story_id).to_json()


def article_day(article: dict[str, Any]) -> date | None:
    """The day an article was published, when the article says."""
    value = article.get("published")
    if isinstance(value, str) and len(value) >= 10:
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def _moment(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# When newstrail first saw an undated article stands in for its date only
# near the dated ones: an import years later would stretch the axis to the
# import day (the bundled RT page was imported in 2026 about a 2020 call).
UNDATED_REACH = timedelta(days=7)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def appeared(article: dict[str, Any], dated_start: datetime | None) -> datetime | None:
    """When an article appeared: first seen on its publication day, else that day.

    An undated article counts from when it was first seen, if that is within
    ``UNDATED_REACH`` of the story's dated articles; otherwise None (unknown).
    """
    first_seen_at = _moment(article.get("first_seen_at"))
    day = article_day(article)
    if day is not None:
        if first_seen_at is not None and first_seen_at.date() == day:
            return first_seen_at  # watched: the hour it appeared
        return datetime.combine(day, time.min, tzinfo=UTC)
    if first_seen_at is None:
        return None
    if dated_start is not None and abs(first_seen_at - dated_start) > UNDATED_REACH:
        return None
    return first_seen_at


def _ticks(start: datetime, end: datetime, position: Any, dates_only: bool) -> list[dict[str, Any]]:
    """Up to five distinct axis labels: dates, or times when the story has them."""
    span = end - start
    if dates_only or span > timedelta(days=4):
        first, later = "%Y-%m-%d", "%Y-%m-%d"
    elif span > timedelta(days=1):
        first, later = "%Y-%m-%d %H:%M", "%m-%d %H:%M"
    else:
        first, later = "%Y-%m-%d %H:%M", "%H:%M"
    count = 1 if span.total_seconds() == 0 else 5
    ticks, labels = [], set()
    for step in range(count):
        moment = start + span * (step / max(count - 1, 1))
        if dates_only:  # a date-only story: ticks on whole days
            moment = datetime.combine(moment.date(), time.min, UTC)
        label = moment.strftime(first if step == 0 else later)
        if label not in labels:
            labels.add(label)
            ticks.append({"x": position(moment), "label": label})
    return ticks


def _when(moment: datetime) -> str:
    """A time to read: the date alone for an article dated only by its publication day.

    ``appeared`` places such an article at midnight; "2020-12-29 00:00" read as
    a time the outlet published at, which nobody knows.
    """
    return moment.strftime("%Y-%m-%d" if moment.time() == time.min else "%Y-%m-%d %H:%M")


def coverage_grid(articles: list[dict[str, Any]]) -> dict[str, Any]:
    """The story at a glance: one row per outlet (first to report on top), time across.

    Each article is a dot where it appeared, each later visible version a
    tick where it was captured (linking to that diff); positions are
    percentages of the track, so the drawing fits any width.

    Returns:
        ``rows`` (outlet, first, articles with x and changes with x, counts),
        ``ticks`` (x, label) and ``undated`` (articles with no known time).
    """
    dated_days = [day for day in map(article_day, articles) if day is not None]
    dated_start = datetime.combine(min(dated_days), time.min, UTC) if dated_days else None
    placed = [(article, appeared(article, dated_start)) for article in articles]
    moments = [moment for _, moment in placed if moment is not None]
    for article, moment in placed:
        if moment is not None:
            moments.extend(
                m for m in (_moment(c.get("captured_at")) for c in article.get("changes", [])) if m
            )
    start, end = (min(moments), max(moments)) if moments else (None, None)

    def position(moment: datetime) -> float:
        if start is None or end is None or end == start:
            return 50.0
        return round(3 + 94 * (moment - start) / (end - start), 2)

    rows: dict[str, dict[str, Any]] = {}
    undated = []
    for article, moment in sorted(placed, key=lambda pair: (pair[1] is None, pair[1] or EPOCH)):
        outlet = article.get("outlet") or "Unknown outlet"
        if moment is None:
            undated.append(
                {"id": article.get("id"), "outlet": outlet, "title": article.get("title")}
            )
            continue
        row = rows.setdefault(
            outlet, {"outlet": outlet, "first_at": moment, "articles": [], "change_count": 0}
        )
        changes = [
            {**change, "x": position(when), "when": when.strftime("%Y-%m-%d %H:%M")}
            for change in article.get("changes", [])
            if (when := _moment(change.get("captured_at"))) is not None
        ]
        row["change_count"] += len(changes)
        row["articles"].append(
            {
                "id": article.get("id"),
                "title": article.get("title") or article.get("url") or "",
                "state": article.get("state") or "active",
                "x": position(moment),
                "when": _when(moment),
                "changes": changes,
            }
        )
    first_at = min((row["first_at"] for row in rows.values()), default=None)
    # "First" only says something when not every outlet shares the earliest time.
    leaders = [row for row in rows.values() if row["first_at"] == first_at]
    for row in rows.values():
        row["first"] = row in leaders and len(leaders) < len(rows)
        row["first_at"] = row["first_at"].strftime("%Y-%m-%d %H:%M")
    for article in undated:  # an outlet with only undated articles still gets its row
        row = rows.setdefault(
            article["outlet"],
            {"outlet": article["outlet"], "first": False, "articles": [], "change_count": 0},
        )
        row["undated_count"] = row.get("undated_count", 0) + 1
    return {
        "rows": list(rows.values()),
        "ticks": _ticks(start, end, position, all(m.time() == time.min for m in moments))
        if start and end
        else [],
        "undated": undated,
    }


def _reach(quote: dict[str, Any]) -> set[str]:
    """The outlets that carry a quote word for word or nearly."""
    outlets = {str(s) for s in quote.get("outlets") or []}
    outlets.update(str(v["outlet"]) for v in quote.get("variants") or [] if v.get("outlet"))
    return outlets


def _name_tokens(name: str) -> frozenset[str]:
    return frozenset(name.lower().replace(".", " ").split())


def merged_speakers(names: list[str]) -> dict[str, str]:
    """Each speaker name mapped to the fullest name it is part of ("Xi" → "Xi Jinping").

    A name whose words all appear in exactly one longer name is merged into
    it; one that fits two longer names ("Li" in "Li Lifan" and "Li Yonghui")
    is ambiguous and kept apart.
    """
    unique = sorted(set(names), key=lambda n: (-len(_name_tokens(n)), n))
    merged: dict[str, str] = {}
    for name in unique:
        tokens = _name_tokens(name)
        fuller = [other for other in unique if tokens < _name_tokens(other)]
        roots = {merged.get(other, other) for other in fuller}
        merged[name] = roots.pop() if len(roots) == 1 else name
    return merged


def quotes_at_a_glance(
    quotes: list[dict[str, Any]], articles: list[dict[str, Any]], key_count: int = 5
) -> dict[str, Any]:
    """Key quotes first, then every quote under its (merged) speaker.

    Order: by how many outlets carry a quote, then by when its first article
    appeared; speakers by the reach of their most carried quote, then first
    appearance. (Alphabetical order put the story's main voice 27th of 29.)

    Returns:
        ``key`` (up to ``key_count`` quotes), ``speakers`` [(name, quotes)].
    """
    order = {article.get("id"): index for index, article in enumerate(articles)}
    speaker_of = merged_speakers([q["speaker"] for q in quotes if q.get("speaker")])
    ranked = []
    for position, quote in enumerate(quotes):
        reach = _reach(quote)
        first = order.get(quote.get("first_article_id"), len(order))
        speaker = speaker_of.get(quote.get("speaker") or "", None) or "Unattributed"
        chips: dict[str, dict[str, Any]] = {}  # one per outlet: its first carrying article
        for variant in quote.get("variants") or []:
            if variant.get("outlet"):
                chips.setdefault(str(variant["outlet"]), variant)
        for outlet in quote.get("outlets") or []:
            chips.setdefault(str(outlet), {"outlet": outlet, "article_id": None})
        shown = {**quote, "speaker": speaker, "reach": sorted(reach), "chips": list(chips.values())}
        ranked.append((shown, (-len(reach), first, position)))
    ranked.sort(key=lambda pair: pair[1])
    by_speaker: dict[str, list[dict[str, Any]]] = {}
    for quote, _ in ranked:
        by_speaker.setdefault(quote["speaker"], []).append(quote)
    carried = [quote for quote, _ in ranked if len(quote["reach"]) > 1]
    return {
        "key": (carried or [quote for quote, _ in ranked])[:key_count],
        "speakers": list(by_speaker.items()),
    }


def _words(text: str) -> set[str]:
    return {word for word in re.findall(r"\w+", text.lower()) if len(word) > 2}


def cited_paragraphs(text: str, cite: str | None) -> list[dict[str, str]]:
    """The article's paragraphs, the one holding the cited sentence split around it.

    The sentence is found word for word, else as the sentence sharing most
    words with it (at least half): a summary sentence cites articles that say
    the same thing in their own words.

    Returns:
        One dict a paragraph: ``before``, ``mark`` (the cited sentence or ""), ``after``.
    """
    paragraphs = [p for p in text.split("\n") if p.strip()]
    found = [{"before": p, "mark": "", "after": ""} for p in paragraphs]
    cite = (cite or "").strip()
    if not cite:
        return found
    for index, paragraph in enumerate(paragraphs):
        start = paragraph.find(cite)
        if start >= 0:
            found[index] = {
                "before": paragraph[:start],
                "mark": cite,
                "after": paragraph[start + len(cite) :],
            }
            return found
    wanted = _words(cite)
    best: tuple[float, int, str] = (0.0, -1, "")
    for index, paragraph in enumerate(paragraphs):
        for sentence in split_sentences(paragraph):
            shared = len(wanted & _words(sentence)) / max(len(wanted), 1)
            if shared > best[0]:
                best = (shared, index, sentence)
    shared, index, sentence = best
    if index >= 0 and shared >= 0.5:
        paragraph = paragraphs[index]
        start = paragraph.find(sentence)
        found[index] = {
            "before": paragraph[:start],
            "mark": sentence,
            "after": paragraph[start + len(sentence) :],
        }
    return found
