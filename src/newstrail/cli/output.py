"""Where the commands write: a console for results, one for messages, JSON lines."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from typing import Any

from rich.console import Console

console = Console()
errors = Console(stderr=True, soft_wrap=True)  # one error, one line, however long


def print_json_lines(records: Iterable[Any]) -> None:
    """One JSON object per line, flushed as it goes (for pipelines)."""
    for record in records:
        sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
        sys.stdout.flush()
