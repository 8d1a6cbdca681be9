"""What an alert says: the article, its outlet and story, the two versions, the
edit classes and the word diff of the changed sentences.

Built from ``versions/`` (``compare_versions``, the same classification the
web app shows) when a delivery is sent, outside any transaction. The same
content becomes the webhook's JSON body, an email's plain text (word diff in
``[-deleted-]{+inserted+}`` marks, as ``git diff --word-diff`` prints) and its
HTML, where every piece of page text is escaped: page content is untrusted.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from newstrail.errors import NotFound
from newstrail.settings import Settings
from newstrail.store import schema
from newstrail.store.database import Store
from newstrail.store.follows import follows_matching_article
from newstrail.versions.diff import SentenceOp, VersionText
from newstrail.versions.edits import Comparison, compare_versions, describe
from newstrail.versions.furniture import furniture_ops, title_key, without_site

# An alert is a notice, not an archive: a rewrite of a long article would
# otherwise mail its whole text twice. The full diff is one link away.
MAX_CHANGES = 40
MAX_SENTENCE_CHARS = 1200


@dataclass(frozen=True)
class AlertContent:
    """One version's alert, ready to send by any channel."""

    event: str  # changed | new
    payload: dict[str, Any]
    significance: str | None  # None for a new article
    title_changed: bool
    follows: list[dict[str, str]] = field(default_factory=list)

    @property
    def subject(self) -> str:
        """An email subject line."""
        article = self.payload["article"]
        outlet = article["outlet"] or "unknown outlet"
        title = article["title"] or article["url"]
        if self.event == "new":
            return f"[newstrail] new from {outlet}: {title}"
        return f"[newstrail] {outlet} changed “{title}”: {self.payload['summary']}"

    def text(self) -> str:
        """The alert as plain text, the word diff in ``[-…-]{+…+}`` marks."""
        p = self.payload
        article = p["article"]
        lines = [self.subject.removeprefix("[newstrail] "), article["url"]]
        if p.get("links", {}).get("diff"):
            lines.append(f"Diff: {p['links']['diff']}")
        if p["story"]:
            lines.append(f"Story: {p['story']['title'] or p['story']['id']}")
        if self.follows:
            lines.append("Follows: " + ", ".join(f"{f['kind']} {f['value']}" for f in self.follows))
        if self.event == "changed":
            old, new = p["old_version"], p["new_version"]
            lines.append(
                f"Version {old['number']} → {new['number']} ({self.significance}), "
                f"captured {new['captured_at']}"
            )
            if p["headline"]:
                lines += [
                    "",
                    f"Headline: {p['headline']['old']}",
                    f"      now: {p['headline']['new']}",
                ]
            if p["changes"]:
                lines.append("")
            for change in p["changes"]:
                lines.append(f"{_MARKS[change['kind']]} {_text_words(change)}")
            if p["omitted_change_count"]:
                lines.append(f"… and {p['omitted_change_count']} more changed sentences")
        lines += ["", "— newstrail"]
        return "\n".join(lines) + "\n"

    def html(self) -> str:
        """The alert as an HTML email; every piece of page text is escaped."""
        p = self.payload
        article = p["article"]
        e = html.escape
        parts = [
            '<!doctype html><html><body style="font-family:sans-serif;max-width:720px">',
            f"<p><strong>{e(self.subject.removeprefix('[newstrail] '))}</strong></p>",
            f'<p><a href="{e(article["url"])}">{e(article["url"])}</a>',
        ]
        if p.get("links", {}).get("diff"):
            parts.append(f' · <a href="{e(p["links"]["diff"])}">diff</a>')
        parts.append("</p>")
        if p["story"]:
            parts.append(f"<p>Story: {e(str(p['story']['title'] or p['story']['id']))}</p>")
        if self.follows:
            shown = ", ".join(f"{f['kind']} {f['value']}" for f in self.follows)
            parts.append(f"<p>Follows: {e(shown)}</p>")
        if self.event == "changed":
            old, new = p["old_version"], p["new_version"]
            parts.append(
                f"<p>Version {old['number']} → {new['number']} ({e(str(self.significance))}), "
                f"captured {e(new['captured_at'])}</p>"
            )
            if p["headline"]:
                parts.append(
                    f"<p>Headline: <del>{e(p['headline']['old'] or '')}</del><br>"
                    f"now: <ins>{e(p['headline']['new'] or '')}</ins></p>"
                )
            parts.append("<ul>")
            for change in p["changes"]:
                parts.append(f"<li>{e(change['kind'])}: {_html_words(change)}</li>")
            parts.append("</ul>")
            if p["omitted_change_count"]:
                parts.append(f"<p>… and {p['omitted_change_count']} more changed sentences</p>")
        parts.append("<p>— newstrail</p></body></html>")
        return "".join(parts)


_MARKS = {"added": "+", "deleted": "-", "edited": "~", "moved": ">"}
_DEL = 'style="background:#fdd;text-decoration:line-through"'
_INS = 'style="background:#dfd;text-decoration:none"'


def _text_words(change: dict[str, Any]) -> str:
    if change["kind"] == "added":
        return str(change["new"])
    if change["kind"] == "deleted":
        return str(change["old"])
    if change["kind"] == "moved":
        return str(change["new"])
    marks = {"equal": "{}", "delete": "[-{}-]", "insert": "{{+{}+}}"}
    return "".join(marks[str(w["op"])].format(w["text"]) for w in change["words"])


def _html_words(change: dict[str, Any]) -> str:
    e = html.escape
    if change["kind"] == "added":
        return f"<ins {_INS}>{e(change['new'])}</ins>"
    if change["kind"] == "deleted":
        return f"<del {_DEL}>{e(change['old'])}</del>"
    if change["kind"] == "moved":
        return e(str(change["new"]))
    out = []
    for word in change["words"]:
        if word["op"] == "delete":
            out.append(f"<del {_DEL}>{e(word['text'])}</del>")
        elif word["op"] == "insert":
            out.append(f"<ins {_INS}>{e(word['text'])}</ins>")
        else:
            out.append(e(word["text"]))
    return "".join(out)


def _clip(text: str | None) -> str | None:
    if text is None or len(text) <= MAX_SENTENCE_CHARS:
        return text
    return text[: MAX_SENTENCE_CHARS - 1] + "…"


def visible_changes(comparison: Comparison, old: VersionText, new: VersionText) -> list[SentenceOp]:
    """The changed sentences a reader sees: page furniture left out, as the classifier does."""
    diff = comparison.diff
    titles = {
        key
        for t in (old.title, new.title)
        if t
        for key in (title_key(t), without_site(title_key(t)))
    }
    furniture = furniture_ops(diff, titles)
    return [op for i, op in enumerate(diff.sentences) if op.kind != "equal" and i not in furniture]


def _change(op: SentenceOp) -> dict[str, Any]:
    words = [{"op": w.tag, "text": w.text} for w in op.words] if op.kind == "edited" else []
    return {"kind": op.kind, "old": _clip(op.old), "new": _clip(op.new), "words": words}


def _version(row: Any) -> dict[str, Any]:
    """A version as the API names it (serve/models/: Version); times are UTC-aware."""
    return {
        "id": row.id,
        "number": row.number,
        "captured_at": row.captured_at.isoformat(),
        "title": row.title,
    }


def alert_content(
    store: Store, settings: Settings, article_id: int, version_id: int, event: str
) -> AlertContent:
    """What to tell about ``version_id`` of ``article_id``.

    Args:
        store: the store to read.
        settings: resolved settings (``public_url`` for links).
        article_id: the article.
        version_id: the version the alert is about.
        event: ``changed`` (compared with the previous visible version) or ``new``.

    Returns:
        The content, with the edit classes and significance for a change.
    """
    a, v, s = schema.articles, schema.versions, schema.sources
    st, sa_ = schema.stories, schema.story_articles
    with store.read() as connection:
        article = connection.execute(
            sa.select(a.c.id, a.c.url, a.c.title, s.c.name.label("outlet"))
            .select_from(a.outerjoin(s, s.c.id == a.c.source_id))
            .where(a.c.id == article_id)
        ).first()
        version = connection.execute(sa.select(v).where(v.c.id == version_id)).first()
        if article is None or version is None:
            raise NotFound(f"no version {version_id} of article {article_id}")
        previous = connection.execute(
            sa.select(v)
            .where(
                v.c.article_id == article_id,
                v.c.number < version.number,
                v.c.kind.in_(("new", "flipflop")),
            )
            .order_by(v.c.number.desc())
            .limit(1)
        ).first()
        story = connection.execute(
            sa.select(st.c.id, st.c.title)
            .join(sa_, sa_.c.story_id == st.c.id)
            .where(sa_.c.article_id == article_id)
        ).first()
    base = settings.public_url.rstrip("/")
    payload: dict[str, Any] = {
        "event": event,
        "article": {
            "id": article.id,
            "url": article.url,
            "title": version.title or article.title,
            "outlet": article.outlet,
        },
        "story": {"id": story.id, "title": story.title} if story else None,
        # Two objects, not a "versions" dict: elsewhere in the API ``versions`` is a list.
        "old_version": _version(previous) if previous else None,
        "new_version": _version(version),
        "significance": None,
        "edit_classes": [],
        "summary": "new article",
        "headline": None,
        "changes": [],
        "omitted_change_count": 0,
        "links": {},
    }
    if base:
        payload["links"] = {"article": f"{base}/articles/{article_id}"}
    follows = [
        {"kind": f.kind, "value": f.value} for f in follows_matching_article(store, article_id)
    ]
    payload["follows"] = follows
    if event == "new" or previous is None:
        return AlertContent("new", payload | {"event": "new"}, None, False, follows)
    old = VersionText(previous.title, previous.byline, previous.published, previous.text)
    new = VersionText(version.title, version.byline, version.published, version.text)
    comparison = compare_versions(old, new)
    changes = [_change(op) for op in visible_changes(comparison, old, new)]
    payload.update(
        significance=comparison.significance,
        edit_classes=sorted(comparison.types()),
        summary=describe(comparison),
        headline={"old": previous.title, "new": version.title}
        if comparison.title_changed
        else None,
        changes=changes[:MAX_CHANGES],
        omitted_change_count=max(0, len(changes) - MAX_CHANGES),
    )
    if base:
        payload["links"]["diff"] = (
            f"{base}/articles/{article_id}/diff?from={previous.number}&to={version.number}"
        )
    return AlertContent(
        "changed", payload, comparison.significance, comparison.title_changed, follows
    )
