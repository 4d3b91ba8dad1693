# Kampus: the two commands are `make run` and `make test` (see README.md).
# Both work on a bare Debian machine: they create .venv, install what is needed
# (as root, Debian's Chromium and PostgreSQL server when missing) and go.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
KAMPUS := $(BIN)/kampus
CHROMIUM ?= /usr/bin/chromium
PYTEST_ARGS ?=

# Tests run on two processes (pytest-xdist); PYTEST_WORKERS=0 runs them in one.
PYTEST_WORKERS ?= 2
XDIST := $(if $(filter 0,$(PYTEST_WORKERS)),,-n $(PYTEST_WORKERS))

.PHONY: run test test-fast lint install install-test node-test-tools system-python system-test-deps i18n db seed bench mutants clean

run: install i18n db
	$(KAMPUS) seed --demo
	$(KAMPUS) run --host 127.0.0.1 --port 5000

# The whole suite on SQLite, then every test that touches the database again on
# PostgreSQL (the browser journeys run once, on SQLite, except single sign-on's: its
# flows through the real local identity providers run on both). Route × role cells and
# checks refused before a route runs (a sign-in redirect, 401, 403, 405, a missing CSRF
# token: marker `refused_cell`, tests/conftest.py) run on SQLite only: they run the same
# code on both databases.
test: install-test lint system-test-deps i18n
	$(BIN)/pytest $(XDIST) $(PYTEST_ARGS)
	bash tests/with_postgres.sh $(BIN)/pytest $(XDIST) -m "db and not browser and not refused_cell" $(PYTEST_ARGS)
	bash tests/with_postgres.sh $(BIN)/pytest $(XDIST) -m "db and browser" tests/sso $(PYTEST_ARGS)

# The inner loop: engine and services on SQLite, no browser, no route matrices; target ≤ 2 min
# (see docs/TESTING.md). Bytecode is kept between runs even where PYTHONDONTWRITEBYTECODE is set:
# without it every run compiles and assertion-rewrites all of tests/ and kampus/ again (half of collection).
test-fast: export PYTHONDONTWRITEBYTECODE =
test-fast: install-test i18n
	$(BIN)/pytest $(XDIST) -m "not browser and not route_matrix and not slow" --ignore=tests/browser --ignore=tests/security --ignore=tests/scale $(PYTEST_ARGS)

# The lint, format and type gate (configured in pyproject.toml); make test runs it before any test.
lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

system-python:
	@$(PYTHON) -c 'import venv, ensurepip' 2>/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3 python3-venv python3-pip; \
	  else echo "Please install Python 3.11 with venv (Debian: apt-get install python3-venv)"; exit 1; fi; }

$(BIN)/python: | system-python
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

install: $(VENV)/.installed
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

install-test: $(VENV)/.installed-test node-test-tools
node-test-tools:
	@command -v npm >/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null; \
	  else echo "make test needs Node.js and npm (Debian: sudo apt-get install nodejs npm)"; exit 1; fi; }
	@$(MAKE) --no-print-directory tests/node_modules/.package-lock.json
$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e ".[test]"
	touch $(VENV)/.installed $@

# Node.js test tools (the independent Open Badges verifier), exactly as locked; again only when the lock changes.
tests/node_modules/.package-lock.json: tests/package-lock.json
	npm ci --prefix tests --no-audit --no-fund --loglevel=error
	touch $@

# Debian's Chromium for the browser tests, PostgreSQL's server for the db tests and
# redis-server for the Celery tests, xmlsec1 for SAML signatures.
system-test-deps:
	@missing=""; \
	[ -x "$(CHROMIUM)" ] || missing="$$missing chromium"; \
	ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || missing="$$missing postgresql"; \
	command -v redis-server >/dev/null || missing="$$missing redis-server"; \
	command -v xmlsec1 >/dev/null || missing="$$missing xmlsec1"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing:$$missing"; apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else echo "make test needs:$$missing. Install them (Debian: sudo apt-get install$$missing) and run make test again."; exit 1; fi; \
	fi

i18n: install
	$(KAMPUS) i18n build

db: install
	$(KAMPUS) db upgrade

seed: db
	$(KAMPUS) seed --demo

bench: install-test system-test-deps
	$(BIN)/python bench/planner.py
	$(BIN)/python bench/pages.py --postgres
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get install -y -qq wrk >/dev/null; }
	$(BIN)/python bench/http_load.py

# Mutation testing of the pure engine (kampus/graph/planner.py and prereqs.py against tests/graph;
# configured in pyproject.toml [tool.mutmut]); not part of make test. One worker: the machine is shared.
# `make mutants MUTANTS=progress`: kampus/progress/services.py against tests/progress instead (the
# settings in bench/mutmut_progress.py, which runs mutmut with them).
# Prints the surviving mutants; `$(BIN)/mutmut show NAME` shows one (`$(MUTMUT_progress) show NAME`
# for the progress services). See docs/TESTING.md.
MUTMUT_WORKERS ?= 1
MUTANTS ?= engine
MUTMUT_engine = $(BIN)/mutmut
MUTMUT_progress = $(BIN)/python bench/mutmut_progress.py
mutants: install-test
	@test -n "$(MUTMUT_$(MUTANTS))" || { echo "MUTANTS is engine or progress"; exit 2; }
	rm -rf mutants
	$(MUTMUT_$(MUTANTS)) run --max-children $(MUTMUT_WORKERS)
	$(MUTMUT_$(MUTANTS)) results
	$(BIN)/python bench/mutation_score.py --target $(MUTANTS)

clean:
	rm -rf $(VENV) instance .pytest_cache .pytest-kampus-cache mutants
