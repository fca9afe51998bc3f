# Proofloop: `make run` serves the demo on http://127.0.0.1:8000, `make test` runs the tests.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
# `make run` is for a person on their own machine: debug on unless told otherwise.
export DJANGO_DEBUG ?= true

.PHONY: run test install browser lint typecheck bench loadtest clean

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
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

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy proofloop core validation

bench: install
	$(PY) manage.py bench $(BENCH_ARGS)

# 60 s of load on gunicorn + a Celery worker, in a PostgreSQL database of its own on the server
# of DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres), Redis from REDIS_URL
# (default redis://127.0.0.1:6379/11). README.md, "Reliability", has the figures.
loadtest: install
	PY=$(PY) scripts/loadtest $(LOADTEST_ARGS)

clean:
	rm -rf $(VENV) proofloop.sqlite3* staticfiles test-artifacts .celerybeat-schedule*
