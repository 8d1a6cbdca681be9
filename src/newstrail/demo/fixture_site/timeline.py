"""The fixture site's outlets, articles and timeline: what each page says at each step."""

from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache, lru_cache
from importlib import resources
from typing import Literal

# Site time: step n happens at SITE_EPOCH + n * STEP_MINUTES.
SITE_EPOCH = datetime(2024, 5, 1, 8, 0, tzinfo=UTC)
STEP_MINUTES = 10


@dataclass(frozen=True)
class Outlet:
    """One outlet of the fixture site."""

    slug: str
    name: str
    feed_kind: Literal["rss", "atom", "newssitemap", "sitemapindex"]

    @property
    def feed_path(self) -> str:
        """Path of the outlet's feed or sitemap."""
        names = {
            "rss": "rss.xml",
            "atom": "atom.xml",
            "newssitemap": "sitemap.xml",
            "sitemapindex": "sitemap_index.xml",
        }
        return f"/{self.slug}/{names[self.feed_kind]}"


OUTLETS = (
    Outlet("republic", "Republic World", "rss"),
    Outlet("wion", "WION", "atom"),
    Outlet("scmp", "South China Morning Post", "newssitemap"),
    Outlet("newsweek", "Newsweek", "rss"),
    Outlet("rt", "RT", "sitemapindex"),
)


@dataclass(frozen=True)
class Story:
    """An article's fixed facts: where it lives, who wrote it, its seed text."""

    key: str
    outlet: str
    slug: str
    headline: str
    author: str
    seed: str  # file in fixture_data/, or "" for an article recombined from all seeds
    published_step: int = 0


def _load_stories() -> tuple[Story, ...]:
    """The fixture's articles, from ``fixture_data/stories.json``."""
    rows = json.loads(
        resources.files("newstrail.demo").joinpath("fixture_data", "stories.json").read_text()
    )
    return tuple(Story(**row) for row in rows)


STORIES = _load_stories()

EventKind = Literal[
    "reword", "headline", "correction", "flip", "flop", "delete", "gone", "redirect"
]


@dataclass(frozen=True)
class Event:
    """Something that happens to one article at one step."""

    step: int
    kind: EventKind
    story: str


# The timeline the tests advance through. The WION article also changes
# trivially ("Updated N minutes ago", a view counter) at every step.
TIMELINE = (
    Event(1, "reword", "xi-putin-republic"),
    Event(2, "headline", "xi-putin-republic"),
    Event(3, "correction", "xi-putin-republic"),
    Event(3, "flip", "xi-putin-scmp"),
    Event(4, "flop", "xi-putin-scmp"),
    Event(4, "delete", "xi-putin-newsweek"),
    Event(5, "gone", "xi-putin-newsweek"),
    Event(5, "redirect", "china-biden-rt"),
)
TRIVIAL_STORY = "xi-putin-wion"
# From this step on, the trivial story's text also changes its quote marks.
TRIVIAL_TEXT_STEP = 2
CORRECTION = (
    "Correction: An earlier version of this article misstated the day of the call. "
    "It took place on Monday."
)
# Deterministic rewording: the first of these words found in the second paragraph.
_REWORDINGS = (
    ("said", "stated"),
    ("told", "informed"),
    ("strong", "robust"),
    ("ties", "relations"),
)


# -- stories and the timeline ------------------------------------------------------


def settled_step() -> int:
    """The last step that changes anything but the trivial story (later steps repeat it)."""
    return max(*(event.step for event in TIMELINE), *(story.published_step for story in STORIES))


def story_by_key(key: str) -> Story:
    """The story called ``key``."""
    return next(story for story in STORIES if story.key == key)


def story_path(story: Story) -> str:
    """Where a story is first published."""
    return f"/{story.outlet}/news/{story.slug}"


def moved_path(story: Story) -> str:
    """Where a redirected story moves to."""
    return f"/{story.outlet}/news/{story.slug}-updated"


def events_of(story: Story, step: int) -> set[EventKind]:
    """The kinds of event that have happened to ``story`` by ``step``."""
    return {event.kind for event in TIMELINE if event.story == story.key and event.step <= step}


def article_state(story: Story, path: str, step: int) -> tuple[int, str | None]:
    """(status, redirect location) of a story's page at ``path`` as of ``step``."""
    if step < story.published_step:
        return 404, None
    events = events_of(story, step)
    if "gone" in events:
        return 410, None
    if "delete" in events:
        return 404, None
    moved = "redirect" in events
    if path == moved_path(story):
        return (200, None) if moved else (404, None)
    return (301, moved_path(story)) if moved else (200, None)


def reword(paragraph: str) -> str:
    """The paragraph with its first rewordable word replaced."""
    for old, new in _REWORDINGS:
        pattern = re.compile(rf"\b{old}\b")
        if pattern.search(paragraph):
            return pattern.sub(new, paragraph, count=1)
    return paragraph + " Officials declined to comment further."


def story_paragraphs(story: Story) -> tuple[str, ...]:
    """A story's body paragraphs: its seed text, or recombined seed sentences."""
    if story.seed:
        return seed_paragraphs(story.seed)
    rng = random.Random(story.key)
    sentences = sentence_pool()
    return tuple(" ".join(rng.sample(sentences, 3)) for _ in range(6))


_CHROME_LINE = re.compile(
    r"^(•|Read -|This article|You can find|The article has|Version \d)|Photo:|https?://"
)
_LEADING_DATE = re.compile(r"^\s*date \d{4}-\d{2}-\d{2}\s+")


@cache
def seed_paragraphs(name: str) -> tuple[str, ...]:
    """Body paragraphs of a seed text: long lines ending a sentence, page furniture dropped."""
    text = (
        resources.files("newstrail.demo").joinpath("fixture_data", name).read_text(encoding="utf-8")
    )
    return tuple(p for p in (_clean_paragraph(line) for line in text.splitlines()) if p)


def _clean_paragraph(line: str) -> str | None:
    """A seed line as a body paragraph, or None if it is page furniture."""
    line = _LEADING_DATE.sub("", line.strip())
    if len(line.split()) < 12 or _CHROME_LINE.search(line) or line[-1] not in ".”\"'?!":
        return None
    # NewsSniffer seeds print two versions of a paragraph side by side: keep the first.
    head = line[:30]
    second = line.find(head, len(head))
    return line[:second].strip() if second > 0 else line


_SENTENCE_SPLIT = re.compile(r"(?<=[.!?”\"])\s+(?=[A-Z“\"])")


@lru_cache(maxsize=1)
def sentence_pool() -> tuple[str, ...]:
    """Every sentence of the seed paragraphs (material for recombined articles)."""
    sentences: list[str] = []
    for story in STORIES:
        if story.seed:
            for paragraph in seed_paragraphs(story.seed):
                sentences += [s for s in _SENTENCE_SPLIT.split(paragraph) if len(s.split()) >= 6]
    return tuple(sentences)
