"""What each outlet alone reports, and which articles support a sentence."""

from __future__ import annotations

import pytest

from newstrail.coverage.exclusives import (
    ExclusiveReport,
    exclusive_content,
    quotation_units,
    story_sentences,
    supporting_articles,
)
from newstrail.coverage.reuse import StoryArticle
from newstrail.text.sentences import sentence_spans


@pytest.fixture(scope="module")
def seed_story(seed_articles: list[StoryArticle]) -> list[StoryArticle]:
    return seed_articles[:4]


@pytest.fixture(scope="module")
def reports(seed_story: list[StoryArticle]) -> dict[str, ExclusiveReport]:
    return exclusive_content(seed_story)


def test_sentence_spans_keep_abbreviations_and_breaks_lines() -> None:
    text = (
        "Mr. Smith met Dr. Jones in the U.S. on Monday. “It went well,” he said."
        "\nA heading\nLast one!"
    )
    sentences = [text[start:end] for start, end in sentence_spans(text)]
    assert sentences == [
        "Mr. Smith met Dr. Jones in the U.S. on Monday.",
        "“It went well,” he said.",
        "A heading",
        "Last one!",
    ]


def test_a_quotation_over_two_sentences_is_one_unit() -> None:
    text = (
        "“Ties are not affected by outside factors. Cooperation can resist any attempt"
        " to divide us,” a statement quoted Xi as saying. He said so twice.\n"
        "“An open quote never closed. Then other prose follows here."
    )
    units = [text[start:end] for start, end in quotation_units(text, sentence_spans(text))]
    assert units == [
        "“Ties are not affected by outside factors. Cooperation can resist any attempt"
        " to divide us,” a statement quoted Xi as saying.",
        "He said so twice.",
        # Never closed within its paragraph: a typo, so the sentences stay apart.
        "“An open quote never closed.",
        "Then other prose follows here.",
    ]


def test_a_related_article_teaser_in_the_text_is_no_exclusive_statement(
    reports: dict[str, ExclusiveReport],
) -> None:
    # The SCMP text carries three related-article headlines between paragraphs.
    texts = [s.text for s in reports["002"].sentences]
    assert "Russia admits to world’s third-worst coronavirus death toll" not in texts
    assert "Why China-Russia relations are warming up in the Arctic" not in texts
    assert any(t.startswith("Li Lifan, senior fellow in Russia studies") for t in texts)


def test_summary_never_cites_half_a_quotation(seed_story: list[StoryArticle]) -> None:
    from newstrail.coverage.summary import summarise_story

    for sentence in summarise_story(seed_story):
        assert sentence.text.count("“") <= sentence.text.count("”"), sentence.text


def test_sentence_only_scmp_has_is_exclusive_to_it(
    seed_story: list[StoryArticle], reports: dict[str, ExclusiveReport]
) -> None:
    scmp = reports["002"]
    texts = [s.text for s in scmp.sentences]
    assert any(t.startswith("Li Lifan, senior fellow in Russia studies") for t in texts)
    body = seed_story[2].text
    for sentence in scmp.sentences:
        assert body[sentence.span[0] : sentence.span[1]] == sentence.text
        assert sentence.best_support < 0.5
    # Newsweek alone reports the joint bomber patrol.
    assert any("Japan and South Korea both scrambled" in s.text for s in reports["003"].sentences)


def test_shared_statement_is_nobodys_exclusive(reports: dict[str, ExclusiveReport]) -> None:
    for report in reports.values():
        assert not any("interference by any other factors" in s.text for s in report.sentences)
        assert not any("unswervingly develop" in s.text for s in report.sentences)


def test_partial_facts_name_their_carriers(
    seed_story: list[StoryArticle], reports: dict[str, ExclusiveReport]
) -> None:
    scmp_facts = {(f.kind, f.text): f.article_ids for f in reports["002"].facts}
    assert scmp_facts[("quote", "has strong independent value")] == ("000", "002")
    assert scmp_facts[("number", "20")] == ("000", "001", "002")  # January 20, not in Newsweek
    assert ("number", "5") not in scmp_facts  # "5G" is a name, not a number
    assert any(kind == "entity" and "Li Lifan" in text for kind, text in scmp_facts)
    for report in reports.values():
        for fact in report.facts:
            assert report.article_id in fact.article_ids
            assert 0 < len(fact.article_ids) < len(seed_story)


def test_single_article_has_nothing_to_compare(seed_story: list[StoryArticle]) -> None:
    (report,) = exclusive_content(seed_story[:1]).values()
    assert report.sentences == () and report.facts == ()


def test_supporting_articles_match_meaning_not_strings(seed_story: list[StoryArticle]) -> None:
    paraphrase = (
        "Xi told Putin that Sino-Russian relations are not affected by changes in the "
        "international situation or by interference from other factors."
    )
    supporters = dict(supporting_articles(paraphrase, seed_story))
    assert {"000", "001", "002"} <= set(supporters)
    unrelated = "The city council approved a new budget for public libraries on Tuesday."
    assert supporting_articles(unrelated, seed_story) == []


def test_exclusive_sentences_have_no_support_elsewhere(
    seed_story: list[StoryArticle], reports: dict[str, ExclusiveReport]
) -> None:
    for article_id, report in reports.items():
        for sentence in report.sentences[:5]:
            assert [a for a, _ in supporting_articles(sentence.text, seed_story)] == [article_id]


def test_a_quotation_two_outlets_carry_is_nobodys_exclusive() -> None:
    lead = "Negotiators returned to Doha on Saturday for a new round of ceasefire talks."
    first = StoryArticle(
        id="1",
        source="Example Times",
        published=None,
        title="Talks",
        text=f'{lead}\n\n"We are not there yet," a senior US official told reporters, '
        "speaking on condition of anonymity.",
        url="https://times.example.com/a",
    )
    second = StoryArticle(
        id="2",
        source="Sample News",
        published=None,
        title="Talks",
        text='Mediators met again on Saturday.\n\nAn American official cautioned: "We are not '
        'there yet."',
        url="https://news.example.com/b",
    )
    reports = exclusive_content([first, second])
    exclusive = [s.text for report in reports.values() for s in report.sentences]
    assert not any("not there yet" in text for text in exclusive)
    assert [a for a, _ in supporting_articles(first.text.split("\n\n")[1], [second])] == ["2"]


def test_a_nationality_is_carried_by_its_country() -> None:
    from newstrail.coverage.exclusives import _carries

    assert _carries("entity", "Qatari", "qatar's prime minister told a news conference")
    assert _carries("entity", "Russian", "talks with russia resumed")
    assert not _carries("entity", "Qatari", "the prime minister told a news conference")
    assert not _carries("entity", "Iran", "iraq's foreign ministry said")  # short: exact only


def test_a_correction_notice_is_no_statement_of_the_story() -> None:
    text = (
        "Parliament passed next year's budget on Friday after a long debate.\n\n"
        "Correction: An earlier version of this article misstated the vote count.\n\n"
        "This story has been updated to include the opposition's response to the vote."
    )
    sentences = story_sentences(
        [StoryArticle("1", "Times", None, "Budget", text, "u")], compare=False
    )
    assert sentences.texts == (
        "Parliament passed next year's budget on Friday after a long debate.",
    )
