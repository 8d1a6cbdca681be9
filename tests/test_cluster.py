"""Online story clustering: the seed acceptance case, maintenance, dormancy, persistence."""

from __future__ import annotations

import heapq
import itertools
import json
import multiprocessing
import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from newstrail.extract.newssniffer import parse_newssniffer
from newstrail.stories.clustering import (
    ClusterArticle,
    ClusterSettings,
    StoryClusterer,
    ahead,
    cluster_records,
    features,
    streams,
)
from newstrail.stories.clustering.bisection import group_similarity, member_matrix, spectral_cut
from newstrail.stories.clustering.features import TermHasher
from newstrail.stories.clustering.story import Story, SubvectorScratch

CALL_DAY = datetime(2020, 12, 29, tzinfo=UTC)


def seed_articles(seeds_dir: Path, dated: bool) -> list[ClusterArticle]:
    """Seeds 000-003 (the Xi-Putin call) and 004 (RT, a NewsSniffer page: text after the header)."""
    articles = []
    for path in sorted(seeds_dir.glob("*.txt")):
        raw = path.read_text(encoding="utf-8")
        if path.name.startswith("004"):
            page = parse_newssniffer(raw)
            title, text = page.titles[1], "\n".join(page.paragraphs[1])
            day = datetime(2022, 5, 20, tzinfo=UTC)
        else:
            title, text, day = "", raw, CALL_DAY
        articles.append(ClusterArticle(path.stem[:3], title, text, day if dated else None))
    return articles


def partition(clusterer: StoryClusterer) -> set[frozenset[str]]:
    return {frozenset(members) for members in clusterer.stories().values()}


def words(prefix: str, count: int) -> list[str]:
    """``count`` made-up words that share nothing with other prefixes."""
    return [prefix + "".join(chr(97 + int(d)) for d in f"{i:02d}") for i in range(count)]


@pytest.mark.parametrize("dated", [False, True])
def test_seed_call_is_one_story_and_rt_article_another(seeds_dir: Path, dated: bool) -> None:
    clusterer = StoryClusterer()
    placements = [clusterer.place(a) for a in seed_articles(seeds_dir, dated)]
    assert partition(clusterer) == {frozenset({"000", "001", "002", "003"}), frozenset({"004"})}
    assert placements[0].new_story and placements[4].new_story
    assert not any(p.new_story for p in placements[1:4])
    rt_story = placements[4].story_id
    assert clusterer.story_title(rt_story) == "China responds to Biden’s claim on ties with Moscow"


@pytest.mark.parametrize("dated", [False, True])
def test_seed_partition_does_not_depend_on_arrival_order(seeds_dir: Path, dated: bool) -> None:
    articles = seed_articles(seeds_dir, dated)
    expected = {frozenset({"000", "001", "002", "003"}), frozenset({"004"})}
    # Dated, the 2022 article comes last: an article years late would find its
    # story dormant (that is the dormancy rule, tested below), not misplaced.
    orders = (
        [(*same_day, articles[4]) for same_day in itertools.permutations(articles[:4])]
        if dated
        else itertools.permutations(articles)
    )
    for order in orders:
        clusterer = StoryClusterer()
        for article in order:
            clusterer.place(article)
        assert partition(clusterer) == expected, [a.id for a in order]


def test_a_day_of_distinct_events_stays_apart_in_any_order(shared_data: Path) -> None:
    lines = (shared_data / "stories" / "allsides.jsonl").read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines]
    day_records = [r for r in records if r["date"] == "2021-09-27"]  # three roundups that day
    assert len({r["story_id"] for r in day_records}) == 3
    gold = {r["id"]: r["story_id"] for r in day_records}
    for seed in range(4):
        shuffled = day_records[:]
        random.Random(seed).shuffle(shuffled)
        stories: dict[int, set[str]] = {}
        for article_id, story_id in cluster_records(shuffled):
            stories.setdefault(story_id, set()).add(article_id)
        # Different events of one day are never merged, whatever the arrival order.
        assert all(len({gold[a] for a in story}) == 1 for story in stories.values())


def test_stories_merge_when_bridging_articles_arrive() -> None:
    left, right = words("lft", 12), words("rgt", 12)
    clusterer = StoryClusterer()
    first = clusterer.place(ClusterArticle("a", "", " ".join(left)))
    second = clusterer.place(ClusterArticle("b", "", " ".join(right)))
    assert first.story_id != second.story_id
    placements = [
        clusterer.place(ClusterArticle(f"x{i}", "", " ".join(left + right))) for i in range(4)
    ]
    moves = [move for p in placements for move in p.moves]
    assert [(m.article_id, m.reason) for m in moves] == [("a", "merge")]
    assert partition(clusterer) == {frozenset({"a", "b", "x0", "x1", "x2", "x3"})}
    survivor = next(iter(clusterer.stories()))
    assert placements[-1].story_id == survivor == moves[0].to_story != moves[0].from_story


def test_grown_stories_merge_once_their_centroids_meet() -> None:
    left, right = words("lft", 12), words("rgt", 12)
    clusterer = StoryClusterer(ClusterSettings(merge_threshold=0.3))
    for article_id, text in [("a1", left), ("a2", left[2:] + left[:2])]:
        clusterer.place(ClusterArticle(article_id, "", " ".join(text)))
    for article_id, text in [("b1", right), ("b2", right[2:] + right[:2])]:
        clusterer.place(ClusterArticle(article_id, "", " ".join(text)))
    assert len(clusterer.stories()) == 2
    moves = []
    for i in range(6):
        bridge = left[i:] + right + left[:i]
        moves.extend(clusterer.place(ClusterArticle(f"x{i}", "", " ".join(bridge))).moves)
    assert len(clusterer.stories()) == 1
    # Every article of the absorbed story is reported once, with the same from/to.
    assert len(moves) == len({m.article_id for m in moves}) >= 2
    assert len({(m.from_story, m.to_story, m.reason) for m in moves}) == 1


def test_article_that_no_longer_fits_is_split_out() -> None:
    core, shared, other = words("cor", 12), words("dst", 8), words("ech", 4)
    clusterer = StoryClusterer()
    clusterer.place(ClusterArticle("a", "", " ".join(core + shared)))
    misfit = clusterer.place(ClusterArticle("x", "", " ".join(shared + other)))
    assert not misfit.new_story  # it fitted the story while the story was one article
    moves = []
    for i in range(8):
        moves.extend(clusterer.place(ClusterArticle(f"c{i}", "", " ".join(core))).moves)
    assert [(m.article_id, m.reason) for m in moves] == [("x", "split")]
    assert moves[0].from_story == misfit.story_id != moves[0].to_story
    assert frozenset({"x"}) in partition(clusterer)
    assert len(clusterer.stories()[misfit.story_id]) == 9


def test_stories_go_dormant_after_the_window(seeds_dir: Path) -> None:
    call = seed_articles(seeds_dir, dated=True)[:4]
    # Fading off (time_scale_days=0) so that only the dormancy window decides.
    clusterer = StoryClusterer(ClusterSettings(dormant_after_days=7.0, time_scale_days=0.0))
    story = clusterer.place(call[0]).story_id
    within = replace(call[1], date=CALL_DAY + timedelta(days=6))
    assert clusterer.place(within).story_id == story
    # Even a near copy starts a new story once the old one has been idle too long.
    late = replace(call[2], id="late", date=CALL_DAY + timedelta(days=30))
    placement = clusterer.place(late)
    assert placement.new_story and placement.story_id != story
    info = clusterer.story_info(story)
    assert info.article_ids == ("000", "001")
    assert info.first_seen_at == CALL_DAY and info.last_seen_at == CALL_DAY + timedelta(days=6)
    assert info.title  # kept when the vectors were dropped


def test_state_round_trip_gives_identical_later_placements(shared_data: Path) -> None:
    lines = (shared_data / "stories" / "allsides.jsonl").read_text(encoding="utf-8").splitlines()
    records = sorted((json.loads(line) for line in lines[:240]), key=lambda r: r["date"])
    articles = [
        ClusterArticle(
            r["id"], r["title"], r["text"], datetime.fromisoformat(r["date"]).replace(tzinfo=UTC)
        )
        for r in records
    ]
    original = StoryClusterer()
    for article in articles[:150]:
        original.place(article)
    state = original.to_state()
    resumed = StoryClusterer.from_state(state)
    assert resumed.stories() == original.stories()
    later = articles[150:]
    assert [resumed.place(a) for a in later] == [original.place(a) for a in later]
    assert resumed.stories() == original.stories()
    assert resumed.to_state() == original.to_state()


def test_from_state_rejects_garbage() -> None:
    with pytest.raises(ValueError):
        StoryClusterer.from_state(b"not a state")


def test_cluster_records_ignores_gold_fields(shared_data: Path) -> None:
    lines = (shared_data / "stories" / "basil.jsonl").read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines[:45]]
    scrambled = [
        {**r, "story_id": f"gold-{i % 2}", "event_label": "same", "topic_id": "t1"}
        for i, r in enumerate(records)
    ]
    stripped = [
        {key: r[key] for key in ("id", "title", "text", "date", "source", "url", "lang")}
        for r in records
    ]
    expected = list(cluster_records(stripped))
    assert list(cluster_records(records)) == expected
    # The fields under the names the rest of newstrail gives them cluster the same.
    renamed = [
        {"id": r["id"], "title": r["title"], "text": r["text"], "url": r["url"]}
        | {"published": r["date"], "outlet": r["source"], "language": r["lang"]}
        for r in stripped
    ]
    assert list(cluster_records(renamed)) == expected
    assert list(cluster_records(scrambled)) == expected
    assert [article_id for article_id, _ in expected] == [r["id"] for r in records]
    assert len({story for _, story in expected}) > 2


def test_every_setting_is_documented() -> None:
    documented = ClusterSettings.documented()
    assert documented and all(help_text.strip() for help_text in documented.values())


def test_word_buckets_match_the_content_words() -> None:
    hasher = TermHasher()
    text = (
        "The Presidents of Russia and China said the phone calls went well; boss agrees. "
        "In the 2020s, 12ab34 café-owners (naïve? 9a) paid $1,000 for COVID19 tests…"
    )
    expected = [hasher.bucket(word) for word in features.words(text)]
    assert len(expected) > 15
    # Twice: the second pass reads every token from the memo.
    assert hasher.word_buckets(text).tolist() == expected
    assert hasher.word_buckets(text).tolist() == expected


def test_packed_scoring_equals_sparse_scoring(shared_data: Path) -> None:
    lines = (shared_data / "stories" / "ecbplus.jsonl").read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines[:12]]
    settings = ClusterSettings()
    weights = settings.weights()
    vectoriser = features.ArticleVectoriser(
        settings.body_chars, settings.body_terms, settings.entity_terms
    )
    vectors = [vectoriser.vectorise(r["id"], r["title"] or "", r["text"], None) for r in records]
    story = Story(1)
    for member in vectors[:6]:
        story.add(member, None)
    scratch = SubvectorScratch()
    for article in vectors[6:]:
        scratch.load(article)
        assert scratch.score(story, None, weights) == pytest.approx(
            story.score(article, None, weights), abs=1e-9
        )


def test_count_buckets_matches_numpy_unique() -> None:
    rng = np.random.default_rng(3)
    for size in (0, 1, 2, 50, 400):
        values = rng.integers(0, 40, size)
        expected = np.unique(values, return_counts=True)
        buckets, counts = features.count_buckets(values[: size // 2], values[size // 2 :])
        assert buckets.tolist() == expected[0].tolist()
        assert counts.tolist() == expected[1].tolist()


def test_entity_buckets_are_the_buckets_of_the_entity_terms() -> None:
    hasher = TermHasher()
    text = "Chinese President Xi Jinping told Vladimir Putin's aides on 29 Dec 2020: $160 million."
    expected = sorted(hasher.bucket(term) for term in features.entity_terms(text))
    # Twice: the second pass reads each capitalised run from the memo.
    assert sorted(hasher.entity_buckets(text).tolist()) == expected
    assert sorted(hasher.entity_buckets(text).tolist()) == expected
    assert hasher.entity_buckets("no names here").tolist() == []


def _centroid(story: Story, body: dict[int, float], entities: dict[int, float]) -> None:
    """Give ``story`` a centroid of these body and entity buckets (stacked, ascending)."""
    stacked = sorted(
        [((1 << features.HASH_BITS) + bucket, weight) for bucket, weight in body.items()]
        + [((2 << features.HASH_BITS) + bucket, weight) for bucket, weight in entities.items()]
    )
    story.keys = np.array([key for key, _ in stacked], dtype=np.int64)
    story.sums = np.array([weight for _, weight in stacked])


def test_top_terms_rank_like_nlargest_ties_in_bucket_order() -> None:
    story = Story(1)
    body = {7: 0.5, 3: 0.9, 11: 0.5, 2: 0.1, 5: 0.9}
    entities = {40: 0.2, 41: 0.3, 42: 0.3}
    _centroid(story, body, entities)
    expected = heapq.nlargest(4, sorted(body), key=body.__getitem__) + heapq.nlargest(
        2, sorted(entities), key=entities.__getitem__
    )
    assert story.top_terms(4) == expected == [3, 5, 7, 11, 41, 42]
    # Large centroids take the partition path; ties straddle the cut.
    rng = random.Random(5)
    body = {rng.randrange(1 << 20): rng.choice((0.1, 0.2, 0.3)) for _ in range(300)}
    _centroid(story, body, {})
    assert story.top_terms(24) == heapq.nlargest(24, sorted(body), key=body.__getitem__)


def test_centroids_are_the_sums_of_their_members(shared_data: Path) -> None:
    lines = (shared_data / "stories" / "ecbplus.jsonl").read_text(encoding="utf-8").splitlines()
    settings = ClusterSettings()
    vectoriser = features.ArticleVectoriser(
        settings.body_chars, settings.body_terms, settings.entity_terms
    )
    members = [
        vectoriser.vectorise(record["id"], record["title"] or "", record["text"], None)
        for record in map(json.loads, lines[:8])
    ]
    story = Story(1)
    for member in members:
        story.add(member, None)
    expected: dict[int, float] = {}
    for member in members:
        for key, value in zip(*(part.tolist() for part in member.stacked), strict=True):
            expected[key] = expected.get(key, 0.0) + value
    assert story.keys.tolist() == sorted(expected)
    assert story.sums.tolist() == pytest.approx([expected[key] for key in sorted(expected)])
    for position in range(3):
        part = [value for key, value in expected.items() if key >> features.HASH_BITS == position]
        assert story.squared_norms[position] == pytest.approx(sum(v * v for v in part))


def test_mentioned_years_skip_figures() -> None:
    text = "Published 7 July 2012. He earned $2010 in 1999, up 2015% on 20123 units."
    assert features.mentioned_years(text) == frozenset({2012, 1999})


def test_undated_articles_naming_different_years_stay_apart() -> None:
    shared, first_only, second_only = words("kli", 10), words("rah", 6), words("tho", 6)
    first = " ".join(["Published", "2008.", *shared, *first_only])
    second = " ".join(["Published", "2012.", *shared, *second_only])
    same_year = second.replace("2012", "2008")
    off = ClusterSettings(year_mismatch_factor=1.0)
    on = ClusterSettings(year_mismatch_factor=0.3)
    for settings, later, together in [
        (off, second, True),
        (on, second, False),
        (on, same_year, True),  # a shared year is no evidence against
    ]:
        clusterer = StoryClusterer(settings)
        clusterer.place(ClusterArticle("a", "", first))
        placement = clusterer.place(ClusterArticle("b", "", later))
        assert (not placement.new_story) is together, (settings.year_mismatch_factor, later[:20])
    # Dated articles fade with their time gap instead: the factor does not apply,
    # not even across New Year (2020-12-29 and 2021-01-01).
    dated = StoryClusterer(on)
    dated.place(ClusterArticle("a", "", first, CALL_DAY))
    new_year = CALL_DAY + timedelta(days=3)
    assert not dated.place(ClusterArticle("b", "", second, new_year)).new_story
    # The written years survive a save and resume.
    clusterer = StoryClusterer(on)
    clusterer.place(ClusterArticle("a", "", first))
    resumed = StoryClusterer.from_state(clusterer.to_state())
    assert resumed.place(ClusterArticle("b", "", second)).new_story


@pytest.mark.parametrize("headline_weight", [0.15, 0.0])
def test_split_check_estimate_finds_exactly_the_misfits(
    shared_data: Path, headline_weight: float
) -> None:
    lines = (shared_data / "stories" / "ecbplus.jsonl").read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines[:40]]
    settings = ClusterSettings(headline_weight=headline_weight)
    weights = settings.weights()
    vectoriser = features.ArticleVectoriser(
        settings.body_chars, settings.body_terms, settings.entity_terms
    )
    vectors = [vectoriser.vectorise(r["id"], r["title"] or "", r["text"], None) for r in records]
    scratch = SubvectorScratch()
    held = vectors[-1]
    scratch.load(held)
    rng = random.Random(5)
    for _ in range(6):
        # Members drawn across gold stories, so that some fit the rest poorly.
        story = Story(1)
        for member in rng.sample(vectors[:-1], rng.randint(4, 20)):
            story.add(member, None)
        fits = [story.fit_without(position, weights) for position in range(len(story.members))]
        for threshold in [*sorted(fits)[:: max(1, len(fits) // 4)], 0.1, 0.3]:
            possible = scratch.possible_misfits(story, weights, threshold)
            exact = [position for position, fit in enumerate(fits) if fit < threshold]
            assert set(exact) <= set(possible)
            # Only members at or near the threshold are left for the exact check.
            assert all(fits[position] < threshold + 1e-5 for position in possible)
        # The held article is back in place afterwards.
        assert scratch.score(story, None, weights) == pytest.approx(
            story.score(held, None, weights), abs=1e-9
        )


def _gold_records(shared_data: Path) -> list[dict[str, object]]:
    records = []
    for path in sorted((shared_data / "stories").glob("*.jsonl")):
        records += [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    return records


def _vectoriser() -> features.ArticleVectoriser:
    settings = ClusterSettings()
    return features.ArticleVectoriser(
        settings.body_chars, settings.body_terms, settings.entity_terms
    )


def test_vectors_weighed_ahead_in_a_worker_equal_those_weighed_in_process(
    shared_data: Path,
) -> None:
    articles = [
        ClusterArticle(
            id=str(record["id"]),
            title=str(record.get("title") or ""),
            text=str(record["text"]),
            date=None if index % 3 else CALL_DAY,
        )
        for index, record in enumerate(_gold_records(shared_data))
    ]
    local, remote = _vectoriser(), _vectoriser()
    # Both start from an IDF that has already counted some articles.
    for vectoriser in (local, remote):
        for article in articles[:40]:
            vectoriser.vectorise(article.id, article.title, article.text, article.date)
    rest = articles[40:]
    in_process = list(ahead.vectorised_ahead(rest, local, workers=0))
    in_worker = list(ahead.vectorised_ahead(rest, remote, workers=1, min_articles=0))
    assert len(in_worker) == len(rest) > ahead.CHUNK  # chunks crossed over
    for (article, mine), (same_article, theirs) in zip(in_process, in_worker, strict=True):
        assert article is same_article
        assert mine.weighed is None and theirs.weighed is not None
        assert theirs.headline_text == mine.headline_text and theirs.years == mine.years
        assert theirs.terms.tolist() == mine.terms.tolist()
        assert theirs.counts.tolist() == mine.counts.tolist()
        expected = local.weigh(article.id, article.date, mine)
        received = remote.weigh(article.id, article.date, theirs)
        assert received.bounds == expected.bounds
        assert received.stacked[0].tolist() == expected.stacked[0].tolist()
        assert received.stacked[1].tolist() == expected.stacked[1].tolist()
    assert remote.idf.documents == local.idf.documents
    assert (remote.idf.document_frequency == local.idf.document_frequency).all()
    assert any(terms.years for _, terms in in_worker)  # undated articles carry written years


def test_terms_weighed_by_an_idf_out_of_step_are_weighed_again(shared_data: Path) -> None:
    records = _gold_records(shared_data)[:3]
    articles = [
        ClusterArticle(id=str(r["id"]), title=str(r.get("title") or ""), text=str(r["text"]))
        for r in records
    ]
    ahead_of_us, behind = _vectoriser(), _vectoriser()
    weighed = list(ahead.vectorised_ahead(articles, ahead_of_us, workers=1, min_articles=0))
    behind.vectorise("other", "An unrelated article", "counted only here", None)
    reference = _vectoriser()
    reference.vectorise("other", "An unrelated article", "counted only here", None)
    for article, terms in weighed:
        received = behind.weigh(article.id, None, terms)
        expected = reference.vectorise(article.id, article.title, article.text, None)
        assert received.stacked[1].tolist() == expected.stacked[1].tolist()


def test_place_all_with_a_tokenising_worker_places_as_place_does(
    shared_data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    articles = [
        ClusterArticle(
            id=str(record["id"]), title=str(record.get("title") or ""), text=str(record["text"])
        )
        for record in _gold_records(shared_data)
    ]
    monkeypatch.setattr(ahead, "MIN_ARTICLES", 2 * ahead.CHUNK)
    assert len(articles) >= ahead.MIN_ARTICLES  # long enough for the worker to start
    one_by_one = StoryClusterer()
    expected = [one_by_one.place(article) for article in articles]
    placements = StoryClusterer().place_all(iter(articles), workers=1)
    first = next(placements)
    assert multiprocessing.active_children()  # a worker is tokenising ahead
    assert [first, *placements] == expected


def test_a_stream_abandoned_midway_stops_its_worker() -> None:
    articles = (
        ClusterArticle(id=str(n), title=f"Story {n}", text=f"Mayor Pella {n} opened a bridge.")
        for n in range(10_000)
    )
    stream = ahead.vectorised_ahead(articles, _vectoriser(), workers=1, min_articles=0)
    first = [next(stream) for _ in range(3)]
    stream.close()
    assert [article.id for article, _ in first] == ["0", "1", "2"]
    assert not multiprocessing.active_children()


def test_second_event_grown_inside_a_story_is_cut_apart() -> None:
    # Two events of one kind: many shared topic words, a few of each event's own.
    shared, first_only, second_only = words("kli", 30), words("rah", 6), words("tho", 6)
    extra = words("one", 12)  # one word of its own per article, so no two are identical
    first = [
        ClusterArticle(f"a{i}", "", " ".join([*shared, *first_only, extra[i]])) for i in range(6)
    ]
    second = [
        ClusterArticle(f"b{i}", "", " ".join([*shared, *second_only, extra[6 + i]]))
        for i in range(6)
    ]
    first_ids, second_ids = frozenset(a.id for a in first), frozenset(a.id for a in second)
    for threshold, expected in [
        (0.0, {first_ids | second_ids}),
        (0.5, {first_ids, second_ids}),
    ]:
        clusterer = StoryClusterer(ClusterSettings(bisect_threshold=threshold))
        placements = [clusterer.place(a) for a in [*first, *second]]
        assert partition(clusterer) == expected, threshold
        # The second event's first article joined the first event's story ...
        assert not placements[6].new_story
        moves = [move for p in placements for move in p.moves]
        if threshold:
            # ... until the story reached 8 members and its newer half was cut off.
            assert {(m.article_id, m.reason) for m in moves} == {("b0", "split"), ("b1", "split")}
            assert placements[7].story_id == moves[0].to_story != moves[0].from_story
            assert clusterer.stories()[placements[-1].story_id] == [a.id for a in second]
        else:
            assert moves == []


def test_a_story_of_one_event_is_not_cut() -> None:
    shared, extra = words("kli", 30), words("one", 40)
    clusterer = StoryClusterer(ClusterSettings(bisect_threshold=0.5))
    for i in range(33):  # passes every size checkpoint up to the largest story cut
        clusterer.place(ClusterArticle(f"a{i}", "", " ".join([*shared, extra[i]])))
    assert len(clusterer.stories()) == 1


@pytest.mark.parametrize("dated", [False, True])
def test_group_similarity_is_the_similarity_of_the_two_halves(
    shared_data: Path, dated: bool
) -> None:
    lines = (shared_data / "stories" / "ecbplus.jsonl").read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines[:10]]
    settings = ClusterSettings()
    weights = settings.weights()
    vectoriser = features.ArticleVectoriser(
        settings.body_chars, settings.body_terms, settings.entity_terms
    )
    story, halves = Story(1), (Story(2), Story(3))
    side = np.array([position % 3 == 0 for position in range(len(records))])
    for position, record in enumerate(records):
        vectors = vectoriser.vectorise(record["id"], "", record["text"], None)
        day = 18_000.0 + position % 4 if dated else None
        story.add(vectors, day)
        halves[int(side[position])].add(vectors, day)
    matrix, bounds = member_matrix(story.vectors or [])
    # The halves are compared without the same-day bonus.
    expected = halves[0].similarity(halves[1], replace(weights, time_bonus=0.0))
    assert 0.05 < expected < 0.95
    assert group_similarity(story, matrix, bounds, side, weights) == pytest.approx(expected)
    # The cut puts members on both sides.
    assert 0 < spectral_cut(matrix @ matrix.T).sum() < len(records)


def test_numbers_of_rejoined_tokenised_text_are_read_whole() -> None:
    text = "A 6. 1 quake on an island of 120, 000 people; in 2005, 10 died ($27. 5 million)."
    assert features.number_terms(text) == [
        "n:6.1",
        "n:120000",
        "n:2005",
        "n:10",
        "n:$27.5 million",
    ]


def test_a_clusterer_rebuilt_from_assignments_keeps_story_ids_and_skips_old_ones(
    seeds_dir: Path,
) -> None:
    call, other = seed_articles(seeds_dir, dated=True)[:4], seed_articles(seeds_dir, dated=True)[4]
    rebuilt = StoryClusterer.from_assignments([(article, 3) for article in call[:3]], next_id=11)
    assert rebuilt.stories() == {3: [article.id for article in call[:3]]}
    assert rebuilt.place(call[3]).story_id == 3  # joins the story under its stored id
    placement = rebuilt.place(other)
    assert placement.new_story and placement.story_id == 11  # not an id merged away before


def test_cluster_records_reports_progress_and_keeps_input_order(shared_data: Path) -> None:
    records = [
        json.loads(line)
        for line in (shared_data / "stories" / "basil.jsonl").read_text("utf-8").splitlines()
    ]
    calls: list[tuple[int, int]] = []
    result = list(
        cluster_records(records, progress=lambda done, total: calls.append((done, total)))
    )
    assert [article_id for article_id, _ in result] == [str(r["id"]) for r in records]
    assert calls and calls[-1] == (len(records), len(records))


def test_a_jsonl_file_clusters_as_its_records_do(shared_data: Path, tmp_path: Path) -> None:
    records = [
        json.loads(line)
        for name in ("allsides", "ecbplus")
        for line in (shared_data / "stories" / f"{name}.jsonl").read_text("utf-8").splitlines()
    ]
    random.Random(3).shuffle(records)  # dated and undated, out of date order
    path = tmp_path / "articles.jsonl"
    lines = [json.dumps(record) for record in records]
    lines.insert(5, "   ")  # blank lines are skipped, as the reader of records skips them
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    calls: list[tuple[int, int]] = []
    from_file = list(streams.cluster_jsonl(path, progress=lambda *call: calls.append(call)))
    assert from_file == list(cluster_records(records))
    assert calls[-1] == (len(records), len(records))


def test_a_bad_jsonl_line_is_named(tmp_path: Path) -> None:
    path = tmp_path / "articles.jsonl"
    path.write_text('{"id": "a", "title": "T", "text": "x"}\n\n{"title": "no id"}\n')
    with pytest.raises(
        streams.BadRecord, match=r"articles\.jsonl: line 3: not a JSON object with an id"
    ):
        list(streams.cluster_jsonl(path))
    path.write_text('{"id": "a", "title": "T", "text": "x"}\n{"id": "b", \n')
    with pytest.raises(streams.BadRecord, match=r"articles\.jsonl: line 2: "):
        list(streams.cluster_jsonl(path))


COURT = (
    "The Supreme Court upheld the state's river protection law on Tuesday, ending a fight "
    "between farmers and the water agency over groundwater pumping limits in the valley. "
    "Justice Maria Alvarez wrote for the majority. The justices voted 7-2 for the agency."
)
FIRE = (
    "A wildfire in the northern hills forced the evacuation of 2,000 homes near Pine Ridge "
    "as strong winds pushed the flames toward the town. Fire chief Dana Morales said crews "
    "had contained a tenth of the blaze. Shelters opened at Pine Ridge High School."
)


def _story_articles() -> list[ClusterArticle]:
    court = [
        ClusterArticle(f"court{n}", "Court upholds river law", COURT + f" Report {n}.")
        for n in range(3)
    ]
    fire = [
        ClusterArticle(f"fire{n}", "Wildfire near Pine Ridge", FIRE + f" Update {n}.")
        for n in range(2)
    ]
    return court + fire


def test_revise_keeps_a_light_edit_and_moves_a_rewrite() -> None:
    clusterer = StoryClusterer()
    for _ in clusterer.place_all(_story_articles(), workers=0):
        pass
    placed = {member: story for story, ids in clusterer.stories().items() for member in ids}
    court, fire = placed["court1"], placed["fire0"]
    assert court != fire and placed["court0"] == placed["court2"] == court
    first_sentences = COURT.split(". ")[0] + "."
    light = clusterer.revise(
        ClusterArticle("court1", "Court upholds river law", first_sentences), court
    )
    assert light is not None and not light.moved and light.fit >= 0.10
    rewritten = ClusterArticle("court1", "Wildfire forces evacuations", FIRE)
    revision = clusterer.revise(rewritten, court)
    assert revision is not None and revision.moved and revision.fit < 0.10
    assert (revision.from_story, revision.to_story) == (court, fire) and not revision.emptied
    stories = clusterer.stories()
    assert "court1" in stories[fire] and "court1" not in stories[court]
    # The state carries the move: a restored clusterer knows where the article is.
    assert StoryClusterer.from_state(clusterer.to_state()).stories() == stories
    assert clusterer.revise(rewritten, court) is None  # no longer a member there


def test_revise_forgets_a_story_its_only_article_leaves() -> None:
    clusterer = StoryClusterer()
    articles = [*_story_articles(), ClusterArticle("lone", "Museum opens", "A new museum opened.")]
    for _ in clusterer.place_all(articles, workers=0):
        pass
    lone = next(story for story, ids in clusterer.stories().items() if ids == ["lone"])
    revision = clusterer.revise(ClusterArticle("lone", "Wildfire near Pine Ridge", FIRE), lone)
    assert revision is not None and revision.moved and revision.emptied
    assert lone not in clusterer.stories()
    assert "lone" in clusterer.stories()[revision.to_story]
