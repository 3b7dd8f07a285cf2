# The two commands: `make run` starts the service on this machine, `make test` runs the suite and lint. `make serve`
# starts it as production does (DEBUG off, gunicorn), given the production settings (README, "Production server").
# Everything Python lives in ./.venv; runtime files (Celery beat's schedule, a local Redis) under ./var/.
# SQLite and a local Redis unless DATABASE_URL / REDIS_URL (environment or ./.env) say otherwise.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
# Extra pytest arguments: make test ARGS="tests/procedures -x"; ARGS="-n0 tests/x" runs them in this one process.
ARGS ?=
# pytest-xdist processes for `make test`. The tests wait on PostgreSQL, Celery workers, Redis and Chromium as well as
# compute, so on 2 cores a third process uses the time the other two wait (see the README).
TEST_WORKERS ?= 3

.DEFAULT_GOAL := help
.PHONY: help run serve test lint format vnu vnu-jar messages

# Both run as development: DEBUG is on unless the environment says otherwise (the settings' own default is off, so a
# deploy that forgets DEBUG is never in debug mode). pytest sets it too (pyproject.toml), for a bare `pytest`.
run test: export DEBUG ?= true
vnu: export DEBUG ?= true

help:
	@echo "make run     set up .venv, migrate, load demo data, start web (127.0.0.1:8000), Celery worker and beat"
	@echo "make serve   as production: check the settings, migrate, collectstatic, start gunicorn, worker and beat"
	@echo "make test    the whole pytest suite, then lint (ARGS=... passes arguments to pytest)"
	@echo "make lint    ruff check, ruff format --check, and the import contracts (lint-imports)"
	@echo "make vnu     the W3C Nu Html Checker over every email body and every patient and staff page state"
	@echo "make format  let ruff fix what it can and reformat"
	@echo "make messages  compile the translations (locale/*/LC_MESSAGES/django.po) for the patients' languages"

# Check the version before making a venv that could not run the project (pyproject.toml needs 3.11+). A failed
# `venv` leaves a half-made .venv behind that would look finished to make next time, so remove it.
$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null || { \
		echo "This project needs Python 3.11 or newer as $(PYTHON) (found: $$($(PYTHON) --version 2>/dev/null || echo none)):" \
			"install one, or name it, e.g. make PYTHON=python3.12 run." >&2; exit 1; }
	@$(PYTHON) -m venv $(VENV) || { rm -rf $(VENV); \
		echo "Could not create $(VENV): on Debian/Ubuntu run \`sudo apt-get install python3-venv\` and try again." >&2; \
		exit 1; }

# Install (editable, so the code is used in place) only when pyproject.toml has changed since the last install.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	@echo "Installing the dependencies from pyproject.toml into $(VENV) ..."
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $@

# seed_demo is idempotent, so it runs every time. No collectstatic: with DEBUG on, whitenoise serves static files
# straight from the apps. honcho runs the Procfile (web, worker, beat, and announce_ready, which prints the logins
# and "Ready" once the site answers) with unbuffered output, so the logs interleave as they happen; Ctrl-C stops all.
# Emails go to files in var/mail/ (read them at /dev/outbox/), not the console. Beat keeps its schedule
# file in var/. WEB_ADDR=0.0.0.0:8000 serves beyond this machine.
run: $(VENV)/.installed messages
	@scripts/ensure-redis
	$(MANAGE) migrate --noinput
	$(MANAGE) seed_demo
	@mkdir -p var
	@echo "Starting web, worker and beat; the logins and the address follow once the site answers (Ctrl-C stops)."
	PYTHONUNBUFFERED=1 $(BIN)/honcho start

# Production on this machine (scripts/serve): refuses with DEBUG on or with settings a deployment gets wrong, then
# migrates, collects the static files and runs Procfile.production (gunicorn, worker, beat) under honcho. No demo
# data, and no Redis of its own: REDIS_URL is the deployment's.
serve: $(VENV)/.installed messages
	scripts/serve

# The reminder tests need a real Redis, hence the check first. The suite runs in TEST_WORKERS processes
# (pytest-xdist; each has its own test database and cache keys, tests/conftest.py); worksteal hands each a run of
# neighbouring tests, so module and package fixtures (the browser) are set up once, and lets an idle process take
# half of a busy one's remaining tests. Lint runs after pytest even when tests fail, so one run reports both; the exit
# status is a failure if either failed.
test: $(VENV)/.installed messages
	@scripts/ensure-redis
	@status=0; $(BIN)/pytest -n $(TEST_WORKERS) --dist worksteal $(ARGS) || status=$$?; \
		$(MAKE) --no-print-directory lint || status=1; exit $$status

# The import contracts (pyproject.toml, [tool.importlinter]): models below rules below screens, no screen imported
# across apps; a broken one prints the chain of imports that breaks it.
lint: $(VENV)/.installed
	@status=0; $(BIN)/ruff check . || status=1; $(BIN)/ruff format --check . || status=1; \
		$(BIN)/lint-imports --no-cache || status=1; exit $$status

# What patients read in their language: locale/<code>/LC_MESSAGES/django.po, compiled to .mo (not kept in git) by
# gettext's msgfmt, only where a .po is newer than its .mo. To add or update strings: see the README's "Adding a
# language" (makemessages, translate, review).
PO_FILES := $(wildcard locale/*/LC_MESSAGES/django.po)
MO_FILES := $(PO_FILES:.po=.mo)

messages: $(MO_FILES)

locale/%/LC_MESSAGES/django.mo: locale/%/LC_MESSAGES/django.po
	@command -v msgfmt >/dev/null || { echo "Compiling the translations needs gettext's msgfmt:" \
		"on Debian/Ubuntu run \`sudo apt-get install gettext\` and try again." >&2; exit 1; }
	msgfmt --check-format -o $@ $<

format: $(VENV)/.installed
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# The W3C Nu Html Checker (vnu.jar) over every email body and every patient and staff page state: tests/test_vnu.py,
# which the whole suite runs too (skipped, saying why, without Java or vnu.jar). vnu.jar comes from the npm registry's
# vnu-jar package (the checker's own release, kept current there) into var/vnu/; its install script, which would
# download a Java runtime, is not run: Java 17+ comes from the system (Debian: apt-get install default-jre-headless).
VNU_JAR_VERSION := 26.9.27
VNU_JAR := var/vnu/node_modules/vnu-jar/build/dist/vnu.jar

$(VNU_JAR):
	@command -v npm >/dev/null || { echo "Fetching vnu.jar needs npm: apt-get install npm (or set VNU_JAR)." >&2; exit 1; }
	npm install --prefix var/vnu --no-save --no-audit --no-fund --ignore-scripts vnu-jar@$(VNU_JAR_VERSION)

vnu-jar: $(VNU_JAR)

vnu: $(VENV)/.installed $(VNU_JAR)
	@command -v java >/dev/null || { echo "make vnu needs Java 17+: apt-get install default-jre-headless" >&2; exit 1; }
	$(BIN)/pytest -p no:cacheprovider -q -rs tests/test_vnu.py
