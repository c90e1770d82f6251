# Peerpath: `make run` serves the demo, `make test` runs everything CI runs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PG_URL ?= postgres://postgres@127.0.0.1:5432/peerpath
# test-replica: a streaming replica of the PG_URL server, started by .ci/pg-replica on this port.
PG_REPLICA_PORT ?= 5433
# Tests that read through the replica (the router's: reports, a research export, an API list).
REPLICA_TESTS := peerpath/ops/tests/test_dbrouter.py peerpath/ops/tests/test_replica_lag.py
# Development defaults: DEBUG on (secrets generated into var/), demo 2FA off.
export DEBUG ?= true

.PHONY: run test lint typecheck migrations-check test-sqlite test-postgres test-replica test-browser topology messages venv clean bench bench-smoke bench-load

venv: $(BIN)/.installed

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Peerpath needs Python 3.11 or newer"'
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

run: venv
	PEERPATH_REQUIRE_2FA=$${PEERPATH_REQUIRE_2FA:-false} $(BIN)/peerpath run

test: lint migrations-check typecheck test-sqlite test-postgres test-replica test-browser bench-smoke topology

lint: venv
	$(BIN)/ruff check .

typecheck: venv
	$(BIN)/mypy peerpath

migrations-check: venv
	$(BIN)/python manage.py makemigrations --check --dry-run

# The suites run on every core (pytest-xdist); the browser tests run in one process.
test-sqlite: venv
	$(BIN)/pytest -q -n auto -m "not browser"

# Under CI=true an unreachable PostgreSQL fails the run; elsewhere it is reported and skipped.
test-postgres: venv
	@if $(BIN)/python -c "import psycopg; psycopg.connect('$(PG_URL)'.rsplit('/', 1)[0] + '/postgres', connect_timeout=3).close()" 2>/dev/null; then \
		DATABASE_URL=$(PG_URL) $(BIN)/pytest -q -n auto -m "not browser"; \
	elif [ "$$CI" = "true" ]; then \
		echo "PostgreSQL at $(PG_URL) is not reachable: under CI this is a failure."; exit 1; \
	else \
		echo "PostgreSQL at $(PG_URL) is not reachable: PostgreSQL suite NOT run (CI=true makes this fail)."; \
	fi

# The same tests against a real streaming replica of PG_URL's server (pg_basebackup -R,
# on PG_REPLICA_PORT; needs the PostgreSQL server programs and root or the postgres user).
# Under CI=true a replica that cannot be started fails the run; elsewhere it is reported.
test-replica: venv
	@if ! PEERPATH_REPLICA_PORT=$(PG_REPLICA_PORT) .ci/pg-replica start; then \
		if [ "$$CI" = "true" ]; then echo "No PostgreSQL replica: under CI this is a failure."; exit 1; fi; \
		echo "No PostgreSQL replica could be started: replica tests NOT run (CI=true makes this fail)."; exit 0; \
	fi; \
	DATABASE_URL=$(PG_URL) DATABASE_REPLICA_URL=$$(echo '$(PG_URL)' | sed -E 's/:[0-9]+\//:$(PG_REPLICA_PORT)\//') \
		$(BIN)/pytest -q -n 2 $(REPLICA_TESTS); rc=$$?; \
	PEERPATH_REPLICA_PORT=$(PG_REPLICA_PORT) .ci/pg-replica stop; exit $$rc

test-browser: venv
	$(BIN)/pytest -q -m browser

# The multi-server layout on this machine: PostgreSQL primary and streaming replica,
# Redis, two gunicorn servers and two workers from deploy/; a smoke journey, a worker
# killed mid-task, the backup and restore drill (tests/topology/README.md). Not part
# of `make test`: it needs redis-server and the PostgreSQL server programs, run as root
# or the postgres user; where they are missing it is reported and skipped, and under
# CI=true that is a failure.
topology: venv
	@if command -v redis-server >/dev/null && command -v pg_basebackup >/dev/null \
		&& { [ "$$(id -u)" = 0 ] || [ "$$(id -un)" = postgres ]; }; then \
		$(BIN)/python tests/topology/topology.py; \
	elif [ "$$CI" = "true" ]; then \
		echo "make topology needs redis-server, the PostgreSQL server programs and root or the postgres user: under CI this is a failure."; exit 1; \
	else \
		echo "redis-server, the PostgreSQL server programs or root are missing: the topology test NOT run (CI=true makes this fail)."; \
	fi

# Extract new strings into both catalogues and compile them (needs GNU gettext).
# Runs from the repository root; the --ignore patterns leave only the peerpath/
# package to scan (.venv, var/, tests/ and the catalogues themselves are skipped;
# tests/test_translations.py fails when a file outside peerpath/ is scanned).
# tests/test_translations.py reads MESSAGES_OPTIONS, so the test extracts exactly
# what this target does: keep the options on this one line.
MESSAGES_OPTIONS := -l zh_Hant -l en --no-obsolete --no-location --ignore=.venv --ignore=var --ignore=tests --ignore=conftest.py --ignore=manage.py '--ignore=*.egg-info' --ignore=build --ignore=dist --ignore=node_modules --ignore=bench --ignore=docs --ignore=peerpath/locale
messages: venv
	$(BIN)/python manage.py makemessages $(MESSAGES_OPTIONS)
	$(BIN)/python -m peerpath.i18n compile

clean:
	rm -rf $(VENV) var

# Every benchmark in one run (PostgreSQL at 127.0.0.1:5432, about 30 minutes with the
# five-times-national build), then every figure against its goal. See bench/all.py.
bench: venv
	$(BIN)/python bench/all.py

# 50 phones answering + 10 staff opening member pages for 60 s against gunicorn on
# loopback with the production settings, on PostgreSQL (the database peerpath_load,
# dropped and created anew; BENCH_DB=sqlite without PostgreSQL). See bench/load.py.
bench-load: venv
	$(BIN)/python bench/load.py

# Every benchmark at a tiny size, on SQLite: that it runs and prints its figures (no timing).
bench-smoke: venv
	$(BIN)/python bench/smoke.py
