# Luoshi — two commands on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
LUOSHI_TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/test
# Django 6.1 needs Python 3.12+: take the first suitable interpreter found.
PYTHON ?= $(shell for p in python3.13 python3.12 $(wildcard /root/.pyenv/versions/3.13*/bin/python3) $(wildcard /root/.pyenv/versions/3.12*/bin/python3) python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null && { echo $$p; break; }; done)

.PHONY: run test lint format bench bench-http bench-province install scan worker clean-venv

$(VENV)/.installed: pyproject.toml
	@test -n "$(PYTHON)" || { echo "Python 3.12 or newer is needed (Django 6.1)."; exit 1; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[dev]"
	@touch $@

install: $(VENV)/.installed

run: install
	@mkdir -p var
	@test -f var/secret_key || $(PY) -c 'import secrets; print(secrets.token_urlsafe(50))' > var/secret_key
	@export LUOSHI_DEBUG=1 LUOSHI_SECRET_KEY="$$(cat var/secret_key)"; \
	$(PY) manage.py migrate --noinput -v 0 && \
	$(PY) manage.py demo --if-empty && \
	$(PY) manage.py demo --logins --port $(PORT) && \
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	LUOSHI_SECRET_KEY=lint $(VENV)/bin/mypy

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# The whole suite on SQLite, then on PostgreSQL when it answers (required when
# LUOSHI_REQUIRE_POSTGRES=1, as .ci/run sets). pytest's exit 5 ("no tests") fails.
test: lint
	@# Browser tests: the Playwright pip package and Debian's Chromium (never a browser download).
	@$(PY) -c "import playwright" 2>/dev/null || $(PY) -m pip install -q playwright
	@if [ ! -x /usr/bin/chromium ] && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get install -y -q chromium chromium-driver >/dev/null 2>&1 || \
		{ apt-get update -q >/dev/null && apt-get install -y -q chromium chromium-driver >/dev/null; } || \
		echo "== chromium could not be installed: browser tests will skip"; fi
	LUOSHI_SECRET_KEY=test $(PY) manage.py check
	LUOSHI_SECRET_KEY=test $(PY) manage.py makemigrations --check --dry-run
	$(PY) -m pytest
	@if $(PY) -c "import psycopg,sys; psycopg.connect('$(LUOSHI_TEST_DATABASE_URL)', connect_timeout=3).close()" 2>/dev/null; then \
		echo "== PostgreSQL: $(LUOSHI_TEST_DATABASE_URL)"; \
		LUOSHI_DATABASE_URL=$(LUOSHI_TEST_DATABASE_URL) $(PY) -m pytest; \
	elif [ "$$LUOSHI_REQUIRE_POSTGRES" = 1 ]; then \
		echo "PostgreSQL is required but $(LUOSHI_TEST_DATABASE_URL) does not answer."; exit 1; \
	else echo "== PostgreSQL not reachable: skipped"; fi

# The warning scan and a unit's inbox (SQLite and PostgreSQL), then the cockpit endpoints
# and a period's evaluation (PostgreSQL), then a 5,000-row import (both), then intake over
# HTTP (registrations/s with 8 clients against gunicorn, both databases). Results:
# docs/benchmarks.md. Every page over HTTP under load is `make bench-http` (below), run
# on its own: it generates a database of its own and takes minutes.
BENCH_MATTERS ?= 1000000
bench: install
	LUOSHI_SECRET_KEY=bench $(PY) -m bench.scan --matters $(BENCH_MATTERS) $(BENCH_ARGS)
	LUOSHI_SECRET_KEY=bench LUOSHI_DATABASE_URL=$(LUOSHI_TEST_DATABASE_URL) \
		LUOSHI_TEST_DB_NAME=luoshi_cockpit_bench $(PY) -m bench.cockpit --matters $(BENCH_MATTERS)
	@# A 5,000-row task table previewed and confirmed through the API, SQLite then PostgreSQL.
	$(PY) -m pytest bench/test_import_speed.py -s -q -p no:warnings
	LUOSHI_DATABASE_URL=$(LUOSHI_TEST_DATABASE_URL) LUOSHI_TEST_DB_NAME=luoshi_import_bench \
		$(PY) -m pytest bench/test_import_speed.py -s -q -p no:warnings
	$(PY) -m bench.intake --db both

# Issue 15's targets over HTTP: a PostgreSQL database of BENCH_MATTERS open matters and
# users for every role (LUOSHI_BENCH_DB, default luoshi_http_bench), gunicorn with production
# settings (2 workers, loopback) and locust headless — the mixed run, then intake. Results:
# docs/benchmarks.md. BENCH_HTTP_ARGS="--keep" keeps the database, "--reuse" takes it again
# (generation at 1M takes 5–15 min); see `python -m bench.http --help`.
bench-http: install
	$(PY) -m bench.http --matters $(BENCH_MATTERS) $(BENCH_HTTP_ARGS)

# A province (issue 15): 10M matters over five years (1M open), 30,000 units in 18 cities,
# users for every role — `luoshi generate --scale province` into a PostgreSQL database of
# its own (PROVINCE_DB), then the nightly scan and the full rebuild on it, then the HTTP
# load run on it (bench.http --reuse, which drops the database at its end unless
# BENCH_HTTP_ARGS=--keep). Takes ~2–3 hours on the idle 2-core machine, ~55 GB of disk
# (docs/benchmarks.md, "luoshi generate").
PG_ADMIN_URL ?= postgres://postgres@127.0.0.1:5432/postgres
PROVINCE_DB ?= luoshi_province_bench
PROVINCE_MATTERS ?= 10000000
PROVINCE_ENV = LUOSHI_SECRET_KEY=bench LUOSHI_DATABASE_URL=$(dir $(PG_ADMIN_URL))$(PROVINCE_DB)
bench-province: install
	$(PY) -c "import psycopg; c = psycopg.connect('$(PG_ADMIN_URL)', autocommit=True); \
		c.execute('DROP DATABASE IF EXISTS $(PROVINCE_DB) WITH (FORCE)'); c.execute('CREATE DATABASE $(PROVINCE_DB)')"
	$(PROVINCE_ENV) $(PY) manage.py migrate --noinput -v 0
	$(PROVINCE_ENV) $(PY) manage.py generate --scale province --matters $(PROVINCE_MATTERS) \
		--password "$$($(PY) -c 'from bench.traffic import PASSWORD; print(PASSWORD)')"
	time $(PROVINCE_ENV) $(PY) manage.py scan
	time $(PROVINCE_ENV) $(PY) manage.py scan --full
	LUOSHI_BENCH_DB=$(PROVINCE_DB) $(PY) -m bench.http --reuse --matters $(PROVINCE_MATTERS) \
		--pg-admin-url $(PG_ADMIN_URL) $(BENCH_HTTP_ARGS)

scan: install
	$(PY) manage.py scan

worker: install
	$(PY) manage.py db_worker
