# jianggao: `make run` starts the service, `make test` runs lint, types and tests.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
CORPUS := corpus/build/speeches.jsonl

.PHONY: install run test lint typecheck pytest corpus eval bench clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

$(CORPUS): $(STAMP) $(wildcard corpus/raw/*)
	$(BIN)/jianggao corpus build

corpus: $(CORPUS)

run: $(STAMP) $(CORPUS)
	$(BIN)/jianggao serve

lint: $(STAMP)
	$(BIN)/ruff check service evals tests

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/python -m pytest -q

test: lint typecheck pytest

eval: $(CORPUS)
	$(BIN)/jianggao eval corpus --out evals/reports
	$(BIN)/jianggao eval cases --drafter builtin --out evals/reports
	$(BIN)/jianggao eval generate --drafter builtin --out evals/reports

bench: $(CORPUS)
	for script in evals/bench/*.py; do $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) corpus/build var .pytest_cache .mypy_cache .ruff_cache
