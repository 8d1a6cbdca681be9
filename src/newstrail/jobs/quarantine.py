"""Quarantine: items that were truncated, keep failing, or ran past their budget.

One bad item must never stall the others. Each stage bounds its item
(``jobs/limits.py``) and notes a cut here as ``truncated``; a failure is noted
as ``failing``; a second failure of the same item and stage, or one run past
the stage's time budget, makes it ``quarantined``: the item is kept with its
versions, but the watcher no longer claims it and story analysis leaves it out
(``newstrail quarantine list`` shows them, with the reason).

Story analysis runs under a time budget (``analyse_within_budget``): each
story is analysed in a forked child process that is killed when the budget
runs out, so a story that would take minutes costs the job its budget, not
its afternoon; the story's longest article, the likeliest cause (analysis
cost grows faster than linearly with text), is quarantined and the story
analysed again without it.
"""

from __future__ import annotations

import functools
import multiprocessing
import os
import signal
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from newstrail.errors import NewstrailError
from newstrail.store import schema
from newstrail.store.database import Store, insert_ignoring_duplicates, utcnow

QUARANTINE_AFTER_FAILURES = 2
ANALYSIS_SECONDS = 120.0  # a story's analysis takes 1-2 s on the dev sets' stories


@dataclass(frozen=True)
class QuarantineRecord:
    """One bounded item, as listed."""

    id: int
    kind: str
    key: str
    article_id: int | None
    stage: str
    state: str
    reason: str
    failures: int
    first_at: datetime
    last_at: datetime

    def to_json(self) -> dict[str, Any]:
        data = dict(vars(self))
        data["first_at"] = self.first_at.isoformat()
        data["last_at"] = self.last_at.isoformat()
        return data

    def line(self) -> str:
        """One line for the terminal."""
        return f"{self.state:<11} {self.kind} {self.key} [{self.stage}]: {self.reason}"


def note(
    connection: Connection,
    kind: str,
    key: object,
    stage: str,
    state: str,
    reason: str,
    *,
    article_id: int | None = None,
    failed: bool = False,
) -> str:
    """Record ``state`` for an item and stage (an upsert); returns the state now stored.

    With ``failed``, the item's failure count goes up, and at
    ``QUARANTINE_AFTER_FAILURES`` its state becomes ``quarantined``.
    """
    q = schema.quarantine
    now = utcnow()
    reason = " ".join(reason.split())[:1000]
    values = {
        "kind": kind,
        "key": str(key),
        "article_id": article_id,
        "stage": stage,
        "state": state,
        "reason": reason,
        "failures": int(failed),
        "first_at": now,
        "last_at": now,
    }
    update: dict[str, Any] = {"reason": reason, "last_at": now}
    if failed:
        update["failures"] = q.c.failures + 1
        update["state"] = sa.case(
            (q.c.state == "quarantined", "quarantined"),
            (q.c.failures + 1 >= QUARANTINE_AFTER_FAILURES, "quarantined"),
            else_=state,
        )
    elif state == "quarantined":
        update["state"] = "quarantined"
    else:
        update["state"] = sa.case((q.c.state == "quarantined", "quarantined"), else_=state)
    insert_ignoring_duplicates(connection, q, values, ["kind", "key", "stage"], update=update)
    stored: object = connection.execute(
        sa.select(q.c.state).where(q.c.kind == kind, q.c.key == str(key), q.c.stage == stage)
    ).scalar_one()
    return str(stored)


def record_failure(
    store: Store, kind: str, key: object, stage: str, reason: str, article_id: int | None = None
) -> str:
    """Count a failure of an item at a stage; returns "failing" or "quarantined"."""
    with store.write() as connection:
        return note(
            connection, kind, key, stage, "failing", reason, article_id=article_id, failed=True
        )


def clear_failure(connection: Connection, kind: str, key: object, stage: str) -> None:
    """Forget a failing (not quarantined) item's failures after it succeeded."""
    q = schema.quarantine
    connection.execute(
        q.delete().where(
            q.c.kind == kind, q.c.key == str(key), q.c.stage == stage, q.c.state == "failing"
        )
    )


def list_quarantine(store: Store, state: str | None = "quarantined") -> list[QuarantineRecord]:
    """Bounded items, newest first: quarantined ones by default, every state with None."""
    q = schema.quarantine
    query = sa.select(q).order_by(q.c.last_at.desc(), q.c.id.desc())
    if state is not None:
        query = query.where(q.c.state == state)
    with store.read() as connection:
        rows = connection.execute(query).all()
    return [
        QuarantineRecord(
            id=r.id,
            kind=r.kind,
            key=r.key,
            article_id=r.article_id,
            stage=r.stage,
            state=r.state,
            reason=r.reason,
            failures=r.failures,
            first_at=r.first_at,
            last_at=r.last_at,
        )
        for r in rows
    ]


def quarantined_articles() -> sa.Select[tuple[int]]:
    """A subquery of the ids of quarantined articles (for ``NOT IN`` filters)."""
    q = schema.quarantine
    return sa.select(q.c.article_id).where(q.c.state == "quarantined", q.c.article_id.is_not(None))


# -- time budgets ---------------------------------------------------------------


class BudgetExceeded(NewstrailError):
    """An item's stage ran past its time budget (its child process was killed)."""


def run_within_budget(store: Store, work: Callable[[], object], seconds: float) -> None:
    """Run ``work`` in a forked child, killed after ``seconds``; raise if it failed.

    The child forgets the parent's pooled connections without closing them
    (SQLAlchemy's ``dispose(close=False)``, its documented pattern after a
    fork) and opens its own, so its writes are whole or absent whatever
    happens to it. An in-memory store cannot be shared with a child: there
    ``work`` runs inline, unbounded.

    Raises:
        BudgetExceeded: the child was still running after ``seconds``.
        RuntimeError: the child failed (its exit status is in the message).
    """
    if store.url == "sqlite://":
        work()
        return
    context = multiprocessing.get_context("fork")

    def child() -> None:
        # os._exit, not a return: multiprocessing would print a traceback for
        # an exception, and run the parent's exit handlers in the child.
        try:
            store.engine.dispose(close=False)
            work()
        except BaseException as error:  # one line on stderr, never a traceback
            sys.stderr.write(f"newstrail: {type(error).__name__}: {error}\n")
            sys.stderr.flush()
            os._exit(1)
        os._exit(0)

    process = context.Process(target=child, daemon=True)
    process.start()
    process.join(seconds)
    if process.is_alive():
        os.kill(process.pid or 0, signal.SIGKILL)
        process.join()
        raise BudgetExceeded(f"over its {seconds:.0f} s budget")
    if process.exitcode != 0:
        raise RuntimeError(f"failed (exit status {process.exitcode})")


def analyse_within_budget(
    store: Store, story_ids: Iterable[int], seconds: float = ANALYSIS_SECONDS
) -> list[str]:
    """Analyse each story under a time budget; returns one line per story that failed.

    A story past its budget gets its longest article quarantined and is
    analysed once more without it; a story that fails twice is quarantined.
    """
    from newstrail.coverage import semantic
    from newstrail.coverage.analysis import analyse_story
    from newstrail.text.nlp import load_english

    problems: list[str] = []
    stories = list(dict.fromkeys(story_ids))
    if stories and store.url != "sqlite://":
        # Load spaCy once here, so every forked child shares it (copy-on-write)
        # instead of each spending ~2 s of its budget loading it again.
        load_english()
        load_english(disable=("parser", "lemmatizer"))
        # The sentence model too, when the semantic extra is installed: loaded
        # in each child it spent 1-3 s of a 2 s test budget, so every story
        # went over it (tests/test_bounds.py with the extra installed).
        semantic.sentence_model()
    for story_id in stories:
        for _attempt in range(2):
            try:
                run_within_budget(store, functools.partial(analyse_story, store, story_id), seconds)
            except BudgetExceeded as error:
                culprit = _longest_article(store, story_id)
                reason = f"story {story_id} analysis {error}"
                problems.append(reason)
                if culprit is None:
                    record_failure(store, "story", story_id, "analysis", reason)
                    break
                with store.write() as connection:
                    note(
                        connection,
                        "article",
                        culprit[0],
                        "analysis",
                        "quarantined",
                        f"{reason}; its longest article ({culprit[1]:,} characters)",
                        article_id=culprit[0],
                    )
                continue
            except RuntimeError as error:
                reason = f"story {story_id} analysis {error}"
                problems.append(reason)
                record_failure(store, "story", story_id, "analysis", reason)
                break
            with store.write() as connection:
                clear_failure(connection, "story", story_id, "analysis")
            break
    return problems


def _longest_article(store: Store, story_id: int) -> tuple[int, int] | None:
    """The story's not yet quarantined article with the longest latest text, and its length."""
    v, members = schema.versions, schema.story_articles
    length = sa.func.max(sa.func.length(v.c.text))
    with store.read() as connection:
        row = connection.execute(
            sa.select(v.c.article_id, length.label("characters"))
            .join(members, members.c.article_id == v.c.article_id)
            .where(members.c.story_id == story_id, v.c.article_id.not_in(quarantined_articles()))
            .group_by(v.c.article_id)
            .order_by(length.desc())
            .limit(1)
        ).first()
    return None if row is None else (int(row.article_id), int(row.characters or 0))
