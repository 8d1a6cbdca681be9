"""The browse pages (/articles, /stories) and search: filters, facets and pages of rows."""

from __future__ import annotations

from datetime import date

from pydantic import AwareDatetime, Field

from newstrail.serve.models.articles import Article
from newstrail.serve.models.base import Strict


class FacetValue(Strict):
    """One value a filter can take and how many rows (or hits) have it: browse's and search's."""

    value: str | int | None = Field(
        description="An outlet, language, state or month (text), a story id (a number), or null."
    )
    count: int


class SearchFilters(Strict):
    """The filters a search was run with, named and typed as ``ArticleFilters`` names them."""

    outlets: list[str] = Field(description="The outlet (a name or source id); at most one.")
    published_from: date | None = Field(description="Published (or first seen) on or after.")
    published_to: date | None = Field(description="Published (or first seen) on or before.")
    story_id: int | None
    kind: str | None = Field(description="article | quote | null for both")


class SearchHit(Strict):
    """One matching article or quote."""

    kind: str = Field(description="article | quote")
    ref: int = Field(description="The article's or quote's id.")
    article_id: int
    title: str | None
    outlet: str | None
    published: date | None
    story_id: int | None
    speaker: str | None
    superseded: bool = Field(description="Matched only text the article no longer carries.")
    snippet: str
    highlights: list[str]


class Search(Strict):
    """A page of search hits, their total and facets by outlet, story and month."""

    q: str
    filters: SearchFilters
    page: int
    per_page: int
    query: str = Field(description="The query as understood (words, phrases, OR, exclusions).")
    hit_count: int
    hit_count_capped: bool = Field(
        description="More matches than were counted: hit_count and facets are of the best-ranked."
    )
    hits: list[SearchHit]
    outlets: list[FacetValue] = Field(description="Hits by outlet (name; null: none).")
    stories: list[FacetValue] = Field(description="Hits by story (id; null: in no story).")
    months: list[FacetValue] = Field(description="Hits by month (YYYY-MM; null: undated).")
    notes: list[str]


# -- the browse pages, /articles and /stories (filled by serve/browse.py) --


class StoryRow(Strict):
    """A story as listed."""

    id: int
    title: str | None
    state: str
    first_seen_at: AwareDatetime | None
    last_seen_at: AwareDatetime | None
    article_count: int
    outlet_count: int
    outlets: list[str] = Field(description="Outlets, in the order of their articles.")
    article_ids: list[int] = Field(
        description="Articles by publication date (first seen when undated), as on the story page."
    )


class ArticleFilters(Strict):
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


class StoryFilters(Strict):
    """Which stories to list; every field is optional."""

    outlets: list[str] = Field(default_factory=list, description="Carried by any of these.")
    seen_from: date | None = Field(default=None, description="Last seen on or after.")
    seen_to: date | None = Field(default=None, description="First seen on or before.")
    min_articles: int | None = Field(default=None, ge=1)
    max_articles: int | None = Field(default=None, ge=1)


class ArticlePage(Strict):
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


class StoryPage(Strict):
    """One page of stories with the total, the outlet facet and the query."""

    stories: list[StoryRow]
    story_count: int = Field(description="Stories matching the filters, on all pages.")
    page: int
    per_page: int
    page_count: int
    sort: str
    filters: StoryFilters
    outlets: list[FacetValue]
