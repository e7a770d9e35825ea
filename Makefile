# mcctl task runner. `make demo` runs the whole system locally; `make test` runs every test tier.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup demo test test-calendar lint typecheck unit integration e2e bench clean

# The instants (and the local time zone) at which `test-calendar` reruns the date-sensitive tests (marker
# `calendar`): the 1st and the last day of a month, 29 February, both sides of 31 December -> 1 January, and
# the EU and US daylight-saving changes. The product works in UTC; TZ proves the local zone does not leak in.
CALENDAR := 2027-03-01T00:20:00Z@UTC 2027-04-30T23:40:00Z@Asia/Tokyo 2028-02-29T12:00:00Z@UTC \
	2026-12-31T23:30:00Z@Pacific/Auckland 2027-01-01T00:05:00Z@America/Los_Angeles \
	2027-03-28T01:30:00Z@Europe/London 2026-11-01T06:30:00Z@America/New_York

$(STAMP): pyproject.toml constraints.txt tools/azurite/package.json
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	@command -v npm >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 \
		&& echo "npm missing: apt-get install nodejs npm" && apt-get update -qq \
		&& DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null; } \
		|| { echo "error: npm is needed for Azurite: install Node.js 20 and npm" >&2; exit 2; }
	cd tools/azurite && npm ci --no-audit --no-fund --loglevel=error
	touch $(STAMP)

setup: $(STAMP)

demo: setup
	$(BIN)/mcctl local demo

lint: setup
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

# mypy's own worker processes: 50 s against 117 s in one process from a cold cache on this 2-core kind of
# machine (a fresh clone has no cache), same findings (2026-12-04).
typecheck: setup
	$(BIN)/mypy --num-workers auto

# Four workers on this 2-core kind of machine: much of the suite waits (on subprocesses, servers, backoff
# sleeps), and four fill that time: 7 min 4 s against 9 min 44 s with two (1,318 tests, 2026-12-03).
test: setup lint typecheck
	$(BIN)/pytest -q -n 4 --durations=15
	$(MAKE) --no-print-directory test-calendar

# The instants run two at a time, each in its own pytest without xdist (tools/test-calendar.sh says why).
test-calendar: setup
	BIN=$(BIN) tools/test-calendar.sh $(CALENDAR)

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
