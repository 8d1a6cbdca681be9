"""The two base models every JSON model derives from."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Model(BaseModel):
    """Every model of this package: its validator is built on first use, not at import.

    ``defer_build`` because building the validators of fifty models at import
    would cost every program that imports this module for one of them (the web
    app validates nothing it answers; the tests validate every route).
    """

    model_config = ConfigDict(defer_build=True)


class Strict(Model):
    """A model that refuses fields it does not declare (so a renamed field fails a test)."""

    model_config = ConfigDict(extra="forbid")
