"""Page metadata from evidence: structured data first, the feed entry, never a footer.

Each test builds the kind of page that misled the extractor before (a footer
copyright year taken as the date, a byline widget's "Username" as the author,
a German date in words, a site suffix in the headline) and checks the field
and the evidence recorded for it.
"""

from __future__ import annotations

import json

import pytest

from newstrail.extract.article import extract_html
from newstrail.extract.authors import clean_authors, credit_line_authors
from newstrail.extract.dates import dateparser_languages, parse_date
from newstrail.extract.metadata import MAX_FIELD_CHARS, strip_site_suffix
from newstrail.extract.records import FeedEntry

BODY = " ".join(
    "The council voted on Tuesday to rebuild the harbour wall after the winter storms "
    "flooded the old town twice, and the work will start in the spring."
    for _ in range(6)
)


def page(head: str = "", body_top: str = "", footer: str = "", lang: str = "en") -> str:
    """A small article page with ``head`` markup, a byline area and a footer."""
    return (
        f"<html lang='{lang}'><head><title>Harbour wall to be rebuilt | Example News</title>"
        f"{head}</head><body><header><nav><a href='/'>Home</a></nav></header>"
        f"<article><h1>Harbour wall to be rebuilt</h1>{body_top}<p>{BODY}</p>"
        f"<p>{BODY}</p></article><footer>{footer}</footer></body></html>"
    )


def json_ld(**fields: object) -> str:
    return (
        "<script type='application/ld+json'>"
        + json.dumps({"@context": "https://schema.org", "@type": "NewsArticle", **fields})
        + "</script>"
    )


def test_footer_copyright_year_is_never_the_date_and_the_feed_date_is_used() -> None:
    html = page(footer="<p>(c) Example News 2026. All rights reserved.</p>")
    without_feed = extract_html(html, "https://news.example.com/harbour")
    assert without_feed.date is None  # a copyright year says nothing about the article
    with_feed = extract_html(
        html, "https://news.example.com/harbour", feed=FeedEntry(published="2026-11-23T08:00:00Z")
    )
    assert with_feed.date == "2026-11-23"
    assert with_feed.evidence["date_source"] == "feed"


def test_structured_date_wins_over_the_feed_and_says_so() -> None:
    html = page(
        json_ld(headline="Harbour wall to be rebuilt", datePublished="2026-11-22T09:00:00+01:00")
    )
    found = extract_html(html, "https://news.example.com/h", feed=FeedEntry(published="2026-11-23"))
    assert (found.date, found.evidence["date_source"]) == ("2026-11-22", "json-ld")


def test_a_utc_timestamp_takes_the_local_day_stated_elsewhere() -> None:
    head = json_ld(datePublished="2023-11-09T02:11:03Z") + (
        "<meta itemprop='datePublished' content='2023-11-08T21:11:03-05:00'>"
    )
    found = extract_html(page(head), "https://boston.example.com/a")
    assert found.date == "2023-11-08"


def test_a_utc_timestamp_takes_the_local_day_of_the_other_markup() -> None:
    # No claim states the offset; the CMS's local-time tag does (htmldate reads it).
    head = json_ld(datePublished="2023-11-09T06:35:29+00:00") + (
        "<meta name='sailthru.date' content='2023-11-08 22:35:29'>"
    )
    found = extract_html(page(head), "https://la.example.com/news/a")
    assert (found.date, found.evidence["date_source"]) == ("2023-11-08", "json-ld")


def test_time_element_under_the_headline_is_evidence_before_dublin_core() -> None:
    head = "<meta name='DC.date' content='2022-01-21T09:43+01:00'>"
    top = (
        "<div class='article-meta'>"
        "<time datetime='2022-01-25T08:00:00+01:00'>25.01.2022</time></div>"
    )
    found = extract_html(page(head, top, lang="de"), "https://amt.example.de/themen/a")
    assert (found.date, found.evidence["date_source"]) == ("2022-01-25", "time-element")


@pytest.mark.parametrize(
    "markup",
    [
        # an embedded post's date
        "<blockquote class='instagram-media'><time datetime='2018-03-12T19:30:12+00:00'>"
        "Mar 12, 2018</time></blockquote>",
        # a teaser's date
        "<section class='related'><time datetime='2018-03-12T19:30:12+00:00'>3 hours ago</time>"
        "</section>",
        # a datetime the displayed text contradicts
        "<time datetime='2018-03-12T10:18:46Z'>Published 29 June 2018</time>",
    ],
)
def test_time_elements_that_are_not_the_articles_date_are_ignored(markup: str) -> None:
    found = extract_html(page(body_top=markup), "https://blog.example.com/a")
    # (htmldate, a weaker fallback, may still read it: that is its own evidence)
    assert found.evidence.get("date_source") != "time-element"


def test_dates_are_read_in_the_detected_language_when_none_is_declared() -> None:
    german = " ".join(
        "Der Stadtrat hat am Dienstag beschlossen, die Hafenmauer nach den Winterstürmen "
        "neu zu bauen, und die Arbeiten beginnen im Frühjahr."
        for _ in range(8)
    )
    html = (
        "<html><head><title>Hafenmauer</title></head><body><article><h1>Die Hafenmauer wird "
        f"neu gebaut</h1><span class='datum'>14. März 2024</span><p>{german}</p></article>"
        "</body></html>"
    )
    assert extract_html(html, "https://zeitung.example.de/a").date == "2024-03-14"


def test_the_dateline_beside_the_headline_is_read_day_first_when_dotted() -> None:
    html = (
        "<html lang='de'><head><title>Handball</title></head><body><div class='teasers'>"
        "<p>30.01.2022 Ein anderer Bericht</p></div><div id='story'>"
        "<p>02.03.2022 10:16 Uhr - 1. Bundesliga</p><h1>Mehr Variabilität im Angriff</h1>"
        f"<p>{BODY}</p></div></body></html>"
    )
    found = extract_html(html, "https://handball.example.de/news-1.html")
    assert (found.date, found.evidence["date_source"]) == ("2022-03-02", "dateline")


def test_a_date_inside_a_longer_date_element_is_found() -> None:
    line = (
        "Dieser Beitrag wurde am Samstag, 3. Dezember 2011 um 10:00 Uhr veröffentlicht "
        "und unter Sicherheit, Netzpolitik und Verschiedenes abgelegt."
    )
    html = page(footer="", body_top="", lang="de").replace(
        "</article>", f"<p class='postmetadata'><small>{line}</small></p></article>"
    )
    assert extract_html(html, "https://blog.example.de/news/a/").date == "2011-12-03"


@pytest.mark.parametrize(
    ("written", "expected"),
    [("04.02.2022", "2022-02-04"), ("25/01/2022", "2022-01-25"), ("04/02/2022", None)],
)
def test_numeric_dates_are_day_first_when_dotted_and_never_guessed(
    written: str, expected: str | None
) -> None:
    html = page(body_top=f"<p>{written} 10:16 Uhr</p>", lang="en").replace(
        "<h1>", f"<p>{written} 10:16</p><h1>"
    )
    found = extract_html(html, "https://sport.example.com/a")
    assert (found.date if found.evidence.get("date_source") == "dateline" else None) == expected


def test_the_first_of_the_urls_month_is_not_guessed() -> None:
    found = extract_html(page(), "https://blog.example.com/2018/08/irland-roadtrip.html")
    assert found.date != "2018-08-01"


def test_dateparser_is_only_asked_in_the_pages_languages_and_english() -> None:
    assert dateparser_languages(["no"]) == ["nb", "en"]
    assert dateparser_languages(["de", "xx"]) == ["de", "en"]
    assert dateparser_languages(None) == ["en"]
    # No fallback to every locale: a Spanish date on a page said to be German is not read.
    assert parse_date("3 de febrero de 2025", ["de"]) is None


@pytest.mark.parametrize(
    ("written", "lang", "expected"),
    [
        ("Veröffentlicht am 14. März 2024", "de", "2024-03-14"),
        ("Publicado el 3 de febrero de 2025", "es", "2025-02-03"),
        ("Opublikowano 7 października 2025", "pl", "2025-10-07"),
    ],
)
def test_dates_written_in_words_are_read(written: str, lang: str, expected: str) -> None:
    html = page(body_top=f"<div class='article-date'>{written}</div>", lang=lang)
    found = extract_html(html, "https://zeitung.example.de/artikel")
    assert found.date == expected
    assert found.evidence["date_source"] in ("dateline", "htmldate", "page-text")


@pytest.mark.parametrize(
    ("written", "languages", "expected"),
    [
        ("14. März 2024", ["de"], "2024-03-14"),
        ("3 de febrero de 2025", ["es"], "2025-02-03"),
        ("2024-03-14T23:30:00+01:00", None, "2024-03-14"),
        ("20240314", None, "2024-03-14"),
        ("Monday", None, None),
        ("1890-01-01", None, None),
        ("2999-01-01", None, None),
    ],
)
def test_parse_date(written: str, languages: list[str] | None, expected: str | None) -> None:
    assert parse_date(written, languages) == expected


def test_site_name_comes_from_og_site_name_not_the_host() -> None:
    html = page("<meta property='og:site_name' content='Example News'>")
    found = extract_html(html, "https://www.example-news.com/a")
    assert (found.site, found.evidence["site_source"]) == ("Example News", "opengraph")


@pytest.mark.parametrize(
    ("og_site_name", "url"),
    [
        ("harbourtimes", "https://www.harbourtimes.com/a"),
        ("harbour-times.co.uk", "https://www.harbour-times.co.uk/a"),
    ],
)
def test_a_site_name_written_as_the_host_yields_to_the_publishers_name(
    og_site_name: str, url: str
) -> None:
    head = f"<meta property='og:site_name' content='{og_site_name}'>" + json_ld(
        headline="Harbour wall to be rebuilt",
        publisher={"@type": "Organization", "name": "Harbour Times"},
    )
    found = extract_html(page(head), url)
    assert (found.site, found.evidence["site_source"]) == ("Harbour Times", "json-ld")
    # With nothing else stated, the host-like name is still the page's own statement.
    alone = extract_html(page(f"<meta property='og:site_name' content='{og_site_name}'>"), url)
    assert alone.site == og_site_name


def test_a_url_is_not_a_site_name() -> None:
    html = page("<meta name='application-name' content='https://www.harbourtimes.com'>")
    assert extract_html(html, "https://www.harbourtimes.com/a").site is None


def test_headline_drops_the_site_suffix() -> None:
    found = extract_html(page(), "https://news.example.com/a")
    assert found.title == "Harbour wall to be rebuilt"
    assert strip_site_suffix("Harbour wall to be rebuilt - Example News", "Example News") == (
        "Harbour wall to be rebuilt"
    )
    # A colon inside a headline is part of it, not a suffix.
    assert strip_site_suffix("Harbour: the wall will be rebuilt", "Example News") == (
        "Harbour: the wall will be rebuilt"
    )


def test_displayed_headline_wins_over_a_structured_one_that_only_adds_a_kicker() -> None:
    head = json_ld(headline="Storm damage: Harbour wall to be rebuilt | Local") + (
        "<meta property='og:title' content='Harbour wall to be rebuilt'>"
    )
    found = extract_html(page(head), "https://news.example.com/a")
    assert (found.title, found.evidence["title_source"]) == (
        "Harbour wall to be rebuilt",
        "opengraph",
    )


def test_a_different_structured_headline_is_not_overruled_by_the_h1() -> None:
    # An SEO headline that says something else stays: only a decorated <h1> is replaced.
    head = json_ld(headline="Council votes for new harbour defences") + (
        "<meta property='og:title' content='Harbour wall to be rebuilt'>"
    )
    found = extract_html(page(head), "https://news.example.com/a")
    assert found.title == "Council votes for new harbour defences"


def test_site_suffix_naming_the_domain_is_stripped_when_the_page_names_no_site() -> None:
    head = "<meta property='og:title' content='Harbour wall to be rebuilt - Daily Harbourtimes'>"
    found = extract_html(page(head), "https://www.harbourtimes.co.uk/a")
    assert found.title == "Harbour wall to be rebuilt"


def test_json_ld_headline_is_unescaped() -> None:
    found = extract_html(page(json_ld(headline="Samsung soll Ger&auml;te zerst&ouml;ren")))
    assert found.title == "Samsung soll Geräte zerstören"
    assert found.evidence["title_source"] == "json-ld"


def test_byline_widget_text_is_not_an_author() -> None:
    html = page(body_top="<div class='byline'>By <span class='author'>Username</span></div>")
    assert extract_html(html, "https://news.example.com/a").author is None
    assert clean_authors(["Username"]) is None
    assert clean_authors(["Follow", "Share"]) is None


def test_structured_authors_drop_the_outlet_when_a_person_is_named() -> None:
    authors = [
        {"@type": "Organization", "name": "Heise Online"},
        {"@type": "Person", "name": "Dirk Knop"},
    ]
    found = extract_html(page(json_ld(author=authors)), "https://www.heise.de/a")
    assert (found.author, found.evidence["author_source"]) == ("Dirk Knop", "json-ld")


def test_a_later_source_that_lists_every_author_and_more_completes_the_byline() -> None:
    head = json_ld(author={"@type": "Person", "name": "Jane Doe"}) + (
        "<meta property='article:author' content='Press Agency'>"
        "<meta property='article:author' content='Jane Doe'>"
    )
    found = extract_html(page(head), "https://news.example.com/a")
    assert (found.author, found.evidence["author_source"]) == (
        "Press Agency; Jane Doe",
        "opengraph",
    )


def test_a_byline_naming_only_the_outlet_is_kept_when_nobody_else_is_named() -> None:
    head = "<meta property='og:site_name' content='Harbour Times'>"
    byline = "<div class='byline'>By <span class='author'>Harbour Times</span></div>"
    found = extract_html(page(head, body_top=byline), "https://www.harbourtimes.com/a")
    assert (found.author, found.evidence["author_source"]) == ("Harbour Times", "byline")
    # A person named in structured data is the author, the outlet's byline is not.
    named = head + json_ld(headline="Harbour wall to be rebuilt", author={"name": "Jane Doe"})
    found = extract_html(page(named, body_top=byline), "https://www.harbourtimes.com/a")
    assert found.author == "Jane Doe"


def test_a_byline_keeps_the_case_the_page_writes_it_in() -> None:
    # trafilatura title-cases names that start in lower case ("dpa" -> "Dpa").
    byline = "<div class='byline'>By <span class='author'>dpa</span></div>"
    found = extract_html(page(body_top=byline), "https://news.example.com/a")
    assert (found.author, found.evidence["author_source"]) == ("dpa", "byline")
    # A name the page writes capitalised stays so, whatever lower-case copies a script holds.
    byline = "<div class='byline'>By <span class='author'>Jane Doe</span></div>"
    script = "<script>var slug = 'jane doe';</script>"
    found = extract_html(page(script, body_top=byline), "https://news.example.com/a")
    assert found.author == "Jane Doe"


def test_a_closing_credit_line_names_the_agency_when_nobody_else_is_named() -> None:
    head = "<meta property='og:site_name' content='Harbour Times'>"
    html = page(head).replace("</article>", "<p>Harbour Times / Coast Press Agency</p></article>")
    found = extract_html(html, "https://www.harbourtimes.com/a")
    assert (found.author, found.evidence["author_source"]) == ("Coast Press Agency", "credit-line")
    # A named writer stays the author; a slash line not naming the outlet is no credit.
    named = head + json_ld(headline="Harbour wall to be rebuilt", author={"name": "Jane Doe"})
    html_named = page(named).replace("</article>", "<p>Harbour Times / Coast Press</p></article>")
    assert extract_html(html_named, "https://www.harbourtimes.com/a").author == "Jane Doe"
    assert credit_line_authors("Text.\nNorth / South", "Harbour Times") is None


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        (["By Jane Doe and John Roe"], "Jane Doe; John Roe"),
        (["Felix Schröder, Jörg Soldwisch, dpa"], "Felix Schröder; Jörg Soldwisch; dpa"),
        (["신현주 기자"], "신현주"),
        (["Jane Doe, Staff Writer"], "Jane Doe"),
        (["https://example.com/authors/jane"], None),
        # a description of the writer after the name
        (
            ["Jane Doe, professor of history at the University of Example, example.com"],
            "Jane Doe",
        ),
        # desks and source labels are not people
        (["Nachrichten"], None),
        (["Quelle: sid; dpa"], "sid; dpa"),
        # the ideographic comma lists names in Chinese and Japanese bylines
        (["王小明、李华"], "王小明; 李华"),
    ],
)
def test_clean_authors(names: list[str], expected: str | None) -> None:
    assert clean_authors(names) == expected


def test_language_is_detected_when_the_template_declares_another() -> None:
    german = " ".join(
        "Der Gemeinderat hat am Dienstag beschlossen, die Hafenmauer nach den Winterstürmen "
        "wieder aufzubauen, und die Arbeiten sollen im Frühjahr beginnen."
        for _ in range(4)
    )
    html = (
        f"<html lang='en'><body><article><h1>Hafenmauer</h1><p>{german}</p></article></body></html>"
    )
    found = extract_html(html)
    assert (found.language, found.evidence["language_source"]) == ("de", "detected")
    english = extract_html(page())
    assert (english.language, english.evidence["language_source"]) == ("en", "html-lang")


def test_paywall_flag_and_modified_date_are_kept_as_evidence() -> None:
    head = json_ld(
        headline="Harbour wall to be rebuilt",
        datePublished="2026-11-22",
        dateModified="2026-11-24T10:00:00+01:00",
        isAccessibleForFree="False",
    )
    found = extract_html(page(head))
    assert found.evidence["accessible_for_free"] is False
    assert found.evidence["modified"] == "2026-11-24"


def test_malformed_json_ld_is_skipped_and_the_rest_still_read() -> None:
    head = (
        "<script type='application/ld+json'>{not json at all</script>"
        "<meta property='og:title' content='Harbour wall to be rebuilt'>"
        "<meta property='article:published_time' content='2026-11-22T10:00:00+01:00'>"
    )
    found = extract_html(page(head))
    assert (found.date, found.evidence["date_source"]) == ("2026-11-22", "opengraph")


def test_a_login_is_not_an_author_when_another_source_names_the_person() -> None:
    head = json_ld(author={"@type": "Person", "name": "edilson.la.rosa"}) + (
        "<meta name='author' content='Edilson La Rosa'>"
    )
    found = extract_html(page(head), "https://libero.example.pe/a")
    assert (found.author, found.evidence["author_source"]) == ("Edilson La Rosa", "meta")
    # A host-named outlet is no login: it still stands for the outlet.
    assert clean_authors(["bild.de"]) == "bild.de"


def test_yoast_written_by_label_names_the_author() -> None:
    head = (
        "<meta name='twitter:label1' content='Verfasst von'>"
        "<meta name='twitter:data1' content='Karoline Herr'>"
        "<meta name='twitter:label2' content='Geschätzte Lesezeit'>"
        "<meta name='twitter:data2' content='4 Minuten'>"
    )
    assert extract_html(page(head), "https://blog.example.com/a").author == "Karoline Herr"
    reading_time_only = (
        "<meta name='twitter:label1' content='Est. reading time'>"
        "<meta name='twitter:data1' content='4 minutes'>"
    )
    assert extract_html(page(reading_time_only), "https://blog.example.com/a").author is None


def test_the_h1_the_title_repeats_is_the_headline_when_widgets_have_h1s_too() -> None:
    widgets = "".join(
        f"<h1>{label}</h1>" for label in ("Quicklink", "Navigation", "Pressemitteilungen")
    )
    html = (
        "<html><head><title>Norddeutschland findet seine Meister - Leichtathletik Verband e.V."
        f"</title></head><body>{widgets}<article><h1>Norddeutschland findet seine Meister</h1>"
        f"<p>{BODY}</p></article></body></html>"
    )
    found = extract_html(html, "https://www.verband.example.de/a")
    assert (found.title, found.evidence["title_source"]) == (
        "Norddeutschland findet seine Meister",
        "h1",
    )


@pytest.mark.parametrize(
    ("body_top", "author"),
    [
        ("<p>By Russell Bruce</p>", "Russell Bruce"),
        ("<span>Von Jennifer Patt am 03.05.2013, 11:51 | 0 Meinungen</span>", "Jennifer Patt"),
        ("<p>Par Henri de Frasque · 4 min de lecture</p>", "Henri de Frasque"),
        # Not bylines: interface text, a sentence that opens with "By", a lower-case "by".
        ("<p>By clicking Submit, you agree to the Privacy Policy.</p>", None),
        (f"<p>By Christmas, {BODY}</p>", None),
        ("<p>by Russell Bruce</p>", None),
        ("<p>By NEWSROOM</p>", None),
    ],
)
def test_a_byline_printed_as_plain_text_under_the_headline(
    body_top: str, author: str | None
) -> None:
    found = extract_html(page(body_top=body_top), "https://news.example.com/a")
    assert found.author == author
    if author:
        assert found.evidence["author_source"] == "byline-text"


def test_a_printed_byline_in_the_text_far_below_the_headline_is_not_read() -> None:
    paragraphs = "".join(f"<p>Paragraph {n} of the article.</p>" for n in range(70))
    found = extract_html(
        page(body_top=paragraphs + "<p>By Russell Bruce</p>"), "https://n.example.com/a"
    )
    assert found.author is None


def test_the_title_names_the_outlet_when_no_markup_does_but_the_host() -> None:
    found = extract_html(page(), "https://www.examplenews.com/harbour")
    assert (found.site, found.evidence["site_source"]) == ("Example News", "title")
    # Accents and a leading article are no obstacle; a part that spells another name is.
    assert extract_html(page(), "https://www.other-paper.com/h").site is None
    html = page().replace("| Example News", "| Público")
    assert extract_html(html, "https://elpais.publico.es/h").site == "Público"
    # A name the markup gives wins; a host name gives way to the title's.
    head = "<meta property='og:site_name' content='examplenews.com'>"
    assert extract_html(page(head), "https://examplenews.com/h").site == "Example News"
    head = "<meta property='og:site_name' content='The Example'>"
    assert extract_html(page(head), "https://examplenews.com/h").site == "The Example"


def test_a_runaway_title_is_cut_to_a_bounded_headline() -> None:
    html = page().replace("Harbour wall to be rebuilt | Example News", "x | " * 100_000, 1)
    html = html.replace("<h1>Harbour wall to be rebuilt</h1>", "")
    found = extract_html(html, "https://news.example.com/a")
    assert found.title is not None and len(found.title) <= MAX_FIELD_CHARS + 1
    assert found.title.endswith("…")


def test_the_headline_line_leaves_the_text_whichever_form_of_it_is_chosen() -> None:
    plain = extract_html(page(), "https://news.example.com/a")
    og_title = "Harbour wall to be rebuilt — live updates, pictures and reaction"
    decorated = page(f"<meta property='og:title' content='{og_title}'>")
    found = extract_html(decorated, "https://news.example.com/a")
    assert found.title != plain.title  # og:title is the stated headline here
    assert found.text == plain.text and not found.text.startswith("Harbour wall")
