"""Discrepancies between outlets: alarms on real stories, and planted disagreements found.

``coverage/discrepancies.py`` lists figures (vote tallies, money, counts)
that two outlets of a story state differently. A false alarm costs a
reader's trust more than a miss, so this bench measures both sides on the
shared stories sets (AllSides, BASIL, ECB+: real articles of one event from
several outlets):

1. **Alarms on real stories.** Every story with two or more outlets is
   analysed as it is. An alarm there is either a real disagreement between
   outlets or a false alarm; the bench cannot tell, so it writes every alarm
   with its sentences to the results file for a person to judge, and prints
   the first ones. The share of stories with an alarm bounds the false-alarm
   rate from above.
2. **Planted disagreements.** In each story, the first sentence of one
   article that states a figure is copied into another outlet's article with
   the figure changed (a tally moved by one vote each side, an amount or a
   count raised by a tenth, at least one): the disagreement must be found.
   The unchanged copy is planted too, and must raise nothing.

Run: ``python -m bench.discrepancies`` (writes ``bench/results/discrepancies.json``).
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import replace
from typing import Any

from bench._common import BenchRun, Stopwatch
from bench.reuse import as_article, load_stories
from newstrail.coverage.discrepancies import Figure, figures_in, find_discrepancies
from newstrail.coverage.reuse import StoryArticle

SHOWN_ALARMS = 12


def stories_with_outlets() -> dict[str, list[StoryArticle]]:
    """The stories of the shared sets that two or more outlets cover."""
    stories: dict[str, list[StoryArticle]] = defaultdict(list)
    for number, record in enumerate(load_stories(), start=1):
        # The product's article ids are numbers.
        stories[record["story_id"]].append(replace(as_article(record), id=str(number)))
    return {
        story: articles
        for story, articles in stories.items()
        if len({a.source for a in articles}) >= 2
    }


def changed_figure(figure: Figure) -> str:
    """The figure as written, with its number(s) changed as the plant requires."""
    if figure.kind == "vote":
        # One vote moves from one side to the other: the total (the body) stays.
        numbers = [int(n) for n in re.findall(r"\d+", figure.text)]
        if len(numbers) >= 2 and abs(numbers[0] - numbers[1]) >= 2:
            # One vote moves from the larger side to the smaller: 60-48 -> 59-49.
            first, second = numbers[0], numbers[1]
            step = 1 if first > second else -1
            first, second = first - step, second + step
            swapped = iter((str(first), str(second)))
            return re.sub(r"\d+", lambda m: next(swapped, m.group()), figure.text, count=2)
    match = re.search(r"\d[\d,]*(?:\.\d+)?", figure.text)
    if match is None:
        return figure.text
    value = float(match.group().replace(",", ""))
    raised = value + max(1.0, round(value * 0.1))
    written = f"{raised:,.0f}" if "," in match.group() else f"{raised:g}"
    return figure.text[: match.start()] + written + figure.text[match.end() :]


def plant(articles: list[StoryArticle], change: bool) -> tuple[list[StoryArticle], Figure] | None:
    """The story with one figure's sentence copied into another outlet's article."""
    for donor in articles:
        # Money and counts first, tallies last: one reading of the text.
        figures = sorted(
            figures_in(donor.text, donor.id, donor.source), key=lambda f: f.kind == "vote"
        )
        for figure in figures:
            # A host that states the figure already would state both values.
            hosts = [
                a
                for a in articles
                if a.source != donor.source and figure.text.lower() not in a.text.lower()
            ]
            if not hosts:
                continue
            host = hosts[0]
            sentence = figure.sentence
            if change:
                new = changed_figure(figure)
                if new == figure.text:
                    continue
                sentence = sentence.replace(figure.text, new, 1)
            planted = replace(host, text=f"{host.text}\n\n{sentence}")
            return [planted if a is host else a for a in articles], figure
    return None


def _key(discrepancy: dict[str, Any]) -> tuple[str, frozenset[str]]:
    """What a discrepancy is about and its values, to tell a new one from one there before."""
    return str(discrepancy["about"]), frozenset(str(v["text"]) for v in discrepancy["values"])


def run() -> dict[str, Any]:
    stories = stories_with_outlets()
    watch = Stopwatch()
    alarms: list[dict[str, Any]] = []
    alarmed_stories = 0
    with watch:
        for story, articles in stories.items():
            found = find_discrepancies(articles)
            alarmed_stories += bool(found)
            for discrepancy in found:
                alarms.append({"story": story, **discrepancy.to_json()})
    by_kind: dict[str, int] = defaultdict(int)
    for alarm in alarms:
        by_kind[alarm["kind"]] += 1

    planted = {"changed": [0, 0], "unchanged": [0, 0]}
    missed: list[dict[str, Any]] = []
    false_alarms: list[dict[str, Any]] = []
    by_planted_kind: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for story, articles in stories.items():
        before = {_key(d.to_json()) for d in find_discrepancies(articles)}
        for label, change in (("changed", True), ("unchanged", False)):
            result = plant(articles, change)
            if result is None:
                continue
            story_articles, figure = result
            new = [
                d.to_json()
                for d in find_discrepancies(story_articles)
                if _key(d.to_json()) not in before
            ]
            # Changed: a new discrepancy holds the donor's figure. Unchanged: any new one.
            hit = (
                any(any(figure.text in str(v["text"]) for v in d["values"]) for d in new)
                if change
                else bool(new)
            )
            planted[label][0] += 1
            planted[label][1] += hit
            if change:
                by_planted_kind[figure.kind][0] += 1
                by_planted_kind[figure.kind][1] += hit
                if not hit:
                    missed.append({"story": story, "figure": figure.text, "kind": figure.kind})
            elif hit:
                false_alarms.append({"story": story, "figure": figure.text, "alarms": new})
    return {
        "stories_with_two_or_more_outlets": len(stories),
        "stories_with_an_alarm": alarmed_stories,
        "alarms": len(alarms),
        "alarms_by_kind": dict(by_kind),
        "seconds": watch.wall,
        "planted_changed": planted["changed"][0],
        "planted_changed_found": planted["changed"][1],
        "planted_unchanged": planted["unchanged"][0],
        "planted_unchanged_alarmed": planted["unchanged"][1],
        "planted_by_kind": {
            k: {"planted": v[0], "found": v[1]} for k, v in by_planted_kind.items()
        },
        "missed_plants": missed,
        "alarms_on_unchanged_plants": false_alarms,
        "every_alarm": alarms,
    }


def main() -> None:
    bench = BenchRun("discrepancies")
    results = run()
    bench.print_header()
    stories = results["stories_with_two_or_more_outlets"]
    print(f"\nReal stories with two or more outlets: {stories}")
    print(
        f"stories with an alarm: {results['stories_with_an_alarm']} "
        f"({results['stories_with_an_alarm'] / stories:.1%}), alarms: {results['alarms']} "
        f"{results['alarms_by_kind']}, {results['seconds']:.1f} s"
    )
    changed, found = results["planted_changed"], results["planted_changed_found"]
    print(f"\nPlanted changed figures found: {found} of {changed} ({found / max(changed, 1):.1%})")
    for kind, counts in sorted(results["planted_by_kind"].items()):
        print(f"  {kind:<11} {counts['found']:>4} of {counts['planted']:>4}")
    unchanged, alarmed = results["planted_unchanged"], results["planted_unchanged_alarmed"]
    print(f"Planted unchanged copies that raised an alarm: {alarmed} of {unchanged}")
    print(f"\nThe first {SHOWN_ALARMS} alarms on real stories (judge them; all are in the JSON):")
    for alarm in results["every_alarm"][:SHOWN_ALARMS]:
        values = " | ".join(f"{v['text']} ({', '.join(v['outlets'])})" for v in alarm["values"])
        print(f"- {alarm['story']}: {alarm['about']}: {values}")
    bench.write(results)


if __name__ == "__main__":
    main()
