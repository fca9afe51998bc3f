# Proofloop: `make run` serves the demo on http://127.0.0.1:8000, `make test` runs the tests.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
# `make run` is for a person on their own machine: debug on unless told otherwise.
export DJANGO_DEBUG ?= true

.PHONY: run test test-fast install lock browser lint typecheck bench loadtest clean

# The exact versions of requirements/dev.lock (runtime, dev and demo dependencies; `make lock`),
# then the project itself without resolving anything again.
$(VENV)/.installed: pyproject.toml requirements/dev.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements/dev.lock
	$(PY) -m pip install --quiet --no-deps -e .
	touch $@

install: $(VENV)/.installed

run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo --if-empty
	@if [ -n "$$REDIS_URL" ]; then \
	  echo "REDIS_URL is set: starting a Celery worker and beat beside the web server."; \
	  trap 'kill 0' EXIT; \
	  $(VENV)/bin/celery -A proofloop worker --loglevel=INFO --concurrency=2 & \
	  $(VENV)/bin/celery -A proofloop beat --loglevel=INFO --schedule=$(CURDIR)/.celerybeat-schedule & \
	  $(PY) manage.py runserver $(HOST):$(PORT); \
	else \
	  $(PY) manage.py runserver $(HOST):$(PORT); \
	fi

# Browser tests drive Debian's Chromium; install it when we can (root with apt-get).
browser:
	@command -v chromium >/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "Browser tests need Chromium: sudo apt-get install chromium" >&2; exit 1; fi; }

test: install browser
	DJANGO_DEBUG=false $(PY) -m pytest $(PYTEST_ARGS)

# The edit-test loop (docs/testing.md): no browser, no real worker, nothing marked slow, spread
# over the machine's cores by pytest-xdist. `make test` is still the whole suite. Without
# REDIS_URL: each process then has a cache of its own, where a shared Redis would let one
# process's cache.clear() (a FLUSHDB) wipe the rate-limit counts another test is counting.
# The fuzz modules hold slow tests only and are not even imported: schemathesis builds the API
# schema at import, seconds in every process.
FAST_WORKERS ?= auto
FAST_IGNORE := --ignore=tests/api/test_fuzz.py --ignore=tests/reliability/test_fuzz_stateful.py
test-fast: install
	env -u REDIS_URL DJANGO_DEBUG=false $(PY) -m pytest \
	  -m "not browser and not worker and not slow" -n $(FAST_WORKERS) $(FAST_IGNORE) $(PYTEST_ARGS)

# Regenerate the lock files from pyproject.toml's ranges (docs/testing.md, "Dependencies"):
# requirements/base.lock is what the Docker image installs, requirements/dev.lock what
# `make install` (and so CI) installs. uv is a dev dependency; UPGRADE=1 moves every pin to
# the newest version the ranges allow, otherwise pins change only where they must.
LOCK = $(VENV)/bin/uv pip compile pyproject.toml --quiet --universal --python-version 3.11 \
  --custom-compile-command "make lock" --annotation-style line $(if $(UPGRADE),--upgrade)
lock:
	test -x $(VENV)/bin/uv || { test -x $(PY) || $(PYTHON) -m venv $(VENV); \
	  $(PY) -m pip install --quiet 'uv>=0.5,<1'; }
	$(LOCK) --output-file requirements/base.lock
	$(LOCK) --extra dev --extra demo --output-file requirements/dev.lock

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy proofloop core validation devtools

bench: install
	$(PY) manage.py bench $(BENCH_ARGS)

# 60 s of load on gunicorn + a Celery worker, in a PostgreSQL database of its own on the server
# of DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres), Redis from REDIS_URL
# (default redis://127.0.0.1:6379/11); needs wrk. docs/reliability.md has the figures; options:
# `make loadtest LOADTEST_ARGS=--help`.
loadtest: install
	$(PY) -m devtools.loadtest $(LOADTEST_ARGS)

clean:
	rm -rf $(VENV) proofloop.sqlite3* staticfiles test-artifacts .celerybeat-schedule*
