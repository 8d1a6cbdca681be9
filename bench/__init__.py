"""newstrail's benchmarks, one module per question, each run from the repository root.

    .venv/bin/python -m bench.extraction      # or `make bench` for all of them

Each module prints a table and writes ``bench/results/<module>.json``. The tests'
quality gate (``tests/test_quality_gate.py``) imports the same scorers, so a floor
and a bench figure mean the same thing.
"""
