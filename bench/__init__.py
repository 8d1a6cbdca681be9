"""newstrail's benchmarks, one module per question, each run from the repository root.

    .venv/bin/python -m bench.extraction      # or `make bench` for all of them

Each prints a table under a header (commit, machine, load average, date) and
writes ``bench/results/<module>.json`` with the same header:

- ``extraction``: body and metadata quality and pages/s beside trafilatura;
- ``clustering``: story clustering B³, cross-validated by story group;
- ``clustering_entities`` / ``clustering_embeddings``: would spaCy entities or
  sentence embeddings cluster better, and at what cost (the latter in its own venv);
- ``clustering_scale``: clustering throughput and memory up to 1M articles;
- ``quotes`` / ``quote_tagger``: quote attribution on PolNeAR, and a trained tagger;
- ``edits``: edit classification on real and synthetic revisions, diff speed;
- ``reuse``: paraphrase support (MSRP), planted passages, cited summaries;
- ``warc_import``, ``watch``, ``workers``, ``web_load``: import, watcher,
  multi-worker and web throughput;
- ``quality``: the scores ``tests/test_quality_gate.py`` holds floors for.

``_common`` holds what they share (gold data path, folds, scores, timers,
results header). The quality gate imports the same scorers, so a floor and a
bench figure mean the same thing.
"""
