# Accord: every target does its own set-up on a fresh machine.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEMO   := demo-data

.PHONY: setup demo test lint typecheck unit fuzz bench clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev,spark,bench]'
	touch $(STAMP)

demo: setup
	$(BIN)/accord demo serve --dir $(DEMO)

lint: setup
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: setup
	$(BIN)/mypy

unit: setup
	$(BIN)/pytest -q

test: lint typecheck unit

# schemathesis over every operation of the API on SQLite and PostgreSQL, every check, with
# many more requests than `make test` sends, drawn afresh on each run (FUZZ_EXAMPLES per
# operation and caller; PostgreSQL at $$ACCORD_TEST_DATABASE_URL, default the local server)
FUZZ_EXAMPLES ?= 300
fuzz: setup
	CI=1 ACCORD_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) ACCORD_FUZZ_RANDOM=1 \
		$(BIN)/pytest -q -p no:cacheprovider tests/service/test_schemathesis.py

bench: setup
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) $(DEMO) .pytest_cache .mypy_cache .ruff_cache
