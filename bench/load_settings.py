"""The production settings, unchanged, for the processes of bench/load.py (gunicorn, the
db_worker, the syncs), except where collectstatic puts the files: under bench/results/
rather than the project's staticfiles/, which this benchmark leaves alone."""

from bench._common import DATA
from fwadmin.settings import *  # noqa: F403

STATIC_ROOT = DATA / "load-static"
