"""Articles, their versions, their described changes and the diff between two versions."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import AwareDatetime, ConfigDict, Field

from newstrail.serve.models.base import Model, Strict


class Article(Strict):
    """An article as listed."""

    id: int
    url: str
    outlet: str | None = Field(description="The source's (outlet's) name.")
    title: str | None
    published: date | None = Field(description="Publication date, YYYY-MM-DD.")
    first_seen_at: AwareDatetime
    last_changed_at: AwareDatetime | None
    version_count: int
    language: str | None
    state: str = Field(description="active | retired | deleted | moved")
    story_id: int | None


class Version(Strict):
    """One stored version, without its text."""

    id: int
    article_id: int
    number: int
    kind: str = Field(description="new | trivial | flipflop | template | suspect | teaser")
    captured_at: AwareDatetime
    title: str | None
    text_sha256: str
    word_count: int
    origin: str
    same_as_id: int | None
    note: str | None = Field(description="Why a version is held back, if it is.")


class Change(Strict):
    """One published change to an article, described."""

    version_id: int
    article_id: int
    number: int
    previous_number: int
    kind: str
    captured_at: AwareDatetime
    url: str
    title: str | None
    outlet: str | None
    source_id: int | None
    story_id: int | None
    description: str
    title_changed: bool
    substantive: bool


class ArticleDetail(Article):
    """One article: metadata, current text, every version and its described changes."""

    byline: str | None
    site_name: str | None
    evidence: dict[str, Any]
    access: str = Field(description="free | restricted | teaser")
    text: str
    extractor: str | None
    next_check_at: AwareDatetime | None
    versions: list[Version]
    retired: bool
    changes: list[Change]


class DiffSide(Strict):
    """One side of a diff: which version."""

    number: int
    title: str | None
    captured_at: AwareDatetime
    kind: str


class Diff(Model):
    """The word diff between two versions of an article."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    article_id: int
    url: str
    outlet: str | None
    from_: DiffSide = Field(alias="from")
    to: DiffSide
    title_changed: bool
    description: str
    substantive: bool
    added_word_count: int
    removed_word_count: int
    operations: list[dict[str, Any]]
