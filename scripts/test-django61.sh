#!/usr/bin/env bash
# Forward compatibility: the suite on Django 6.1 and Python 3.13 (the default stays Django
# 5.2 LTS on Python 3.11). Django's deprecation warnings fail the run (tests/conftest.py).
set -euo pipefail
cd "$(dirname "$0")/.."
PY313="${PY313:-}"
for candidate in "$HOME"/.pyenv/versions/3.13*/bin/python python3.13; do
  [ -n "$PY313" ] && break
  "$candidate" -V >/dev/null 2>&1 && PY313="$candidate"
done
if [ -z "$PY313" ]; then
  echo "Python 3.13 not found (looked for python3.13 and ~/.pyenv/versions/3.13.0); set PY313." >&2
  exit 1
fi
VENV=.venv-django61
[ -x "$VENV/bin/python" ] || "$PY313" -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --upgrade pip
# The newest versions pyproject.toml allows (not the lock: upstream breakage shows here
# first), but Django 6.1 instead of the LTS range it pins.
mapfile -t requirements < <("$VENV/bin/python" - <<'PY'
import tomllib

project = tomllib.load(open("pyproject.toml", "rb"))["project"]
for requirement in project["dependencies"] + project["optional-dependencies"]["dev"]:
    if not requirement.lower().startswith("django>"):
        print(requirement)
PY
)
"$VENV/bin/python" -m pip install --quiet --upgrade "Django>=6.1,<6.2" "${requirements[@]}"
DJANGO_SETTINGS_MODULE=fwadmin.test_settings "$VENV/bin/python" manage.py check
"$VENV/bin/python" -m pytest -p no:cacheprovider -n auto "$@"
