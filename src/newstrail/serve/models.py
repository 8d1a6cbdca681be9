"""The JSON the web app answers, as typed models: the OpenAPI schema and the tests' contract.

One vocabulary everywhere (web JSON, CLI ``--json``, exports): a count is
``<thing>_count`` (an int), a list is a plural noun and always a list, an
article has ``outlet`` (its source's name), ``version_count`` and
``language``, a version has ``article_id`` and ``text_sha256``, an id is
``<thing>_id`` (a passage's ``source_article_id``), and every timestamp is
named ``<event>_at`` (a story's ``first_seen_at``, as an article's) and is ISO
8601 in UTC with its offset (``AwareDatetime`` refuses one without).
Publication dates are ``YYYY-MM-DD``.

Each JSON route names its model (``twin(..., model=...)``); the route still
returns the data its read model built, so the model documents and checks it
(``tests/test_api.py`` validates a real response of every route against its
model) rather than re-serialising it. The per-story analysis records
(quotes, summary, passages, discrepancies, exclusives) are typed too, as
``coverage/results.py`` reads them back, so an outlet is ``outlet`` there as well.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


class Model(BaseModel):
    """Every model here: its validator is built on first use, not at import.

    ``defer_build`` because building the validators of fifty models at import
    would cost every program that imports this module for one of them (the web
    app validates nothing it answers; the tests validate every route).
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


class StoryListing(Strict):
    """A story as listed on the home page."""

    id: int
    title: str | None
    first_seen_at: AwareDatetime | None
    last_seen_at: AwareDatetime | None
    article_count: int
    outlet_count: int


class Home(Strict):
    """The home page: the latest stories and changes."""

    stories: list[StoryListing]
    changes: list[Change]


class StoryArticle(Model):
    """An article of a story."""

    model_config = ConfigDict(extra="allow")

    id: int
    url: str
    outlet: str | None
    title: str | None
    published: date | None
    first_seen_at: AwareDatetime


class QuoteVariant(Strict):
    """One outlet's wording of a quote (``exact`` or a ``variant`` of the group's text)."""

    article_id: int
    outlet: str | None
    text: str
    kind: str = Field(description="direct | indirect | mixed (reported speech with quoted words)")
    relation: str = Field(description="exact | variant")


class QuoteParaphrase(Strict):
    """One outlet's reported-speech rendering of a quote."""

    article_id: int
    outlet: str | None
    text: str


class StoryQuote(Strict):
    """A statement and the outlets that carry it (coverage/quoting)."""

    text: str
    kind: str = Field(
        description="direct | indirect | mixed: only direct speech is the speaker's own words"
    )
    speaker: str | None
    outlets: list[str] = Field(description="Outlets carrying it word for word or nearly.")
    first_article_id: int | None
    variants: list[QuoteVariant]
    paraphrases: list[QuoteParaphrase]


class Citation(Strict):
    """An article that supports a summary sentence."""

    article_id: int
    outlet: str | None
    score: float


class SummarySentence(Strict):
    """A sentence of the cited summary (coverage/summary.py)."""

    text: str
    article_id: int | None
    outlets: list[str]
    citations: list[Citation]


class Passage(Strict):
    """A passage one article reused from another (coverage/reuse.py)."""

    source_article_id: int = Field(description="The article it first appeared in (an id).")
    target_article_id: int = Field(description="The article that reused it (an id).")
    text: str
    similarity: float
    direction_reason: str


class CitedSentence(Strict):
    """A sentence of an article, for a link to it."""

    article_id: int
    text: str


class DiscrepancyValue(Strict):
    """One value of a figure or one wording of a quote, and who states it."""

    text: str
    outlets: list[str]
    article_ids: list[int]
    sentences: list[CitedSentence]


class Correction(Strict):
    """An outlet that changed a figure between versions."""

    article_id: int
    outlet: str | None
    from_: str = Field(alias="from")
    to: str
    earlier_sentence: str


class Discrepancy(Strict):
    """Outlets (or versions) that state a figure or a quote differently."""

    kind: str = Field(description="vote | money | casualties | count | quote")
    about: str
    values: list[DiscrepancyValue]
    corrected: list[Correction]


class ExclusiveSentence(Strict):
    """A sentence no other article of the story supports."""

    text: str
    span: list[int] = Field(description="[start, end) in the article's text.")
    best_support: float


class Fact(Strict):
    """An entity, number or quote and the articles that carry it."""

    kind: str = Field(description="entity | number | quote")
    text: str
    article_ids: list[int]


class Exclusive(Strict):
    """What one article reports that the rest of its story does not."""

    article_id: int
    outlet: str | None
    sentences: list[ExclusiveSentence]
    facts: list[Fact]


class StoryMove(Strict):
    """An article that joined or left the story, and why."""

    article_id: int
    from_story_id: int | None
    to_story_id: int | None = Field(description="null when the article left every story.")
    reason: str = Field(description="placed | merge | split | rewritten | rebuild")
    moved_at: AwareDatetime


class Story(Model):
    """One story across outlets with what was computed about it.

    Open to more fields: the story page's analyses grow (coverage grid,
    speakers) and are typed where they are computed.
    """

    model_config = ConfigDict(extra="allow")

    id: int
    title: str | None
    state: str
    first_seen_at: AwareDatetime | None
    last_seen_at: AwareDatetime | None
    article_ids: list[int]
    outlets: list[str]
    articles: list[StoryArticle]
    analysed_at: AwareDatetime | None
    analysed_version_ids: list[int]
    stale: bool
    quotes: list[StoryQuote]
    summary: list[SummarySentence]
    passages: list[Passage]
    exclusive: dict[str, Exclusive] = Field(description="Keyed by article id.")
    discrepancies: list[Discrepancy]
    moves: list[StoryMove]


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
    facets: dict[str, list[FacetValue]] = Field(
        description="By outlet (name), story (id) and month (YYYY-MM); null when a hit has none."
    )
    notes: list[str]


class Follows(Model):
    """What the signed-in reader follows, and the stories and changes that match."""

    model_config = ConfigDict(extra="allow")

    follows: list[dict[str, Any]]
    stories: list[dict[str, Any]]
    changes: list[Change]


class Backlog(Strict):
    """Work waiting for the watcher."""

    due_articles: int
    due_feeds: int
    pending_alerts: int


class Health(Strict):
    """Liveness and readiness: the store, the schema and the watcher."""

    status: str
    store: str
    schema_revision: str | None
    watcher: str
    last_pass_at: AwareDatetime | None
    last_pass_age_seconds: float | None
    backlog: Backlog
    watchers: list[dict[str, Any]]


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
