"""`make run`'s configuration: write the demo `.env` when there is none, then say where
FinerWorks is (the local sandbox or a real host), as one line for scripts/run.sh.

The `.env` makes every `manage.py` command work in any terminal the way `make run` runs:
debug on, SQLite, the sandbox's URL and keys, and a secret key of this checkout's own.
"""

import os
import secrets
import sys
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

import environ

ROOT = Path(__file__).resolve().parent.parent  # the project root
SANDBOX_WEB_API_KEY = "sandbox-web-key"  # the sandbox's own, public demo keys
SANDBOX_APP_KEY = "sandbox-app-key"

DEMO_ENV = """\
# Written by `make run` for the local demo; delete it to get a fresh one. Every
# `python manage.py ...` reads it, in any terminal; real environment variables win.
# For production, start from .env.example instead.
DJANGO_DEBUG=true
DJANGO_SECRET_KEY={secret}
# DATABASE_URL=sqlite:///db.sqlite3 is the default (PostgreSQL: postgres://user:pw@host/db)
# The local FinerWorks sandbox that `make run` starts (no real orders are touched).
FINERWORKS_BASE_URL=http://127.0.0.1:{port}
FINERWORKS_WEB_API_KEY={web}
FINERWORKS_APP_KEY={app}
# The background worker syncs every account this often (minutes; 0: only on Refresh).
FWADMIN_SYNC_EVERY_MINUTES=10
"""


def write_demo_env(path: Path, port: int) -> bool:
    """Write the demo .env unless one exists; whether it was written."""
    text = DEMO_ENV.format(
        secret=secrets.token_urlsafe(50), port=port, web=SANDBOX_WEB_API_KEY, app=SANDBOX_APP_KEY
    )
    try:  # created readable by its owner only (it holds the secret key), never overwritten
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    with os.fdopen(fd, "w", encoding="utf-8") as file:
        file.write(text)
    return True


def finerworks_target(variables: Mapping[str, str]) -> str:
    """Where `make run` finds FinerWorks: "sandbox" when the sandbox's keys (or none) are
    configured, else the configured base URL."""
    key = variables.get("FINERWORKS_WEB_API_KEY", "")
    if key in ("", SANDBOX_WEB_API_KEY):
        return "sandbox"
    url = variables.get("FINERWORKS_BASE_URL", "https://v2.api.finerworks.com")
    if urlsplit(url).hostname in ("127.0.0.1", "localhost", "::1"):
        # The demo .env's sandbox URL left beside real keys: never send them there.
        raise SystemExit(
            f"make run: real FinerWorks keys are configured with FINERWORKS_BASE_URL={url}; "
            "set FINERWORKS_BASE_URL to FinerWorks' (https://v2.api.finerworks.com) or remove "
            "the keys to use the sandbox."
        )
    return url


def main() -> None:
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8765
    path = Path(os.environ.get("FWADMIN_ENV_FILE") or ROOT / ".env")  # as the settings
    if write_demo_env(path, port):
        print(
            f"Wrote {path.name} for the demo (any terminal's manage.py now runs as make run).",
            file=sys.stderr,
        )
    environ.Env.read_env(path, overwrite=False)  # as the settings read it
    print(finerworks_target(os.environ))


if __name__ == "__main__":
    main()
