"""Stories and what was computed about them (quotes, summary, passages, discrepancies,
exclusives, moves); the home page and follows, which list stories and changes."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import AwareDatetime, ConfigDict, Field

from newstrail.serve.models.articles import Change
from newstrail.serve.models.base import Model, Strict


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


class Follows(Model):
    """What the signed-in reader follows, and the stories and changes that match."""

    model_config = ConfigDict(extra="allow")

    follows: list[dict[str, Any]]
    stories: list[dict[str, Any]]
    changes: list[Change]
