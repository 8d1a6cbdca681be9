"""Sources (outlets), watched feeds, a source's report and the silent-edit record."""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict, Field

from newstrail.serve.models.articles import Change
from newstrail.serve.models.base import Model, Strict


class Source(Strict):
    """A source (outlet)."""

    id: int
    name: str
    domain: str | None
    article_count: int
    extraction_degraded: str | None = Field(description="Why extraction is degraded, if it is.")


class Feed(Strict):
    """A watched feed, sitemap or page."""

    id: int
    url: str
    kind: str
    name: str | None
    source_id: int | None
    active: bool


class Sources(Strict):
    """Every source and watched feed."""

    sources: list[Source]
    feeds: list[Feed]


class OutletEdits(Strict):
    """One outlet's record of published edits (``serve/silent_edits.py``)."""

    source_id: int
    outlet: str
    edit_count: int
    edited_article_count: int
    substantive_count: int
    factual_count: int = Field(description="Edits that changed a number, quote, name or headline.")
    stylistic_count: int
    noticed_count: int = Field(description="Factual edits carrying a correction/update notice.")
    silent_count: int = Field(description="Factual edits without one.")
    silent_share: float | None
    facts: dict[str, int] = Field(description="Factual edits by what they changed.")
    actions: dict[str, int] = Field(description="NewsEdits sentence actions.")
    articles: dict[str, list[dict[str, Any]]] | None = Field(
        default=None, description="The articles behind each figure (on a source's page)."
    )
    entries: list[dict[str, Any]] | None = None


class SourceEdits(Strict):
    """The silent-edit record: outlets ranked."""

    rank_min_factual: int
    outlets: list[OutletEdits]


class SourceReport(Model):
    """One source's health, feeds, change statistics and silent-edit record."""

    model_config = ConfigDict(extra="allow")

    recent_changes: list[Change]
    extraction: dict[str, Any]
    silent_edits: OutletEdits
