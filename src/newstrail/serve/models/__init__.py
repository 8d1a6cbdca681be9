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

The models live by surface: ``articles.py`` (articles, versions, changes,
diffs), ``stories.py`` (stories and their analyses, the home page, follows),
``sources.py`` (sources, feeds, silent edits), ``health.py``, and
``browse.py`` (the /articles and /stories lists and search); ``base.py`` holds
the two base models. Every name is re-exported here, so
``from newstrail.serve.models import Article`` is the way to import one.
"""

from __future__ import annotations

from newstrail.serve.models.articles import Article, ArticleDetail, Change, Diff, DiffSide, Version
from newstrail.serve.models.base import Model, Strict
from newstrail.serve.models.browse import (
    ArticleFilters,
    ArticlePage,
    FacetValue,
    Search,
    SearchFilters,
    SearchHit,
    StoryFilters,
    StoryPage,
    StoryRow,
)
from newstrail.serve.models.health import Backlog, Health
from newstrail.serve.models.sources import (
    Feed,
    OutletEdits,
    Source,
    SourceEdits,
    SourceReport,
    Sources,
)
from newstrail.serve.models.stories import (
    Citation,
    CitedSentence,
    Correction,
    Discrepancy,
    DiscrepancyValue,
    Exclusive,
    ExclusiveSentence,
    Fact,
    Follows,
    Home,
    Passage,
    QuoteParaphrase,
    QuoteVariant,
    Story,
    StoryArticle,
    StoryListing,
    StoryMove,
    StoryQuote,
    SummarySentence,
)

__all__ = [
    "Article",
    "ArticleDetail",
    "ArticleFilters",
    "ArticlePage",
    "Backlog",
    "Change",
    "Citation",
    "CitedSentence",
    "Correction",
    "Diff",
    "DiffSide",
    "Discrepancy",
    "DiscrepancyValue",
    "Exclusive",
    "ExclusiveSentence",
    "FacetValue",
    "Fact",
    "Feed",
    "Follows",
    "Health",
    "Home",
    "Model",
    "OutletEdits",
    "Passage",
    "QuoteParaphrase",
    "QuoteVariant",
    "Search",
    "SearchFilters",
    "SearchHit",
    "Source",
    "SourceEdits",
    "SourceReport",
    "Sources",
    "Story",
    "StoryArticle",
    "StoryFilters",
    "StoryListing",
    "StoryMove",
    "StoryPage",
    "StoryQuote",
    "StoryRow",
    "Strict",
    "SummarySentence",
    "Version",
]
