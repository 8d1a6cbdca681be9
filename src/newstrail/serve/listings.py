"""The records of the browse lists (/articles, /stories, ``newstrail articles/stories``).

Plain dataclasses, not pydantic models: ``newstrail articles`` builds and
prints them, and importing pydantic and building its validators cost ~0.1 s
of CPU per run (bench/startup.py). The JSON they become is described, for
OpenAPI and the tests, by the models of the same names in ``serve/models/``;
``tests/test_browse.py`` checks each pair has the same fields.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime


@dataclass(frozen=True, kw_only=True)
class Article:
    """An article as listed."""

    id: int
    url: str
    outlet: str | None
    title: str | None
    published: date | None
    first_seen_at: datetime
    last_changed_at: datetime | None
    version_count: int
    language: str | None
    state: str
    story_id: int | None


@dataclass(frozen=True, kw_only=True)
class StoryRow:
    """A story as listed."""

    id: int
    title: str | None
    state: str
    first_seen_at: datetime | None
    last_seen_at: datetime | None
    article_count: int
    outlet_count: int
    outlets: list[str]
    article_ids: list[int]


@dataclass(frozen=True, kw_only=True)
class FacetValue:
    """One value a filter can take, with how many rows it would leave."""

    value: str
    count: int


@dataclass(frozen=True, kw_only=True)
class ArticleFilters:
    """Which articles to list; every field is optional."""

    outlets: list[str] = field(default_factory=list)
    published_from: date | None = None
    published_to: date | None = None
    language: str | None = None
    has_changes: bool | None = None
    state: str | None = None
    story_id: int | None = None


@dataclass(frozen=True, kw_only=True)
class StoryFilters:
    """Which stories to list; every field is optional."""

    outlets: list[str] = field(default_factory=list)
    seen_from: date | None = None
    seen_to: date | None = None
    min_articles: int | None = None
    max_articles: int | None = None


@dataclass(frozen=True, kw_only=True)
class ArticlePage:
    """One page of articles with the total, the facets and the query that chose them."""

    articles: list[Article]
    article_count: int
    page: int
    per_page: int
    page_count: int
    sort: str
    filters: ArticleFilters
    outlets: list[FacetValue]
    languages: list[FacetValue]
    states: list[FacetValue]


@dataclass(frozen=True, kw_only=True)
class StoryPage:
    """One page of stories with the total, the outlet facet and the query."""

    stories: list[StoryRow]
    story_count: int
    page: int
    per_page: int
    page_count: int
    sort: str
    filters: StoryFilters
    outlets: list[FacetValue]
