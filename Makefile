# The two commands: `make run` and `make test`. Both work on a fresh clone with only
# Python 3.11+ and make; with no DATABASE_URL an embedded PostgreSQL starts under .data/.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
MANAGE := $(PY) manage.py
HOST ?= 127.0.0.1
# Local development defaults; a deployment sets these itself (see .env.example).
export DJANGO_DEBUG ?= true
PORT ?= 8000

.PHONY: run test check lint types bench setup demo nightly clean-data worker beat messages

$(STAMP): requirements.txt requirements-dev.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $(STAMP)

# Migrate and load reference data; safe to repeat (every step is idempotent).
setup: $(STAMP)
	$(MANAGE) migrate --noinput
	$(MANAGE) load_wilayah

demo: setup
	$(MANAGE) seed_demo --if-empty
	$(MANAGE) seed_demo_workflow --if-empty

# The nightly jobs once (graduation assessment, target progress, regional roll-ups).
nightly: setup
	$(MANAGE) assess

run: demo nightly
	$(MANAGE) print_demo_logins
	$(MANAGE) runserver $(HOST):$(PORT)

test: $(STAMP)
	$(MANAGE) makemigrations --check --dry-run
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

types: $(STAMP)
	$(VENV)/bin/mypy .

check: lint types test

# The benchmarks also need the load generator (locust), kept out of the test requirements.
bench: setup
	$(PY) -m pip install --quiet -r requirements-bench.txt
	$(PY) -m bench.run $(BENCH_ARGS)

# Refresh locale/: the id catalogue mirrors the Indonesian source; en is translated by hand.
# Needs GNU gettext (apt-get install gettext); the compiled .mo files are committed.
messages: $(STAMP)
	$(PY) tools/messages.py

worker: $(STAMP)
	$(VENV)/bin/celery -A config worker --loglevel=INFO

beat: $(STAMP)
	$(VENV)/bin/celery -A config beat --loglevel=INFO

# Stops the embedded PostgreSQL (it keeps running after the processes that started it).
clean-data:
	-$(PY) -m config.embedded_db stop
	rm -rf .data
