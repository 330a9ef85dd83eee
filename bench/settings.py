"""The production settings (DEBUG off), minus what an in-process benchmark cannot have:
HTTPS (the test client speaks plain HTTP) and a collectstatic manifest."""

import warnings

from fwadmin.settings import *  # noqa: F403

SECURE_SSL_REDIRECT = False
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# WhiteNoise warns once that STATIC_ROOT was never collected; nothing here serves static.
warnings.filterwarnings("ignore", message="No directory at")
