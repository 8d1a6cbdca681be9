"""Path and query parameters: ids validated to the range of the columns they match, and days.

Every id column is a 64-bit integer (SQLite's INTEGER, PostgreSQL's BIGINT or
INTEGER). A larger number in a URL used to reach the driver, which refused it
(``OverflowError`` from sqlite3, ``NumericValueOutOfRange`` from PostgreSQL):
a 500, or, for a streamed export whose headers were already sent, a dropped
connection. Validating here refuses it before any query runs: an id out of
range is a 404 (no record can have it), any other value out of range a 400.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Annotated, Any

from fastapi import Path, Query

from newstrail.errors import InvalidInput

MAX_ID = 2**63 - 1  # the largest value of a signed 64-bit integer column
MAX_LIMIT = 1_000_000  # most records one request may ask for

RecordId = Annotated[int, Path(ge=1, le=MAX_ID)]
RecordIdQuery = Annotated[int | None, Query(ge=1, le=MAX_ID)]
LimitQuery = Annotated[int | None, Query(ge=1, le=MAX_LIMIT)]


def is_id_out_of_range(errors: Sequence[Any]) -> bool:
    """Whether every validation error is a path id outside ``1..MAX_ID``."""
    return bool(errors) and all(
        tuple(error.get("loc", ()))[:1] == ("path",)
        and error.get("type") in ("greater_than_equal", "less_than_equal")
        for error in errors
    )


def parse_day(value: str | None, name: str) -> date | None:
    """A ``YYYY-MM-DD`` query value as a date (None when empty); raises InvalidInput."""
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise InvalidInput(f"{name} must be a date like 2024-05-31") from error
