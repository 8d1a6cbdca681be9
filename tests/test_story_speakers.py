"""Who said what on a story: speakers are people or organisations, ordered by prominence."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from newstrail.coverage.quoting.roles import StorySpeakers, speaker_order, story_titles
from newstrail.jobs.pipeline import bundled_corpus, import_and_place
from newstrail.serve.stories import get_story
from newstrail.settings import Settings
from newstrail.store.database import Store

# Every person and organisation the sample story's four Xi-Putin articles quote,
# read by hand from src/newstrail/demo/corpus/00[0-3]*.txt.
SAMPLE_SPEAKERS = {
    "Xi Jinping",
    "Vladimir Putin",
    "Joe Biden",
    "Russian presidential office",
    "Russia's presidential office",
    "Chinese foreign ministry",
    "Andrey Denisov",
    "Li Lifan",
    "Zhang Xin",
    "Li Yonghui",
    "Sergei Ryabkov",
    "China's state-owned media",
    "Beijing",
    "China",
    "Russia",
    "Moscow",
    "Washington",
    "Interfax",
}
# Headings the rules gave before: roles, fragments and phrases that are no speaker.
NOT_SPEAKERS = {
    "an announcement by Russia's presidential office after the conversation",
    "an investment deal between China and the European Union",
    "elect",
    "incoming president",
    "Chinese president",
    "Chinese leader",
    "Berlin",
    "reports from Tokyo and Seoul",
    "both governments",
    "EU states",
}


@pytest.fixture(scope="module")
def sample_story(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    path: Path = tmp_path_factory.mktemp("sample") / "news.db"
    store = Store(f"sqlite:///{path}")
    corpus = sorted(bundled_corpus().glob("00[0-3]*.txt"))
    import_and_place(store, corpus, Settings(workers=1))
    story = get_story(store, 1).to_json()
    store.close()
    assert len(story["articles"]) == 4
    return story


def test_every_quote_group_of_the_sample_story_is_headed_by_a_person_or_organisation(
    sample_story: dict[str, object],
) -> None:
    quotes = sample_story["quotes"]
    assert isinstance(quotes, list) and len(quotes) >= 10
    speakers = [group["speaker"] for group in quotes]
    assert None not in speakers
    assert set(speakers) <= SAMPLE_SPEAKERS, set(speakers) - SAMPLE_SPEAKERS
    assert not set(speakers) & NOT_SPEAKERS


def test_xi_jinpings_quotes_are_one_group_and_first(sample_story: dict[str, object]) -> None:
    quotes = sample_story["quotes"]
    assert isinstance(quotes, list)
    order = list(dict.fromkeys(group["speaker"] for group in quotes))
    assert order[0] == "Xi Jinping"
    # One run of Xi's quotes: his section on the page is one block.
    xi = [n for n, group in enumerate(quotes) if group["speaker"] == "Xi Jinping"]
    assert xi == list(range(len(xi))) and len(xi) >= 5
    # His most-carried quote comes first, carried by three outlets.
    assert len(quotes[0]["outlets"]) == 3


def test_roles_resolve_to_the_person_the_story_names_in_that_role() -> None:
    texts = [
        "Chinese President Xi Jinping spoke to Russian President Vladimir Putin on Monday.",
        "President-elect Joe Biden said he would work with allies.",
    ]
    speakers = StorySpeakers.build(texts, ["Xi Jinping", "Jinping", "Putin"])
    assert speakers.canonical("the Chinese president") == "Xi Jinping"
    assert speakers.canonical("Chinese leader") == "Xi Jinping"
    assert speakers.canonical("the Russian leader") == "Vladimir Putin"
    assert speakers.canonical("incoming president") == "Joe Biden"
    assert speakers.canonical("elect") == "Joe Biden"
    assert speakers.canonical("Jinping") == "Xi Jinping"
    assert speakers.canonical("Putin") == "Vladimir Putin"
    # Two presidents and no nationality: no guess.
    assert speakers.canonical("the president") is None
    assert speakers.canonical("the French president") is None
    assert speakers.canonical("reports from Tokyo and Seoul") is None
    assert speakers.canonical("both governments") is None
    assert (
        speakers.canonical("an announcement by Russia's presidential office after the call")
        == "Russia's presidential office"
    )
    assert speakers.canonical("the Russian presidential office") == "Russia's presidential office"
    assert speakers.canonical("Interfax") == "Interfax"
    assert [t.person for t in story_titles(texts)] == ["Xi Jinping", "Vladimir Putin", "Joe Biden"]


def test_speakers_are_ordered_by_outlets_then_first_appearance() -> None:
    order = speaker_order(
        [
            ("Ana Ruiz", "Herald", 0),
            ("Xi Jinping", "Herald", 5),
            ("Xi Jinping", "Times", 7),
            ("Bo Li", "Times", 1),
        ]
    )
    assert order == ["Xi Jinping", "Ana Ruiz", "Bo Li"]


def test_reported_speech_is_marked_so_it_is_never_shown_as_the_speakers_words(
    sample_story: dict[str, object],
) -> None:
    quotes = sample_story["quotes"]
    assert isinstance(quotes, list)
    kinds = {group["kind"] for group in quotes}
    assert "direct" in kinds and kinds & {"indirect", "mixed"}, kinds
    for group in quotes:
        # "that …" clauses are reported speech, whatever marks they hold inside.
        if group["text"].startswith("that "):
            assert group["kind"] != "direct", group["text"]
        for variant in group["variants"]:
            assert variant["kind"] in {"direct", "indirect", "mixed"}


TALKS = [
    "Negotiators returned to Doha on Saturday for a new round of ceasefire talks.\n\n"
    "Qatari Prime Minister Mohammed bin Abdulrahman Al Thani said the sides were "
    '"closer than at any point this year".\n\n'
    '"We are not there yet," a senior US official told reporters, speaking on condition '
    "of anonymity.",
    'The sides are "closer than at any point this year", Qatar\'s prime minister told a '
    'news conference. A deal could come "within days", he said.\n\n'
    'An American official cautioned: "We are not there yet."',
]


def test_names_with_particles_and_unnamed_officials_are_speakers() -> None:
    speakers = StorySpeakers.build(TALKS, ["Mohammed bin Abdulrahman"])
    assert [t.person for t in story_titles(TALKS)] == ["Mohammed bin Abdulrahman Al Thani"]
    assert speakers.canonical("Mohammed bin Abdulrahman") == "Mohammed bin Abdulrahman Al Thani"
    assert speakers.canonical("Qatar's prime minister") == "Mohammed bin Abdulrahman Al Thani"
    assert speakers.canonical("Ursula von der Leyen") == "Ursula von der Leyen"
    # A source the outlet does not name is still who said it.
    assert speakers.canonical("a senior US official") == "a senior US official"
    assert speakers.canonical("An American official") == "an American official"
    assert speakers.canonical("two people familiar with the talks") == (
        "two people familiar with the talks"
    )
    assert speakers.canonical("a man") is None and speakers.canonical("people") is None


def test_a_story_shows_every_outlets_quotes_of_a_titled_and_an_unnamed_speaker(
    tmp_path: Path,
) -> None:
    lines = [
        {
            "url": f"https://outlet{n}.example.com/talks",
            "outlet": f"Outlet {n}",
            "title": "Ceasefire talks resume in Doha",
            "published": f"2026-11-21T1{n}:00:00+00:00",
            "language": "en",
            "text": text,
        }
        for n, text in enumerate(TALKS)
    ]
    source = tmp_path / "talks.jsonl"
    source.write_text("\n".join(json.dumps(line) for line in lines), encoding="utf-8")
    store = Store(f"sqlite:///{tmp_path / 'talks.db'}")
    import_and_place(store, [source], Settings(workers=1))
    story = get_story(store, 1).to_json()
    store.close()
    quotes = story["quotes"]
    assert isinstance(quotes, list)
    groups = {(q["speaker"], q["text"]): sorted(q["outlets"]) for q in quotes}
    al_thani = "Mohammed bin Abdulrahman Al Thani"
    closer = 'the sides were "closer than at any point this year"'
    assert groups[(al_thani, closer)] == ["Outlet 0", "Outlet 1"]
    assert (al_thani, 'A deal could come "within days"') in groups  # "…, he said."
    official = [outlets for (speaker, text), outlets in groups.items() if "not there yet" in text]
    assert official == [["Outlet 0", "Outlet 1"]]


def test_a_role_names_the_person_the_story_gives_it_throughout_not_one_named_in_passing() -> None:
    texts = [
        "Chinese President Xi Jinping spoke to Russian President Vladimir Putin on Monday.",
        "Chinese President Xi Jinping said ties were strong.",
        "Chinese President Xi Jinping added more.",
        "The treaty was signed in 2001 by Chinese President Jiang Zemin. Chinese President Xi "
        "Jinping praised it.",
    ]
    speakers = StorySpeakers.build(texts, [])
    assert speakers.canonical("Chinese President") == "Xi Jinping"  # 4 mentions against 1
    # A role with no one person in it is no speaker, never an organisation.
    assert speakers.canonical("the French president") is None
    assert speakers.canonical("US President") is None
