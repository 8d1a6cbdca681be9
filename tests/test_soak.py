"""A bounded soak, on a SQLite file and on PostgreSQL: two watchers, one killed with SIGKILL.

See ``bench/soak.py`` for what runs (real ``python -m newstrail`` processes
against the fixture site, with a huge feed, a poison article and an endless
body among the good sources, while the web app serves and an import runs)
and what is checked; ``python -m bench.soak`` runs longer ones, with 2 and 4
watchers. Each soak here takes 35-70 s on this 2-core machine (load 2-7).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bench.soak import fresh_postgres_database, soak

SECONDS = 12.0


@pytest.mark.parametrize("kind", ["file", "postgresql"])
def test_soak_two_watchers_one_killed(tmp_path: Path, kind: str) -> None:
    if kind == "file":
        url = str(tmp_path / "soak.db")
    elif os.environ.get("NEWSTRAIL_TEST_POSTGRES_URL"):
        url = fresh_postgres_database(os.environ["NEWSTRAIL_TEST_POSTGRES_URL"], "t_soak")
    else:
        pytest.skip("NEWSTRAIL_TEST_POSTGRES_URL is not set")
    result = soak(url, watchers=2, seconds=SECONDS, seed=19)
    assert result.check_store_status == 0, result.check_store
    assert not result.tracebacks, f"tracebacks in {result.tracebacks}"
    assert result.good_articles > 0 and not result.good_unchecked, result.good_unchecked
    assert not result.version_gaps
    assert result.web_statuses and set(result.web_statuses) == {200}
    assert result.import_status == 0
