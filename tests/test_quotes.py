"""Quote extraction, attribution and grouping across outlets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from newstrail.coverage.quoting import (
    Quote,
    QuoteOccurrence,
    extract_quotes,
    group_quotes,
    quotes_for_files,
)
from newstrail.coverage.quoting.grouping import contained_edits, same_quote, words
from newstrail.coverage.quoting.marks import find_marked_quotes, quoted_text

SEED_OUTLETS = {"000": "Republic World", "001": "WION", "002": "SCMP", "003": "Newsweek"}
XI_WORDS = "Sino-Russian relations are not affected by changes in the international situation"


def read(path: Path) -> str:
    with open(path, encoding="utf-8", newline="") as handle:
        return handle.read()


def assert_offsets(text: str, quotes: list[Quote]) -> None:
    """Every span indexes the text; single-paragraph direct quotes hold their text."""
    for quote in quotes:
        start, end = quote.quote
        assert 0 <= start < end <= len(text)
        if quote.kind == "direct" and "\n" not in text[start:end]:
            assert quote.text in text[start:end]
        for span in (quote.speaker, quote.verb):
            if span is not None:
                assert 0 <= span[0] < span[1] <= len(text)
                assert text[span[0] : span[1]].strip() == text[span[0] : span[1]]


def only(quotes: list[Quote], containing: str) -> Quote:
    matches = [quote for quote in quotes if containing in quote.text]
    assert len(matches) == 1, [quote.text for quote in quotes]
    return matches[0]


@pytest.fixture(scope="module")
def seed_occurrences(seeds_dir: Path) -> list[QuoteOccurrence]:
    occurrences = []
    for path in sorted(seeds_dir.glob("00[0-3]_*.txt")):
        text = read(path)
        quotes = extract_quotes(text)
        assert_offsets(text, quotes)
        article = path.name[:3]
        occurrences += [QuoteOccurrence(article, SEED_OUTLETS[article], None, q) for q in quotes]
    return occurrences


def test_seed_quote_reached_through_statement_is_xis(seeds_dir: Path) -> None:
    text = read(next(seeds_dir.glob("000_*.txt")))
    quotes = extract_quotes(text)
    statement = only([q for q in quotes if q.kind == "direct"], "interference by any other")
    assert statement.speaker is not None and statement.verb is not None
    assert text[statement.speaker[0] : statement.speaker[1]] == "the statement"
    assert text[statement.verb[0] : statement.verb[1]] == "said"
    assert statement.speaker_name == "Xi Jinping"
    added = only(quotes, "China is willing to unswervingly develop")
    assert added.speaker_name == "Xi Jinping"  # "it added": the statement quoting Xi


def test_seed_surname_and_given_name_resolve_to_full_name(seeds_dir: Path) -> None:
    text = read(next(seeds_dir.glob("001_*.txt")))
    quotes = extract_quotes(text)
    told = only(quotes, "China is willing to unswervingly develop")
    assert told.speaker is not None and text[told.speaker[0] : told.speaker[1]] == "Jinping"
    assert told.speaker_name == "Xi Jinping"
    relayed = only(quotes, "interference by any other factors")
    assert relayed.speaker is not None and text[relayed.speaker[0] : relayed.speaker[1]] == "Xi"
    assert relayed.speaker_name == "Xi Jinping"


def test_seed_quote_group_spans_three_outlets_and_links_newsweek(
    seed_occurrences: list[QuoteOccurrence],
) -> None:
    groups = group_quotes(seed_occurrences)
    xi = [group for group in groups if XI_WORDS.lower() in group.text.lower()]
    assert len(xi) == 1
    group = xi[0]
    assert group.speaker_name == "Xi Jinping"
    assert {o.source for o in group.occurrences} == {"Republic World", "WION", "SCMP"}
    assert all(o.quote.speaker_name == "Xi Jinping" for o in group.occurrences)
    assert group.first.article_id == "000"
    newsweek = [(o, score) for o, score in group.paraphrases if o.source == "Newsweek"]
    assert any("external factors" in o.quote.text for o, _ in newsweek)
    assert all(0 < score <= 1 for _, score in group.paraphrases)


def test_first_appearance_follows_publication_time(seed_occurrences: list[QuoteOccurrence]) -> None:
    dated = [
        QuoteOccurrence(
            o.article_id, o.source, "2020-12-28" if o.article_id == "002" else "2020-12-29", o.quote
        )
        for o in seed_occurrences
    ]
    group = next(g for g in group_quotes(dated) if XI_WORDS.lower() in g.text.lower())
    assert group.first.article_id == "002"


@pytest.mark.parametrize(
    ("text", "inner"),
    [
        ("He said “it is ‘fine’ now,” and left.", "it is ‘fine’ now"),  # comma dropped
        ('She said "we will win" today.', "we will win"),
        ("Il a dit «nous gagnerons» hier.", "nous gagnerons"),
        ("Er sagte „wir gewinnen“ heute.", "wir gewinnen"),
        ("He called it ''a strong value'' today.", "a strong value"),
        ("Their view: ‘strong ties’, Xi’s and the countries’ trade.", "strong ties"),
    ],
)
def test_quotation_mark_styles(text: str, inner: str) -> None:
    marks = find_marked_quotes(text)
    assert [quoted_text(text, mark) for mark in marks] == [inner]
    assert inner in text[marks[0].start : marks[0].end]


def test_apostrophes_are_not_quotes() -> None:
    assert find_marked_quotes("Xi’s ties and the countries’ trade aren’t Putin's.") == []


def test_nested_quote_stays_inside_its_speakers_quote() -> None:
    text = "“They told me ‘never again’ and I believed them,” Maria Lopez said."
    quotes = extract_quotes(text)
    assert len(quotes) == 1
    quote = quotes[0]
    assert quote.kind == "direct"
    assert quote.text == "They told me ‘never again’ and I believed them"
    assert text[quote.quote[0] : quote.quote[1]] == text[: text.index(" Maria")]
    assert quote.speaker_name == "Maria Lopez"


def test_quote_spanning_paragraphs_is_one_quote() -> None:
    text = (
        "Senator Jane Whitfield spoke at length.\n\n"
        "“We will not give up on this bill,” Whitfield said. “It matters to families.\n\n"
        "“And it matters to every town in this state,” she added.\n"
    )
    quotes = extract_quotes(text)
    assert_offsets(text, quotes)
    long_quote = only(quotes, "It matters to families")
    assert "every town" in long_quote.text  # the reopened paragraph continues the quote
    assert text[long_quote.quote[0]] == "“" and text[long_quote.quote[1] - 1] == "”"
    assert long_quote.speaker_name == "Jane Whitfield"


def test_partial_quote_inside_reported_speech_is_mixed() -> None:
    text = "Governor Tom Baker said the plan was “a disaster for farmers” and would be dropped."
    quote = only(extract_quotes(text), "disaster")
    assert quote.kind == "mixed"
    assert text[quote.quote[0] : quote.quote[1]].startswith("the plan was “a disaster")
    assert quote.speaker_name == "Tom Baker"


def test_he_said_resolves_to_earlier_full_name() -> None:
    text = (
        "Chinese President Xi Jinping spoke with Vladimir Putin on Monday.\n\n"
        "Ties are strong, Xi said. “Nothing can divide us,” he said.\n\n"
        "The Chinese president said the two countries would cooperate closely."
    )
    quotes = extract_quotes(text)
    assert_offsets(text, quotes)
    assert only(quotes, "Ties are strong").speaker_name == "Xi Jinping"
    direct = only(quotes, "Nothing can divide us")
    assert direct.speaker is not None and text[direct.speaker[0] : direct.speaker[1]] == "he"
    assert direct.speaker_name == "Xi Jinping"
    assert only(quotes, "cooperate closely").speaker_name == "Xi Jinping"


def test_according_to_and_told_reporters_are_indirect() -> None:
    text = (
        "The bridge will close in May, according to city engineer Ana Ruiz.\n\n"
        "Mayor Paul Grant told reporters that the repairs would take a year."
    )
    quotes = extract_quotes(text)
    assert_offsets(text, quotes)
    according = only(quotes, "bridge")
    assert according.kind == "indirect"
    assert (
        according.verb is not None and text[according.verb[0] : according.verb[1]] == "according to"
    )
    assert according.speaker_name == "Ana Ruiz"
    told = only(quotes, "repairs")
    assert told.kind == "indirect" and told.speaker_name == "Paul Grant"
    assert text[told.quote[0] : told.quote[1]] == "that the repairs would take a year"


def test_scare_quotes_without_a_speaker_are_not_quotes() -> None:
    assert extract_quotes("The EU treats China as a “systemic rival” in trade.") == []


def test_quotes_for_files_reports_unreadable_files(tmp_path: Path) -> None:
    good = tmp_path / "good.txt"
    good.write_text(
        "“We are ready for the vote,” Sam Green said.\r\n", encoding="utf-8", newline=""
    )
    missing = tmp_path / "missing.txt"
    results = list(quotes_for_files([good, missing]))
    assert results[0]["path"] == str(good)
    quotes = results[0]["quotes"]
    assert isinstance(quotes, list) and quotes[0]["speaker"] == "Sam Green"
    assert results[1]["path"] == str(missing) and "error" in results[1]
    json.dumps(results)  # the CLI prints these as JSON


def test_word_level_containment_bounds_edits() -> None:
    long = words(
        "Sino-Russian relations are not affected by changes in the international situation"
    )
    assert contained_edits(words("are not affected by changes"), long) == 0
    variant = words("relations are not affected by change in the international situation")
    assert same_quote(variant, long)
    assert not same_quote(
        words("relations are strongly shaped by the global situation today"), long
    )


def test_quote_ending_in_question_mark_keeps_speaker_and_continuation() -> None:
    text = (
        "Hillary Clinton spoke in Charlotte on Sunday.\n\n"
        "“How many times do we have to see this in our country?” Clinton said. "
        "“In Tulsa, an unarmed man with his hands in the air. This is unbearable.”"
    )
    quotes = extract_quotes(text)
    assert_offsets(text, quotes)
    asked = only(quotes, "How many times")
    assert asked.verb is not None and text[asked.verb[0] : asked.verb[1]] == "said"
    assert asked.speaker_name == "Hillary Clinton"
    continued = only(quotes, "In Tulsa")
    assert continued.verb is None and continued.speaker_name == "Hillary Clinton"


def test_relative_pronoun_speaker_names_the_noun_it_modifies() -> None:
    text = (
        "Donald Trump was in Ohio. The crowd cheered for Trump, who said “we will win this state.”"
    )
    quote = only(extract_quotes(text), "we will win")
    assert quote.speaker is not None and text[quote.speaker[0] : quote.speaker[1]] == "who"
    assert quote.speaker_name == "Donald Trump"


def spans(text: str, quote: Quote) -> tuple[str, str | None, str | None]:
    """(content, speaker, cue) as text."""
    speaker = quote.speaker and text[quote.speaker[0] : quote.speaker[1]]
    verb = quote.verb and text[quote.verb[0] : quote.verb[1]]
    return text[quote.quote[0] : quote.quote[1]], speaker, verb


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # A judgement verb: the object and its reason are the content, not "On Tuesday".
        (
            "On Tuesday, Clinton criticized the bank for its handling of fake accounts.",
            ("the bank for its handling of fake accounts", "Clinton", "criticized"),
        ),
        # A belief verb with an infinitive ("hopes" is lemmatised "hop" by the model).
        (
            "Mr. Clarke hopes to offset the emissions with credits.",
            ("to offset the emissions with credits", "Mr. Clarke", "hopes"),
        ),
        # A speech verb with an object and no clause or quotation.
        (
            "The company denied any involvement in the attack.",
            ("any involvement in the attack", "The company", "denied"),
        ),
        # A report noun whose owner is the source.
        (
            "Trump's claim that the election was rigged drew criticism from both parties.",
            ("that the election was rigged", "Trump", "claim"),
        ),
        # "called X Y": the judgement with its partial quote.
        (
            "The union called Clinton a “champion” for working families.",
            ("Clinton a “champion” for working families", "The union", "called"),
        ),
        # A stance's content runs on through the phrases after its object ("as …").
        (
            "The union cited her work after the Sept. 11 attacks as the reason for its backing.",
            (
                "her work after the Sept. 11 attacks as the reason for its backing",
                "The union",
                "cited",
            ),
        ),
    ],
)
def test_attributions_without_a_speech_clause(text: str, expected: tuple[str, str, str]) -> None:
    quotes = extract_quotes(text)
    assert [spans(text, quote) for quote in quotes] == [expected]


def test_addressee_is_not_content_and_pronoun_things_hold_no_view() -> None:
    assert extract_quotes("Trump told reporters on the plane.") == []
    assert extract_quotes("On Monday it showed no sign of weakening.") == []


def test_transcript_turn_inside_an_opening_mark_and_headline_labels() -> None:
    text = (
        "Poll: Clinton and Trump in dead heat heading into first debate.\n\n"
        "Correction: An earlier version of this article misstated the date.\n\n"
        '"PENCE: Well, look, this is serious business for the American people.\n'
    )
    found = [spans(text, quote) for quote in extract_quotes(text)]
    assert found == [
        ("Clinton and Trump in dead heat heading into first debate.", "Poll", ":"),
        ("Well, look, this is serious business for the American people.", "PENCE", ":"),
    ]


def test_dash_byline_names_the_speaker_of_the_quotation_before_it() -> None:
    text = (
        "Readers told us how they saw the debate.\n"
        "“He is ignorant of our culture and lives.”― Pamela Padilla\xa0\n"
        "“I’m so ashamed to be an American tonight.” — Julie A. Diaz Martinez, 34\n"
    )
    quotes = extract_quotes(text)
    assert_offsets(text, quotes)
    assert spans(text, only(quotes, "ignorant")) == (
        "“He is ignorant of our culture and lives.”",
        "Pamela Padilla",
        "―",
    )
    ashamed = only(quotes, "ashamed")
    assert spans(text, ashamed)[1] == "Julie A. Diaz Martinez"
    assert ashamed.speaker_name == "Julie A. Diaz Martinez"


def test_continuation_follows_the_speaker_not_a_clause_inside_his_description() -> None:
    text = (
        '"These are strange days," said Peter Morgan, a lawyer for the Sierra Club, who has '
        'been challenging the coal industry for years. "I am skeptical he can pull it off."'
    )
    quotes = extract_quotes(text)
    assert_offsets(text, quotes)
    assert only(quotes, "skeptical").speaker_name == "Peter Morgan"


def test_continuation_whose_opening_mark_the_parser_hangs_on_the_sentence_before() -> None:
    text = (
        "''I have admiration for the mechanics'' of the Clinton proposals, Mr. Holtz-Eakin "
        "said. ''They're more detailed and structured than Trump's. But I have concerns.''"
    )
    quotes = extract_quotes(text)
    assert_offsets(text, quotes)
    continued = only(quotes, "more detailed")
    assert continued.kind == "direct" and continued.speaker_name == "Holtz-Eakin"


def test_quotation_closing_a_paragraph_is_not_claimed_by_the_next_paragraphs_cue() -> None:
    text = (
        'Republicans were angry. "Mr. Pagliano is a crucial fact witness in this '
        "committee's investigation of a private email server.\"\n\n"
        "Democrats called the contempt citation and the demand for Pagliano's public "
        "appearance a transparent political ploy aimed at embarrassing Clinton.\n"
    )
    quotes = extract_quotes(text)
    witness = only(quotes, "crucial fact witness")
    assert witness.speaker_name != "Democrats"
    assert only(quotes, "contempt citation").speaker_name == "Democrats"


def test_cue_set_off_by_commas_reports_the_whole_sentence() -> None:
    text = (
        "It was, the president said, ''a stone where day after day for years, men and "
        "women were torn from their spouse.''"
    )
    quotes = extract_quotes(text)
    assert [spans(text, quote) for quote in quotes] == [(text, "the president", "said")]
    assert quotes[0].kind == "mixed"


def test_unquoted_clause_before_the_cue_is_not_its_content() -> None:
    text = (
        "The immunity deals set off partisan fireworks on Friday: Republicans said they're "
        "increasingly convinced the Justice Department mishandled the investigation."
    )
    said = only(extract_quotes(text), "convinced")
    assert spans(text, said) == (
        "they're increasingly convinced the Justice Department mishandled the investigation",
        "Republicans",
        "said",
    )


def test_relative_clause_content_leaves_the_speaker_out() -> None:
    # "spoke about", not "attacked": a report inside a stance's content is dropped
    # (see test_report_nested_in_reported_speech_is_not_a_second_quote).
    text = (
        "Donald Trump spoke about other candidates and their donations, which he said "
        "were accompanied by leverage and return favors."
    )
    (said,) = [quote for quote in extract_quotes(text) if spans(text, quote)[2] == "said"]
    assert spans(text, said) == ("were accompanied by leverage and return favors", "he", "said")
    assert said.speaker_name == "Donald Trump"


@pytest.mark.parametrize(
    ("text", "speaker_name"),
    [
        # Given names: the most recent subject is a man, so "she" skips him.
        (
            "Hillary Clinton spoke first. Donald Trump interrupted her twice. "
            "She said the debate was unfair to working families.",
            "Hillary Clinton",
        ),
        # Honorifics written in the article, with given names no list holds.
        (
            "Mrs. Ngozi Alvarez opened the hearing. Mr. Tadeusz Kowalski answered the "
            "questions. She said the answers were not good enough.",
            "Ngozi Alvarez",
        ),
    ],
)
def test_pronoun_agrees_in_gender_with_its_person(text: str, speaker_name: str) -> None:
    quote = only(extract_quotes(text), "the")
    assert spans(text, quote)[1] == "She"
    assert quote.speaker_name == speaker_name


def test_quoted_clause_before_the_cue_stays_its_content() -> None:
    # The unquoted-clause rule above must not hand "told" the clause after it here.
    text = (
        "“You should resign and give back the money,” Warren told Stumpf, after he admitted "
        "under her grilling he hadn’t yet been held accountable."
    )
    quote = only(extract_quotes(text), "resign")
    assert spans(text, quote) == ("“You should resign and give back the money,”", "Warren", "told")


def test_framing_verbs_with_a_colon_or_after_a_quotation() -> None:
    text = (
        "Rush Limbaugh spoke on his show.\n\n"
        "Limbaugh continued: “They are demanding this, and they’re putting pressure on Lester.”"
        "\n\n“Maybe I can say, look, this is not who we are,” she continued.\n"
    )
    quotes = extract_quotes(text)
    assert_offsets(text, quotes)
    assert spans(text, only(quotes, "demanding"))[1:] == ("Limbaugh", "continued")
    assert only(quotes, "demanding").speaker_name == "Rush Limbaugh"
    assert spans(text, only(quotes, "who we are"))[1:] == ("she", "continued")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Trump spoke in Detroit on Monday, promising to lift environmental regulations.",
            ("to lift environmental regulations", "Trump", "promising"),
        ),
        (
            "He pitched his plan to voters by telling them that their lives could not get worse.",
            ("that their lives could not get worse", "He", "telling"),
        ),
    ],
)
def test_participle_adjunct_borrows_the_subject_of_its_clause(
    text: str, expected: tuple[str, str, str]
) -> None:
    quotes = extract_quotes(text)
    assert expected in [spans(text, quote) for quote in quotes]


def test_sentence_opening_according_to_ends_its_source_at_the_comma() -> None:
    text = "According to conservative talk radio host Rush Limbaugh, the move reeks of “fear”."
    quotes = extract_quotes(text)
    assert [spans(text, quote) for quote in quotes] == [
        (
            "the move reeks of “fear”",
            "conservative talk radio host Rush Limbaugh",
            "According to",
        )
    ]
    assert quotes[0].speaker_name == "Rush Limbaugh"


def test_passive_expectation_reports_the_whole_clause_with_no_named_source() -> None:
    text = "Obama's veto is expected to come before the deadline at midnight Friday."
    assert [spans(text, quote) for quote in extract_quotes(text)] == [
        (
            "Obama's veto is expected to come before the deadline at midnight Friday",
            None,
            "is expected",
        )
    ]
    # Someone named doing the expecting is a stance with a source, not this.
    assert extract_quotes("The veto was expected by nobody.") == []


def test_closing_curly_mark_typed_as_an_opener_still_opens_a_quote() -> None:
    text = (
        "Maria Lopez, a nurse from Miami, spoke after the debate.\n\n"
        "”Fear. I am truly afraid that he will win,” she said.\n"
    )
    assert [quoted_text(text, mark) for mark in find_marked_quotes(text)] == [
        "Fear. I am truly afraid that he will win"
    ]
    quote = only(extract_quotes(text), "truly afraid")
    assert quote.kind == "direct" and quote.speaker_name == "Maria Lopez"
    # A closing mark that closes an open quote keeps closing it.
    assert [
        quoted_text("He said “yes” and left.", m)
        for m in find_marked_quotes("He said “yes” and left.")
    ] == ["yes"]


def test_pronoun_speaker_skips_people_named_inside_the_quotation() -> None:
    text = (
        "Henry Crespo runs the caucus in Miami.\n\n"
        "“No one is writing songs for Hillary. Obama had will.i.am. Hillary has nobody like "
        "that,” he said.\n"
    )
    quote = only(extract_quotes(text), "writing songs")
    assert quote.speaker is not None and text[quote.speaker[0] : quote.speaker[1]] == "he"
    assert quote.speaker_name == "Henry Crespo"


def test_quoted_phrase_after_a_cue_brings_the_rest_of_the_sentence() -> None:
    text = (
        "The senator is stressing the need to bolster cybersecurity efforts under "
        "“constant attack” from foreign powers."
    )
    quote = only(extract_quotes(text), "constant attack")
    assert spans(text, quote) == (
        "the need to bolster cybersecurity efforts under “constant attack” from foreign powers",
        "The senator",
        "stressing",
    )
    assert quote.kind == "mixed"
    # A quotation right after the cue stays a direct quote of its own.
    direct = only(extract_quotes("Trump said: “We will win.” He left."), "We will win")
    assert direct.kind == "direct"


def test_report_nested_in_reported_speech_is_not_a_second_quote() -> None:
    text = "Mayor Paul Grant said the council believes the bridge is unsafe."
    quotes = extract_quotes(text)
    assert [text[q.quote[0] : q.quote[1]] for q in quotes] == [
        "the council believes the bridge is unsafe"
    ]
    assert quotes[0].speaker_name == "Paul Grant"


def test_he_said_after_an_untagged_surname_names_that_person() -> None:
    # The small model leaves the lone "Ham" untagged; "he" used to go to Obama.
    text = (
        "Retired general Carter Ham spoke on Monday.\n\n"
        "Obama met Carter Ham in 2014. Ham said the cuts hurt the troops. "
        "“It was demoralizing,” he said."
    )
    quotes = extract_quotes(text)
    assert_offsets(text, quotes)
    assert only(quotes, "It was demoralizing").speaker_name == "Carter Ham"


def test_stance_content_ends_before_a_relative_aside() -> None:
    text = "Governor Tom Baker acknowledged the reality of climate change, which makes him unusual."
    (quote,) = extract_quotes(text)
    assert text[quote.quote[0] : quote.quote[1]] == "the reality of climate change"
    assert quote.speaker_name == "Tom Baker"


def test_continued_with_a_comma_frames_the_quotation() -> None:
    text = (
        "Senator Ana Ruiz spoke first.\n\n"
        "She continued, “All we are asking for is a chance to have our case heard in court.”"
    )
    quote = only(extract_quotes(text), "All we are asking")
    assert quote.verb is not None and text[quote.verb[0] : quote.verb[1]] == "continued"
    assert quote.speaker_name == "Ana Ruiz"


def test_according_to_is_not_part_of_a_plan() -> None:
    text = "Senator Ana Ruiz plans to visit Denver on Sunday, according to a campaign aide."
    quotes = extract_quotes(text)
    assert [spans(text, quote) for quote in quotes] == [
        ("Senator Ana Ruiz plans to visit Denver on Sunday", "a campaign aide", "according to")
    ]


@pytest.mark.parametrize(
    "text",
    [
        "“We certainly can’t afford to do this anymore,” Trump said, adding later, "
        "“NATO is costing us a fortune.”",
        "“The military is getting more politically correct every day,” he said, adding "
        "that “some of the things they ask you to do are ridiculous.”",
    ],
)
def test_quotation_after_a_second_cue_belongs_to_that_cue(text: str) -> None:
    quotes = extract_quotes(text)
    first, second = sorted(quotes, key=lambda quote: quote.quote)
    assert first.verb is not None and text[first.verb[0] : first.verb[1]] == "said"
    assert second.verb is not None and text[second.verb[0] : second.verb[1]] == "adding"
    assert first.quote[1] < second.verb[0] < second.quote[0]


def test_surname_names_the_last_subject_with_it_not_the_last_mention() -> None:
    text = (
        "Ted Cruz said on Monday that he would vote for Donald Trump.\n"
        "Trump once retweeted an unflattering photo of Heidi Cruz.\n"
        "“I am not in the habit of supporting people who attack my wife,” Cruz said in July."
    )
    quote = only(extract_quotes(text), "not in the habit")
    assert quote.speaker_name == "Ted Cruz"


@pytest.mark.parametrize(
    "text",
    [
        "Senator Jeff Merkley suggested that the bank's claims could be grounds for a fraud case.",
        "The Tax Policy Center estimates that the plan would raise $1.1 trillion over a decade.",
        "Governor Ellen Park acknowledged that the rules had not galvanized the farmers.",
        "The Latest: Trump urges supporters to monitor polling places across the state.",
    ],
)
def test_a_paraphrase_through_a_characterising_verb_is_no_statement(text: str) -> None:
    # Every attribution is still found; the story shows only what someone said.
    assert extract_quotes(text)
    assert extract_quotes(text, statements_only=True) == []


@pytest.mark.parametrize(
    "text",
    [
        "“This museum tells the truth about our country,” Mr. Bush declared on Saturday.",
        "Senator Jeff Merkley said the bank's claims could be grounds for a fraud case.",
        "PENCE: Well, look, Mark Cuban has been saying some pretty tough stuff about us.",
    ],
)
def test_a_plain_speech_verb_or_quotation_marks_make_a_statement(text: str) -> None:
    assert extract_quotes(text, statements_only=True)


def test_a_paragraph_over_the_parsers_limit_is_skipped_not_fatal() -> None:
    # spaCy refuses texts over nlp.max_length (a million characters).
    dump = "x" * 1_000_001
    text = f'"We will rebuild the harbour," the mayor said.\n\n{dump}'
    quotes = extract_quotes(text)
    assert [q.text for q in quotes] == ["We will rebuild the harbour"]
