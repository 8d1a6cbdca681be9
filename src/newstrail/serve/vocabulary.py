"""Extraction's field names as users read them: ``byline``, ``published``, ``site_name``.

``Extracted`` (``extract/records.py``) and the evidence stored with each
version (``versions.evidence``) keep the extractor's own names (``author``,
``date``, ``site``; ``author_source`` …). Every output a user sees says what
the article JSON says, so the names are changed here, at the edge: by
``newstrail extract --json`` and by the article read model, on read (stored
evidence stays as it is, so no migration rewrites a JSON column).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# The extractor's name of a field → the article JSON's name for it.
ARTICLE_NAMES = {"author": "byline", "date": "published", "site": "site_name"}
# Stored evidence keys → the names shown (the field's article name + ``_source``).
EVIDENCE_NAMES = {f"{old}_source": f"{new}_source" for old, new in ARTICLE_NAMES.items()}


def public_evidence(evidence: Mapping[str, Any]) -> dict[str, Any]:
    """Stored extraction evidence under the article JSON's names (``published_source`` …)."""
    return {EVIDENCE_NAMES.get(key, key): value for key, value in evidence.items()}


def extraction_json(result: Mapping[str, Any]) -> dict[str, Any]:
    """One ``extract_files`` result under the article JSON's names, in the same order."""
    renamed = {ARTICLE_NAMES.get(key, key): value for key, value in result.items()}
    if isinstance(renamed.get("evidence"), Mapping):
        renamed["evidence"] = public_evidence(renamed["evidence"])
    return renamed
