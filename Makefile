# The two commands: `make run` starts the whole service on this machine; `make test` runs the whole suite.
# Everything lives in .venv; it is (re)installed when pyproject.toml changes.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed

.PHONY: run test lint format redis migrate demo clean

run: $(INSTALLED) redis migrate demo
	@mkdir -p var
	$(VENV)/bin/honcho start -f Procfile

test: $(INSTALLED) redis lint
	$(VENV)/bin/pytest

lint: $(INSTALLED)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(INSTALLED)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# Redis is the Celery broker: start a local one if nothing answers at REDIS_URL (or say how to install it).
redis: $(INSTALLED)
	@scripts/ensure-redis

migrate: $(INSTALLED)
	$(PY) manage.py migrate --noinput

demo: $(INSTALLED)
	$(PY) manage.py seed_demo

$(PY):
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null || { \
		echo "Python 3.11 or newer is needed as '$(PYTHON)': install it (sudo apt-get install python3), or run make PYTHON=python3.12."; \
		exit 1; }
	@$(PYTHON) -m venv $(VENV) || { \
		echo "Could not create .venv: install Python's venv module (sudo apt-get install python3-venv) and try again."; \
		rm -rf $(VENV); exit 1; }

$(INSTALLED): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $@

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache .ruff_cache *.egg-info
