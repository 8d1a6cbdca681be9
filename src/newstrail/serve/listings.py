"""The JSON models of the browse lists (/articles, /stories, ``newstrail articles/stories``).

Apart from ``serve/models.py`` (which re-exports them with every other route's
model) so that the listing commands build nine models, not fifty: defining
all of them cost ~0.1 s of CPU on every ``newstrail articles`` (bench/startup.py).
The base classes live here for the same reason.
"""

from __future__ import annotations

from datetime import date, datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


class Model(BaseModel):
    """Every model here: its validator is built on first use, not at import.

    ``defer_build`` because building the schemas of all the models at import
    cost ~0.1 s of CPU on every ``newstrail articles``, which uses two of them
    (bench/startup.py); subclasses inherit the setting.
    """

    model_config = ConfigDict(defer_build=True)


class Strict(Model):
    """A model that refuses fields it does not declare (so a renamed field fails a test)."""

    model_config = ConfigDict(extra="forbid")


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


class StoryRow(Model):
    """A story as listed."""

    id: int
    title: str | None
    state: str
    first_seen: datetime | None
    last_seen: datetime | None
    article_count: int
    outlet_count: int
    outlets: list[str] = Field(description="Outlets, in the order they first carried it.")
    article_ids: list[int] = Field(description="Articles, in the order they were first seen.")


class FacetValue(Model):
    """One value a filter can take, with how many rows it would leave."""

    value: str
    count: int


class ArticleFilters(Model):
    """Which articles to list; every field is optional."""

    outlets: list[str] = Field(default_factory=list, description="Any of these outlets.")
    published_from: date | None = Field(
        default=None, description="Published (or first seen) on or after."
    )
    published_to: date | None = Field(
        default=None, description="Published (or first seen) on or before."
    )
    language: str | None = None
    has_changes: bool | None = Field(
        default=None, description="More than one version (or exactly one)."
    )
    state: str | None = Field(default=None, description="active | retired | deleted | moved")
    story_id: int | None = None


class StoryFilters(Model):
    """Which stories to list; every field is optional."""

    outlets: list[str] = Field(default_factory=list, description="Carried by any of these.")
    seen_from: date | None = Field(default=None, description="Last seen on or after.")
    seen_to: date | None = Field(default=None, description="First seen on or before.")
    min_articles: int | None = Field(default=None, ge=1)
    max_articles: int | None = Field(default=None, ge=1)


class ArticlePage(Model):
    """One page of articles with the total, the facets and the query that chose them."""

    articles: list[Article]
    article_count: int = Field(description="Articles matching the filters, on all pages.")
    page: int
    per_page: int
    page_count: int
    sort: str
    filters: ArticleFilters
    outlets: list[FacetValue]
    languages: list[FacetValue]
    states: list[FacetValue]


class StoryPage(Model):
    """One page of stories with the total, the outlet facet and the query."""

    stories: list[StoryRow]
    story_count: int = Field(description="Stories matching the filters, on all pages.")
    page: int
    per_page: int
    page_count: int
    sort: str
    filters: StoryFilters
    outlets: list[FacetValue]
