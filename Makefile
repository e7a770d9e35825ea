# mcctl task runner. `make demo` runs the whole system locally; `make test` runs every test tier.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup demo test lint typecheck unit integration e2e bench clean

$(STAMP): pyproject.toml constraints.txt tools/azurite/package.json
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	cd tools/azurite && npm ci --no-audit --no-fund --loglevel=error
	touch $(STAMP)

setup: $(STAMP)

demo: setup
	$(BIN)/mcctl local demo

lint: setup
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: setup
	$(BIN)/mypy

test: setup lint typecheck
	$(BIN)/pytest -q -n 2 --durations=15

unit: setup
	$(BIN)/pytest -q tests/unit

integration: setup
	$(BIN)/pytest -q tests/integration

e2e: setup
	$(BIN)/pytest -q tests/e2e

bench: setup
	for b in bench/*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	-$(BIN)/mcctl local down
	rm -rf $(VENV) .mcctl tools/azurite/node_modules
