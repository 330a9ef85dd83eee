"""The project boots from the environment alone, with or without FinerWorks keys."""

import os
import subprocess
import sys
from pathlib import Path

from tests.helpers import manage_py

ROOT = Path(__file__).resolve().parent.parent


def manage(*args, **env):
    env = {
        **env,
        "DJANGO_SETTINGS_MODULE": "fwadmin.settings",
        "DATABASE_URL": "sqlite:///:memory:",
    }
    return manage_py(*args, env=env, drop=("DJANGO_", "FINERWORKS_"))


def test_boots_and_checks_without_finerworks_keys():
    result = manage("check", DJANGO_SECRET_KEY="x" * 50)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_boots_with_keys_and_does_not_print_them():
    result = manage(
        "check",
        DJANGO_SECRET_KEY="y" * 50,
        FINERWORKS_WEB_API_KEY="web-key-should-not-print",
        FINERWORKS_APP_KEY="app-key-should-not-print",
    )
    assert result.returncode == 0, result.stderr
    assert "should-not-print" not in result.stdout + result.stderr


def test_missing_secret_key_with_debug_off_fails_clearly():
    result = manage("check", DJANGO_DEBUG="false")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


def test_debug_mode_needs_no_secret_key():
    assert manage("check", DJANGO_DEBUG="true").returncode == 0


def test_bad_batch_size_is_refused():
    result = manage("check", DJANGO_SECRET_KEY="z" * 50, FINERWORKS_DELETE_BATCH_SIZE="0")
    assert result.returncode != 0
    assert "FINERWORKS_DELETE_BATCH_SIZE" in result.stderr


def test_migrate_runs_on_an_empty_database(tmp_path):
    db = tmp_path / "fresh.sqlite3"
    result = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"],
        cwd=ROOT,
        env={**os.environ, "DJANGO_DEBUG": "true", "DATABASE_URL": f"sqlite:///{db}"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert db.exists()


def test_debug_mode_refuses_to_serve_a_real_host_name():
    """A development .env copied to production: tracebacks and no HTTPS would be served."""
    result = manage("check", DJANGO_DEBUG="true", DJANGO_ALLOWED_HOSTS="fwadmin.example.com")
    assert result.returncode != 0
    assert "DJANGO_DEBUG=true is for this machine only" in result.stderr
