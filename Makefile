# One command each for set-up-and-run, test, lint and bench; CI runs the same ones.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: setup demo test lint bench clean

setup: $(STAMP)

# Re-install only when the package's dependencies change (idempotent).
$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

# Imports the sample corpus, watches the fixture site, then serves the web app.
demo: setup
	$(BIN)/newstrail demo --serve

test: setup
	$(BIN)/python -m pytest -n 2 --dist loadfile -q

lint: setup
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

# Every bench module (bench/_*.py are helpers), run as `python -m bench.<name>`.
bench: setup
	@for script in bench/*.py; do \
		name=$$(basename $$script .py); \
		case $$name in _*) continue;; esac; \
		echo "== bench.$$name"; $(BIN)/python -m bench.$$name || exit 1; \
	done

clean:
	rm -rf $(VENV) .newstrail .pytest_cache .mypy_cache .ruff_cache
