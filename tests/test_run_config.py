"""`make run`'s configuration: the demo .env it writes and the .env.example, each enough for
any `manage.py` command in a second terminal."""

import shutil
import stat
from pathlib import Path

import pytest

from fwadmin.demo_env import finerworks_target, write_demo_env
from tests.helpers import manage_py

ROOT = Path(__file__).resolve().parent.parent


def manage(env_file: Path, *args: str):
    """A command as a second terminal runs it: no DJANGO_/FINERWORKS_ variables set."""
    env = {
        "FWADMIN_ENV_FILE": str(env_file),
        "DATABASE_URL": f"sqlite:///{env_file.parent / 'db.sqlite3'}",
    }
    return manage_py(*args, env=env, drop=("DJANGO_", "FINERWORKS_", "DATABASE_URL", "FWADMIN_"))


def test_the_demo_env_lets_a_second_terminal_run_commands(tmp_path):
    env_file = tmp_path / ".env"
    assert write_demo_env(env_file, port=8765)

    result = manage(env_file, "check")
    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600  # it holds the secret key
    text = env_file.read_text()
    assert "FINERWORKS_BASE_URL=http://127.0.0.1:8765" in text
    assert "DJANGO_SECRET_KEY=" in text and "DJANGO_SECRET_KEY=\n" not in text


def test_an_existing_env_is_never_overwritten(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("DJANGO_DEBUG=false\n")
    assert not write_demo_env(env_file, port=8765)
    assert env_file.read_text() == "DJANGO_DEBUG=false\n"


def test_each_demo_env_has_its_own_secret_key(tmp_path):
    first, second = tmp_path / "a.env", tmp_path / "b.env"
    write_demo_env(first, port=1)
    write_demo_env(second, port=1)
    assert first.read_text() != second.read_text()


def test_env_example_copied_as_is_runs_the_site_locally(tmp_path):
    env_file = tmp_path / ".env"
    shutil.copyfile(ROOT / ".env.example", env_file)

    for command in (["check"], ["migrate", "--noinput", "-v", "0"]):
        result = manage(env_file, *command)
        assert result.returncode == 0, result.stderr
    assert "postgres://" not in "".join(
        line for line in env_file.read_text().splitlines() if not line.startswith("#")
    )


def test_make_run_uses_the_sandbox_unless_real_keys_are_configured():
    demo = {"FINERWORKS_WEB_API_KEY": "sandbox-web-key"}
    assert finerworks_target(demo) == "sandbox"
    assert finerworks_target({}) == "sandbox"
    real = {"FINERWORKS_WEB_API_KEY": "a-real-key", "FINERWORKS_BASE_URL": "https://fw.test"}
    assert finerworks_target(real) == "https://fw.test"


def test_real_keys_are_never_sent_to_the_demo_sandbox_address():
    """The demo .env's sandbox URL left beside real keys: make run stops, sends nothing."""
    leftover = {
        "FINERWORKS_WEB_API_KEY": "a-real-key",
        "FINERWORKS_BASE_URL": "http://127.0.0.1:8765",
    }
    with pytest.raises(SystemExit, match="real FinerWorks keys"):
        finerworks_target(leftover)
