"""Shared fixtures: paths to the gold data in ../shared/data and fresh stores."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def shared_data_dir() -> Path:
    """Where the team's gold data lives (``../shared/data`` beside the clone)."""
    configured = os.environ.get("NEWSTRAIL_SHARED_DATA")
    return Path(configured) if configured else REPO.parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The shared gold data; tests that need it skip only when it is truly absent."""
    path = shared_data_dir()
    if not path.is_dir():
        pytest.skip(f"shared data not found at {path}")
    return path


@pytest.fixture(scope="session")
def seeds_dir(shared_data: Path) -> Path:
    return shared_data / "seeds"


STORE_KINDS = ["memory", "file"] + (
    ["postgresql"] if os.environ.get("NEWSTRAIL_TEST_POSTGRES_URL") else []
)


@pytest.fixture(params=STORE_KINDS)
def store(request: pytest.FixtureRequest, tmp_path: Path):  # type: ignore[no-untyped-def]
    """A fresh, migrated store of each kind: in-memory SQLite, a SQLite file, PostgreSQL."""
    from newstrail.store.database import Store

    if request.param == "memory":
        opened = Store(":memory:")
    elif request.param == "file":
        opened = Store(tmp_path / "store.db")
    else:
        opened = _fresh_postgres_store(request.node.name)
    yield opened
    opened.close()


def _fresh_postgres_store(name: str):  # type: ignore[no-untyped-def]
    """A store in a new, empty PostgreSQL schema-less database for one test."""
    import re
    import uuid

    import sqlalchemy as sa

    from newstrail.store.database import Store, database_url

    base = database_url(os.environ["NEWSTRAIL_TEST_POSTGRES_URL"])
    database = "t_" + re.sub(r"\W", "_", name.lower())[:30] + "_" + uuid.uuid4().hex[:8]
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{database}"')
    admin.dispose()
    return Store(base.rsplit("/", 1)[0] + "/" + database)


SEED_OUTLETS = ("Republic World", "WION", "South China Morning Post", "Newsweek", "RT")


@pytest.fixture(scope="session")
def seed_articles(seeds_dir: Path):  # type: ignore[no-untyped-def]
    """The five seeds as a story's articles, cleaned by the real extractor.

    000-003 are one story told by four outlets; 004 (RT) is another story.
    """
    from newstrail.coverage.reuse import StoryArticle
    from newstrail.extract.plaintext import extract_text

    paths = sorted(seeds_dir.glob("*.txt"))
    return [
        StoryArticle(
            id=path.name[:3],
            source=outlet,
            published=None,
            title=None,
            text=extract_text(path.read_text(encoding="utf-8")).text,
        )
        for path, outlet in zip(paths, SEED_OUTLETS, strict=True)
    ]


@pytest.fixture(autouse=True)
def _newstrail_logger_as_shipped():  # type: ignore[no-untyped-def]
    """The ``newstrail`` logger as a library user finds it, before and after every test.

    ``configure_logging`` (run by every in-process CLI invocation, including
    module-scoped fixtures that run the CLI) stops the logger propagating to
    the root, where pytest's ``caplog`` listens; without this reset, a test
    that reads ``caplog`` fails after any CLI run in the same worker.
    """
    import logging

    from newstrail.cli.logs import StderrHandler

    def reset() -> None:
        logger = logging.getLogger("newstrail")
        for handler in list(logger.handlers):
            if isinstance(handler, StderrHandler):
                logger.removeHandler(handler)
        logger.setLevel(logging.NOTSET)
        logger.propagate = True

    reset()
    yield
    reset()
