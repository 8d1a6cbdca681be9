"""Where the commands write: a console for results, one for messages, JSON lines."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from typing import Any

from rich.console import Console

# Markup off: titles, quotes, URLs and errors come from pages and feeds, and
# rich would read "[/b]" in a headline as a tag (and raise) or drop "[menu]".
# Styles are given as rich ``Text`` instead.
console = Console(markup=False)
errors = Console(stderr=True, soft_wrap=True, markup=False)  # one error, one line, however long


def print_json_lines(records: Iterable[Any]) -> None:
    """One JSON object per line, flushed as it goes (for pipelines)."""
    for record in records:
        sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
        sys.stdout.flush()
