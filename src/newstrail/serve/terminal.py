"""Terminal rendering for the CLI, and the small lookups it needs.

Kept apart from the ``cli`` package so commands stay a few lines each.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, cast

import sqlalchemy as sa
from rich.console import Console, RenderableType
from rich.table import Table
from rich.text import Text

from newstrail.errors import InvalidInput, NewstrailError, NotFound
from newstrail.serve.archive import resolve_article_id
from newstrail.store import schema
from newstrail.store.database import Store
from newstrail.text.counts import counted
from newstrail.text.sentences import count_words
from newstrail.versions.diff import ArticleDiff, Position, SentenceOp, VersionText

if TYPE_CHECKING:
    from newstrail.serve.stories import StoryDetail
    from newstrail.versions.edits import Comparison


MAX_QUOTES = 6
MAX_PASSAGES = 5


def print_story(console: Console, detail: StoryDetail) -> None:
    """A story for people: articles, quotes, summary, passages, exclusives."""
    story = detail.summary
    console.print(Text(story.title or "(untitled story)", style="bold"), highlight=False)
    span = ""
    if story.first_seen_at and story.last_seen_at:
        span = f"{story.first_seen_at:%Y-%m-%d} – {story.last_seen_at:%Y-%m-%d} · "
    console.print(
        f"{span}{counted(len(detail.articles), 'article')} from "
        f"{', '.join(story.outlets) or 'unknown outlets'}"
    )
    table = Table("id", "published", "outlet", "title", title="Articles")
    for article in detail.articles:
        table.add_row(
            str(article.id), article.published or "", article.source or "", article.title or ""
        )
    console.print(table)
    if detail.summary_sentences:
        console.rule("Summary")
        for sentence in detail.summary_sentences:
            outlets = f"({'; '.join(sentence['outlets'])})"
            console.print(Text.assemble(f"• {sentence['text']} ", (outlets, "dim")))
    if detail.quotes:
        # Quotes carried by the most outlets first; the full list is in --json.
        shown = sorted(detail.quotes, key=lambda q: (-len(q["outlets"]), -len(q["paraphrases"])))
        console.rule(f"Quotes ({min(len(shown), MAX_QUOTES)} of {len(shown)})")
        for quote in shown[:MAX_QUOTES]:
            carriers = ", ".join(quote["outlets"])
            # Reported speech is not the speaker's own words: no quotation marks.
            words = (
                f"“{quote['text']}”"
                if quote.get("kind", "direct") == "direct"
                else f"(reported) {quote['text']}"
            )
            speaker = quote["speaker"] or "unattributed"
            console.print(Text.assemble((speaker, "bold"), f": {words}"))
            console.print(f"   carried by {carriers}", highlight=False)
            for paraphrase in quote["paraphrases"]:
                console.print(
                    f"   paraphrased by {paraphrase['outlet']}: {paraphrase['text']}",
                    highlight=False,
                )
    if detail.passages:
        longest = sorted(detail.passages, key=lambda p: -len(p["text"]))
        console.rule(
            f"Reused passages ({min(len(longest), MAX_PASSAGES)} longest of {len(longest)})"
        )
        for passage in longest[:MAX_PASSAGES]:
            console.print(
                f"article {passage['target_article_id']} ← {passage['source_article_id']} "
                f"({passage['direction_reason']}): {passage['text'][:160]}",
                highlight=False,
            )


def load_version_text(reference: str, open_store: Callable[[], Store]) -> VersionText:
    """A version to compare: an HTML file, a text file, or a stored version id.

    Args:
        reference: a file path, or the id of a stored version.
        open_store: returns the store to look a version id up in. It is called
            only for an id, so comparing two files opens (and creates) no store.

    Raises:
        NotFound: no file or stored version goes by ``reference``.
        InvalidInput: ``reference`` names a directory or other non-file, or a
            file with no article text in it.
    """
    from newstrail.extract.article import extract_html
    from newstrail.extract.plaintext import extract_text
    from newstrail.extract.records import DEFAULT_MAX_PAGE_BYTES, ExtractionError
    from newstrail.jobs.inputs import read_limited
    from newstrail.text.encoding import decode_html, decode_text_file

    path = Path(reference)
    if path.is_file():
        # Bounded like an import: a huge file or a gzip bomb is refused, not held.
        data = read_limited(path, DEFAULT_MAX_PAGE_BYTES)
        try:
            if (
                path.name.lower().endswith((".html", ".htm", ".html.gz", ".htm.gz"))
                or data.lstrip()[:1] == b"<"
            ):
                extracted = extract_html(decode_html(data))
            else:
                extracted = extract_text(decode_text_file(data))
        except ExtractionError as error:  # say which of the two files it was
            raise InvalidInput(f"{reference}: {error}") from error
        if not extracted.text.strip():
            # Two files with no article text in them would compare as "no change".
            raise InvalidInput(f"{reference}: no article text found in it")
        return VersionText(extracted.title, extracted.author, extracted.date, extracted.text)
    if reference.isdigit():
        with open_store().read() as connection:
            row = connection.execute(
                sa.select(schema.versions).where(schema.versions.c.id == int(reference))
            ).first()
        if row is None:
            raise NotFound(f"no version {reference}")
        return VersionText(row.title, row.byline, row.published, row.text)
    if path.exists():
        raise InvalidInput(f"{reference}: is a directory, not a file or a version id")
    raise NotFound(f"{reference}: no such file or version id")


def print_comparison(console: Console, comparison: Comparison) -> None:
    """A comparison's verdict and its edits."""
    from newstrail.versions.edits import describe

    data: dict[str, Any] = comparison.to_json()
    verdict = (
        "changed" if data["changed"] else ("trivial change" if data["trivial"] else "no change")
    )
    details = f" ({data.get('significance', '')}): {describe(comparison)}"
    console.print(Text.assemble((verdict, "bold"), details))
    for edit in data["edits"]:
        console.print(
            f"- {edit['type']}: {edit.get('old') or ''!s} → {edit.get('new') or ''!s}",
            highlight=False,
        )


def _versions_of(store: Store, article: str, include_trivial: bool = True) -> list[Any]:
    with store.read() as connection:
        article_id = resolve_article_id(connection, article)
        query = sa.select(schema.versions).where(schema.versions.c.article_id == article_id)
        if not include_trivial:
            query = query.where(schema.versions.c.kind != "trivial")
        return list(connection.execute(query.order_by(schema.versions.c.number)).all())


def version_pair(
    store: Store, article: str, from_number: int | None, to_number: int | None
) -> tuple[VersionText, VersionText, str]:
    """Two versions of an article to diff (default: the last two)."""
    rows = {row.number: row for row in _versions_of(store, article)}
    if len(rows) < 2 and (from_number is None or to_number is None):
        raise NewstrailError(f"article {article} has only {len(rows)} version(s): nothing to diff")
    numbers = sorted(rows)
    new_number = to_number or numbers[-1]
    old_number = from_number or max((n for n in numbers if n < new_number), default=numbers[0])
    for number in (old_number, new_number):
        if number not in rows:
            raise NotFound(f"article {article} has no version {number}")
    old, new = rows[old_number], rows[new_number]
    labels = (
        f"Version {old_number} ({old.captured_at:%Y-%m-%d %H:%M}) | "
        f"Version {new_number} ({new.captured_at:%Y-%m-%d %H:%M})"
    )
    return (
        VersionText(old.title, old.byline, old.published, old.text),
        VersionText(new.title, new.byline, new.published, new.text),
        labels,
    )


def version_rows(store: Store, article: str, include_trivial: bool = False) -> list[dict[str, Any]]:
    """An article's versions with time, kind and what changed since the previous one."""
    from newstrail.versions.edits import compare_versions, describe

    rows = _versions_of(store, article)
    result: list[dict[str, Any]] = []
    previous = None
    for row in rows:
        entry: dict[str, Any] = {
            "id": row.id,
            "number": row.number,
            "captured_at": row.captured_at.isoformat(),
            "kind": row.kind,
            "same_as_id": row.same_as_id,
            "title": row.title,
            "word_count": count_words(row.text),
            "share_changed": None,
            "description": None,
        }
        if previous is not None:
            comparison = compare_versions(
                VersionText(previous.title, previous.byline, previous.published, previous.text),
                VersionText(row.title, row.byline, row.published, row.text),
            )
            stats = cast(dict[str, Any], comparison.to_json()["stats"])
            entry["share_changed"] = stats.get("share_changed")
            entry["description"] = describe(comparison)
        previous = row
        if include_trivial or row.kind != "trivial":
            result.append(entry)
    return result


# -- diffs ----------------------------------------------------------------------


def _styled_sentence(op: SentenceOp | None, sentence: str, side: Literal["old", "new"]) -> Text:
    """One sentence coloured by what happened to it on this side."""
    if op is None or op.kind == "equal":
        return Text(sentence)
    if op.kind == "moved":
        return Text(sentence, style="yellow")
    if op.kind in ("added", "deleted"):
        return Text(sentence, style="bold green" if side == "new" else "bold red strike")
    text = Text()
    for word in op.words:
        if word.tag == "equal":
            text.append(word.text)
        elif word.tag == "delete" and side == "old":
            text.append(word.text, style="bold red strike")
        elif word.tag == "insert" and side == "new":
            text.append(word.text, style="bold green")
    return text


def _styled_paragraph(
    sentences: tuple[str, ...],
    ops_at: dict[Position, SentenceOp],
    index: int,
    side: Literal["old", "new"],
) -> Text:
    """A paragraph built from its styled sentences."""
    paragraph = Text()
    for sentence_index, sentence in enumerate(sentences):
        if sentence_index:
            paragraph.append(" ")
        paragraph.append_text(_styled_sentence(ops_at.get((index, sentence_index)), sentence, side))
    return paragraph


def render_side_by_side(diff: ArticleDiff, width: int = 120) -> RenderableType:
    """A two-column terminal view: Version a | Version b, with word-level colouring.

    Args:
        diff: the result of ``diff_versions``.
        width: total width in terminal cells.

    Returns:
        A rich ``Table`` (deleted words red and struck through on the left,
        added words green on the right, moved sentences yellow); field changes
        come first as their own rows.
    """
    from rich.table import Table

    table = Table(width=width, show_lines=True, expand=True)
    table.add_column("Version a", ratio=1)
    table.add_column("Version b", ratio=1)
    for change in diff.fields:
        table.add_row(
            Text(f"{change.name}: {change.old or '—'}", style="red"),
            Text(f"{change.name}: {change.new or '—'}", style="green"),
        )
    old_ops = {op.old_position: op for op in diff.sentences if op.old_position is not None}
    new_ops = {op.new_position: op for op in diff.sentences if op.new_position is not None}
    for old_index, new_index in diff.rows:
        left = (
            _styled_paragraph(diff.old_paragraphs[old_index], old_ops, old_index, "old")
            if old_index is not None
            else Text("")
        )
        right = (
            _styled_paragraph(diff.new_paragraphs[new_index], new_ops, new_index, "new")
            if new_index is not None
            else Text("")
        )
        table.add_row(left, right)
    return table
