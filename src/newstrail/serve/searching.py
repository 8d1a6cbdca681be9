"""Search results for people at a terminal: the count, facets and marked snippets.

The matched words are marked by style on a terminal and by ``**word**`` when
the output is a file or a pipe, so a match survives ``newstrail search … > hits.txt``.
"""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from newstrail.store.search import MARK_END, MARK_START, SearchResults
from newstrail.text.counts import counted


def marked_text(snippet: str, *, styled: bool) -> Text:
    """A snippet with its matches in bold reverse (``styled``) or between ``**``."""
    text = Text()
    for index, part in enumerate(" ".join(snippet.split()).split(MARK_START)):
        matched, _, rest = part.partition(MARK_END) if index else ("", "", part)
        if matched:
            text.append(
                matched if styled else f"**{matched}**", style="bold reverse" if styled else ""
            )
        text.append(rest)
    return text


def print_search_results(
    console: Console, results: SearchResults, *, offset: int = 0, facets: bool = False
) -> None:
    """The hits as a table under a line saying how many there are (and the facets)."""
    shown = f"{offset + 1}–{offset + len(results.hits)} of " if results.hits else ""
    console.print(
        f"{shown}{'at least ' if results.capped else ''}{counted(results.total, 'hit')} "
        f"for {results.query or '(no words)'}",
        markup=False,
        highlight=False,
    )
    if facets:
        for name, values in results.facets.items():
            listed = ", ".join(f"{facet.value or 'unknown'} ({facet.count})" for facet in values)
            console.print(f"  by {name}: {listed or '-'}", markup=False, highlight=False)
    if not results.hits:
        return
    styled = console.is_terminal
    table = Table("kind", "article", "outlet", "published", "title", "snippet")
    for hit in results.hits:
        kind = hit.kind + (" (superseded)" if hit.superseded else "")
        table.add_row(
            kind,
            str(hit.article_id),
            hit.outlet or "",
            hit.published or "",
            Text(hit.title or ""),
            marked_text(hit.snippet, styled=styled),
        )
    console.print(table)
