# fwadmin: `make run` serves the dashboard on the local sandbox; `make test` runs every check.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed

.PHONY: run test lint format bench live-test clean

$(INSTALLED): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

run: $(INSTALLED)
	bash scripts/run.sh

test: $(INSTALLED)
	bash scripts/system-deps.sh
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache
	DJANGO_SETTINGS_MODULE=fwadmin.test_settings $(PY) manage.py check
	DJANGO_SETTINGS_MODULE=fwadmin.test_settings $(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/pytest $(PYTEST_ARGS)

lint: $(INSTALLED)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: $(INSTALLED)
	$(PY) -m bench.run $(BENCH_ARGS)

live-test: $(INSTALLED)
	$(VENV)/bin/pytest -m finerworks_live -p no:cacheprovider tests/test_live.py

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles
