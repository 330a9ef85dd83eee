"""fwadmin settings: every deploy-specific value comes from the environment (django-environ).

A `.env` file in the project root is read if present (`make run` writes one for the demo;
FWADMIN_ENV_FILE names another, or none when empty); real environment variables win.
"""

import os
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if env_file := os.environ.get("FWADMIN_ENV_FILE", str(BASE_DIR / ".env")):
    environ.Env.read_env(env_file, overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=False)

SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. Set it in the environment (or .env), "
            "or set DJANGO_DEBUG=true for local development."
        )
    # Development only: a per-process random key, so nothing guessable is ever committed.
    from django.core.management.utils import get_random_secret_key

    SECRET_KEY = get_random_secret_key()

LOOPBACK_HOSTS = ["localhost", "127.0.0.1", "[::1]"]
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=LOOPBACK_HOSTS if DEBUG else [])
if DEBUG and set(ALLOWED_HOSTS) - {*LOOPBACK_HOSTS, "testserver"}:
    # Debug shows tracebacks and turns HTTPS off: a copied development .env must not serve
    # a real host name that way.
    raise ImproperlyConfigured(
        "DJANGO_DEBUG=true is for this machine only (DJANGO_ALLOWED_HOSTS localhost); "
        "set DJANGO_DEBUG=false to serve " + ", ".join(ALLOWED_HOSTS) + "."
    )

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "orders",  # before django_tasks_db: its db_worker command wraps theirs (the pulse)
    "django_tasks",
    "django_tasks_db",
    "axes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    # Last, as django-axes asks: it turns repeated failed logins into a lockout page.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "fwadmin.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "fwadmin.wsgi.application"

# No ATOMIC_REQUESTS: audit rows must be committed even when the request later fails.
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
# Persistent connections: each web worker process (and each db_worker) keeps one open for
# this many seconds instead of one per request, checked before reuse. Keep gunicorn
# workers x hosts + db_workers below PostgreSQL's max_connections. `?conn_max_age=` in
# DATABASE_URL wins; 0 turns it off.
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("FWADMIN_DB_CONN_MAX_AGE", default=600))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded database serves the web app and a db_worker at once. WAL lets pages be
    # read while the worker writes and makes each commit one append to the log (a deletion
    # commits a few hundred times); IMMEDIATE takes the write lock when a transaction
    # starts, and a writer waits up to a minute for it (a sync of 100k orders holds it for
    # seconds) instead of failing half-way with "database is locked".
    options = DATABASES["default"].setdefault("OPTIONS", {})
    options.setdefault("init_command", "PRAGMA journal_mode=WAL;")
    options.setdefault("transaction_mode", "IMMEDIATE")
    options.setdefault("timeout", 60)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("DJANGO_TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Security. Production values by default; DEBUG relaxes only what plain-HTTP development
# needs. Behind a TLS-terminating proxy set DJANGO_SECURE_PROXY_SSL_HEADER=HTTP_X_FORWARDED_PROTO.
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool(
    "DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG
)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=not DEBUG)
if proxy_header := env.str("DJANGO_SECURE_PROXY_SSL_HEADER", default=""):
    SECURE_PROXY_SSL_HEADER = (proxy_header, "https")
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_HTTPONLY = True
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"

# No inline scripts or styles anywhere, so the policy needs no 'unsafe-inline'.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

# Login throttling: 5 failures for one username from one address lock it for an hour.
AXES_FAILURE_LIMIT = env.int("FWADMIN_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = 1  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
# Behind a reverse proxy: its address(es), so the lockout keys on the real client address
# taken from X-Forwarded-For (trusted only from these). Empty: REMOTE_ADDR as it is.
FWADMIN_TRUSTED_PROXIES = env.list("FWADMIN_TRUSTED_PROXIES", default=[])
AXES_CLIENT_IP_CALLABLE = "fwadmin.client_ip.client_ip"

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "orders:list"
LOGOUT_REDIRECT_URL = "login"

DEFAULT_EXCEPTION_REPORTER_FILTER = "fwadmin.debug.SecretRedactingFilter"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {
        # One line per FinerWorks call (INFO); `make run` sets WARNING for its set-up steps.
        "orders": {"handlers": ["console"], "level": env.str("FWADMIN_LOG_LEVEL", "INFO")},
        # A 500 with DEBUG off: its traceback to stderr (gunicorn's error log), not nowhere.
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
    },
}

# Deletions run in a worker (`python manage.py db_worker`) off a database queue.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

# FinerWorks API. Keys may be empty: the site boots, and only a real call fails clearly.
FINERWORKS_BASE_URL = env.str("FINERWORKS_BASE_URL", default="https://v2.api.finerworks.com")
FINERWORKS_WEB_API_KEY = env.str("FINERWORKS_WEB_API_KEY", default="")
FINERWORKS_APP_KEY = env.str("FINERWORKS_APP_KEY", default="")
FINERWORKS_TIMEOUT = env.float("FINERWORKS_TIMEOUT", default=30.0)
FINERWORKS_DELETE_BATCH_SIZE = env.int("FINERWORKS_DELETE_BATCH_SIZE", default=50)
# The first wait before retrying a call that never reached FinerWorks (doubles after).
FWADMIN_RETRY_BACKOFF_SECONDS = env.float("FWADMIN_RETRY_BACKOFF_SECONDS", default=0.5)
# A longer Retry-After from FinerWorks is waited only this long before the retry.
FWADMIN_RETRY_MAX_WAIT_SECONDS = env.float("FWADMIN_RETRY_MAX_WAIT_SECONDS", default=10.0)
if not 1 <= FINERWORKS_DELETE_BATCH_SIZE <= 500:
    raise ImproperlyConfigured("FINERWORKS_DELETE_BATCH_SIZE must be between 1 and 500.")
# A larger answer is not read at all. A list answer is spooled to a temporary file as it
# comes (memory stays flat), so this bounds the disk: 1M orders are about 1.1 GB.
FINERWORKS_MAX_RESPONSE_MB = env.int("FINERWORKS_MAX_RESPONSE_MB", default=4096)
if FINERWORKS_MAX_RESPONSE_MB < 1:
    raise ImproperlyConfigured("FINERWORKS_MAX_RESPONSE_MB must be at least 1.")

# `sync_pending_orders` lowers its own CPU priority by this much (0: not at all), so a
# sync from cron beside the web workers slows them as little as it can.
FWADMIN_SYNC_NICE = env.int("FWADMIN_SYNC_NICE", default=10)
if not 0 <= FWADMIN_SYNC_NICE <= 19:
    raise ImproperlyConfigured("FWADMIN_SYNC_NICE must be between 0 and 19.")

# The background worker syncs every account this often (minutes; 0 or unset: never, and
# syncs run only on Refresh or `sync_pending_orders`). `make run` sets 10.
FWADMIN_SYNC_EVERY_MINUTES = env.float("FWADMIN_SYNC_EVERY_MINUTES", default=0)
if not 0 <= FWADMIN_SYNC_EVERY_MINUTES <= 7 * 24 * 60:
    raise ImproperlyConfigured("FWADMIN_SYNC_EVERY_MINUTES must be between 0 and 10080.")

# The confirmation page warns when an account's mirror is older than this.
FWADMIN_MIRROR_STALE_AFTER_MINUTES = env.int("FWADMIN_MIRROR_STALE_AFTER_MINUTES", default=60)
# Deletions larger than this (or chosen by filter) need the count typed and a reason.
FWADMIN_CONFIRM_TYPED_ABOVE = env.int("FWADMIN_CONFIRM_TYPED_ABOVE", default=100)
# The junk finder's "Not changed for N days" preset: orders first seen longer ago.
FWADMIN_STALE_DAYS = env.int("FWADMIN_STALE_DAYS", default=30)
# A draft (a frozen selection awaiting its "yes") expires after this many minutes.
FWADMIN_DRAFT_EXPIRES_MINUTES = env.int("FWADMIN_DRAFT_EXPIRES_MINUTES", default=30)
# Restores: a deleted order can be re-created this many days after its deletion, at most
# this many per save call; DOUBLE_APOSTROPHES applies FinerWorks' own workaround for its
# apostrophe bug (off: docs/finerworks-api.md, "Restoring", says when to turn it on).
FWADMIN_RESTORE_DAYS = env.int("FWADMIN_RESTORE_DAYS", default=30)
FWADMIN_RESTORE_BATCH_SIZE = env.int("FWADMIN_RESTORE_BATCH_SIZE", default=25)
FWADMIN_RESTORE_DOUBLE_APOSTROPHES = env.bool("FWADMIN_RESTORE_DOUBLE_APOSTROPHES", default=False)
