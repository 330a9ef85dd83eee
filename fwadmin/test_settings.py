"""Settings for the test suite: the real settings with safe, fixed test values."""

import importlib.util
import os

os.environ["FWADMIN_ENV_FILE"] = ""  # a developer's .env (make run's demo one) is not read

os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-secret-key-not-used-anywhere-else")
os.environ.setdefault("DJANGO_DEBUG", "false")
# Tests point the client at the local sandbox; never at real FinerWorks.
os.environ["FINERWORKS_BASE_URL"] = "http://127.0.0.1:9"
os.environ["FINERWORKS_WEB_API_KEY"] = ""
os.environ["FINERWORKS_APP_KEY"] = ""

from fwadmin.settings import *  # noqa: E402,F403

# The test client speaks plain HTTP and needs no compiled static manifest.
SECURE_SSL_REDIRECT = False
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_AUTOREFRESH = True  # serve from the app folders; no collectstatic in tests
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
FINERWORKS_TIMEOUT = 1.0
FWADMIN_RETRY_BACKOFF_SECONDS = 0.0  # retries still happen, without the wait
FWADMIN_RETRY_MAX_WAIT_SECONDS = 0.0
FWADMIN_SYNC_NICE = 0  # commands run inside the test process: it keeps its priority
# Tasks run inline in tests, so a confirmed deletion has finished when the view returns.
# Tasks run at once, inside the request's on-commit (Django 6's own framework when present).
_TASKS = "django.tasks" if importlib.util.find_spec("django.tasks") else "django_tasks"
TASKS = {"default": {"BACKEND": f"{_TASKS}.backends.immediate.ImmediateBackend"}}
