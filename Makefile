# jianggao: `make run` starts the service, `make test` runs lint, types and tests.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
CORPUS := corpus/build/speeches.jsonl

.PHONY: install run test test-fast lint typecheck pytest corpus eval bench lock clean

install: $(STAMP)

# The exact, hash-checked versions of requirements-dev.lock, then the project itself.
$(STAMP): pyproject.toml requirements-dev.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements-dev.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

# After changing dependencies in pyproject.toml: pin them again (runtime and dev). The runtime
# lock, what the Dockerfile installs, has the PostgreSQL driver that compose.yaml uses.
lock: $(STAMP)
	$(BIN)/python -m pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --extra postgres --generate-hashes --python-version 3.11 --universal -q -o requirements.lock
	$(BIN)/uv pip compile pyproject.toml --extra test --generate-hashes --python-version 3.11 --universal -q -o requirements-dev.lock

$(CORPUS): $(STAMP) $(wildcard corpus/raw/*)
	$(BIN)/jianggao corpus build

corpus: $(CORPUS)

run: $(STAMP) $(CORPUS)
	$(BIN)/jianggao serve

lint: $(STAMP)
	$(BIN)/ruff check service evals tests
	$(BIN)/ruff format --check service evals tests

typecheck: $(STAMP)
	$(BIN)/mypy

# Everything, with line coverage held to the floor in pyproject.toml.
pytest: $(STAMP)
	$(BIN)/python -m pytest -q --cov --cov-report=term

test: lint typecheck pytest

# While you work: no coverage, no `jianggao serve` process, no browser.
test-fast: $(STAMP)
	$(BIN)/ruff check service evals tests
	$(BIN)/python -m pytest -q -m "not server and not browser"

eval: $(CORPUS)
	$(BIN)/jianggao eval corpus --out evals/reports
	$(BIN)/jianggao eval cases --drafter builtin --out evals/reports
	$(BIN)/jianggao eval generate --drafter builtin --out evals/reports
	$(BIN)/jianggao eval reading --out evals/reports
	$(BIN)/jianggao eval calibration --out evals/reports
	$(BIN)/jianggao eval voice --out evals/reports

bench: $(CORPUS)
	for script in evals/bench/*.py; do $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) corpus/build var .pytest_cache .mypy_cache .ruff_cache
