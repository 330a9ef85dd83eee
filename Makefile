# fwadmin: `make run` serves the dashboard on the local sandbox; `make test` runs every check.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed

LOCK_FLAGS := --quiet --upgrade --generate-hashes --allow-unsafe --strip-extras \
	--no-emit-index-url --no-emit-find-links --no-emit-trusted-host

.PHONY: run test lint format bench live-test lock clean

# Installs exactly the locked versions, every file checked against its hash: two machines
# run the same code. The project runs from this folder (manage.py, pytest's pythonpath).
$(INSTALLED): requirements/dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --require-hashes -r requirements/dev.txt
	touch $@

# Re-resolve the locks from pyproject.toml's ranges (newest allowed versions), with hashes:
# run it after editing the dependencies there. CI's Django 6.1 leg tests the newest anyway.
lock:
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet pip-tools
	$(VENV)/bin/pip-compile $(LOCK_FLAGS) -o requirements/main.txt pyproject.toml
	$(VENV)/bin/pip-compile $(LOCK_FLAGS) --extra dev -o requirements/dev.txt pyproject.toml

run: $(INSTALLED)
	bash scripts/run.sh

test: $(INSTALLED)
	bash scripts/system-deps.sh
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache
	DJANGO_SETTINGS_MODULE=fwadmin.test_settings $(PY) manage.py check
	DJANGO_SETTINGS_MODULE=fwadmin.test_settings $(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/pytest -n auto $(PYTEST_ARGS)

lint: $(INSTALLED)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: $(INSTALLED)
	$(PY) -m bench.run $(BENCH_ARGS)

live-test: $(INSTALLED)
	$(VENV)/bin/pytest -m finerworks_live -p no:cacheprovider tests/test_live.py

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles
