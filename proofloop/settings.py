"""Proofloop settings: every value that differs between machines comes from the environment.

The README's configuration table documents each variable. A bad value stops the start-up
with an ImproperlyConfigured error that names the variable.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

from proofloop.env import (
    database_config,
    email_config,
    env_bool,
    env_int,
    env_list,
    env_str,
    env_url,
)

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DJANGO_DEBUG", False)

SECRET_KEY = env_str("DJANGO_SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "Environment variable DJANGO_SECRET_KEY is required when DJANGO_DEBUG is off "
            "(generate one with: python -c 'import secrets; print(secrets.token_urlsafe(50))')."
        )
    SECRET_KEY = "django-insecure-proofloop-development-key-not-for-production"  # noqa: S105

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
SITE_URL = env_url("SITE_URL", "http://127.0.0.1:8000")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "knox",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "axes",
    "core",
    "validation",
]
# devtools/ (the benchmark's `manage.py bench`) is in a checkout only: the wheel and the Docker
# image leave it out, so it is installed wherever it can be imported and nowhere else.
if importlib.util.find_spec("devtools"):
    INSTALLED_APPS.append("devtools")

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
    # Last, so that its answer passes through the others (headers, CSP) on the way out.
    "core.middleware.RequestSizeLimitMiddleware",
]

ROOT_URLCONF = "proofloop.urls"
WSGI_APPLICATION = "proofloop.wsgi.application"

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
                "core.context_processors.site",
                "core.context_processors.htmx",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------
DATABASES = {
    "default": database_config("DATABASE_URL", f"sqlite:///{BASE_DIR / 'proofloop.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env_int("DATABASE_CONN_MAX_AGE", 60, minimum=0)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the embedded server read while a write is in flight.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
         "transaction_mode": "IMMEDIATE", "timeout": 20}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: cache, Celery broker ------------------------------------------------------------
REDIS_URL = env_url("REDIS_URL", None, schemes=("redis", "rediss", "unix"))

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "proofloop.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "proofloop",
            # Fail fast when Redis is away; the cache then misses (see proofloop/cache.py).
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = REDIS_URL or "memory://"
# Without Redis the tasks run in-process, after the transaction commits, so that a single
# `make run` gives a working app.
CELERY_TASK_ALWAYS_EAGER = REDIS_URL is None
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A task that was being worked on when its worker died is handed out again after this many
# seconds; it must stay above the longest task (a full reconcile or a large import).
CELERY_BROKER_VISIBILITY_TIMEOUT = env_int("CELERY_VISIBILITY_TIMEOUT", 3600, minimum=60)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": CELERY_BROKER_VISIBILITY_TIMEOUT,
    # Publishing must fail fast when Redis is away: the reconcile task catches up later.
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
    "max_retries": 0,
}
CELERY_TASK_PUBLISH_RETRY = False
# LOGGING below is the one logging configuration. Celery's default replaces the root logger's
# handlers and empties the `celery` logger's, which LOGGING keeps from propagating: the
# worker's task lines (received, succeeded, retried, failed) then reached no handler at all.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# Celery's Django fixup closes the database connection before and after every task unless this
# is set: each recompute would open a new PostgreSQL connection (~8 ms, more than the
# recompute). validation/tasks.py closes failed or expired (CONN_MAX_AGE) connections around
# each task instead, as Django does around each request.
CELERY_DB_REUSE_MAX = 1000
# Task modules besides each app's tasks.py (which Celery finds by itself).
CELERY_IMPORTS = ["validation.csvio.tasks"]
CELERY_BEAT_SCHEDULE = {
    "reconcile-cycle-metrics": {
        "task": "validation.tasks.reconcile_all",
        "schedule": crontab(minute=17),
    },
    # Every hour on the hour; each organization's digest weekday and local hour are data.
    "weekly-digest": {
        "task": "validation.tasks.send_due_digests",
        "schedule": crontab(minute=0),
    },
}

# --- Authentication ---------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "core.lockout.AddressLockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# Shown by the sign-in form for either lockout (this username, or this whole address).
AXES_COOLOFF_MESSAGE = "Too many failed sign-ins: please try again in 15 minutes."
# Proxies in front of the app that append to X-Forwarded-For (0: gunicorn faces the clients and
# the header is ignored). Every per-address limit reads the address through core.net.client_ip.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0, minimum=0)
AXES_CLIENT_IP_CALLABLE = "core.net.client_ip"
# Failed sign-ins from one address, whatever the usernames (password spraying), before the
# address is locked out for AXES_COOLOFF_TIME (core/lockout.py); on and off with AXES_ENABLED.
SIGNIN_ADDRESS_FAILURE_LIMIT = env_int("SIGNIN_ADDRESS_FAILURE_LIMIT", 30, minimum=1)
# Sign-up attempts (every POST of the form, failed ones too) from one address in an hour.
SIGNUP_LIMIT_PER_HOUR = env_int("SIGNUP_LIMIT_PER_HOUR", 20, minimum=1)

# --- REST API -------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # knox: `Authorization: Token <key>`, stored hashed, with an expiry.
        "validation.api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": ["validation.api.parsers.JSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_METADATA_CLASS": None,
    "DEFAULT_SCHEMA_CLASS": "validation.api.schema.ProofloopAutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "validation.api.pagination.PageNumberPagination",
    "EXCEPTION_HANDLER": "validation.api.errors.api_exception_handler",
    # Counted in the default cache: Redis, shared by every process, when REDIS_URL is set.
    "DEFAULT_THROTTLE_CLASSES": ["validation.api.throttles.WriteRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "token": env_str("API_THROTTLE_TOKEN", "10/min"),
        "writes": env_str("API_THROTTLE_WRITES", "600/min"),
        "invitations": env_str("API_THROTTLE_INVITATIONS", "30/hour"),
    },
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    # Our throttles read the address through core.net.client_ip; this keeps DRF's own
    # get_ident (any other throttle) on the same rule.
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
}
REST_KNOX = {
    "TOKEN_TTL": None,  # set per token from API_TOKEN_TTL_DAYS in the token view
    "AUTH_HEADER_PREFIX": "Token",
    "AUTO_REFRESH": False,
}
API_TOKEN_TTL_DAYS = env_int("API_TOKEN_TTL_DAYS", 90, minimum=1)
SPECTACULAR_SETTINGS = {
    "TITLE": "Proofloop API",
    "DESCRIPTION": (
        "Hypotheses, evidence and the product-validation cycle time.\n\n"
        "Authenticate with `Authorization: Token <key>` (get a key from `POST /api/v1/auth/token/`) "
        "or with the web app's session. Instants are ISO 8601 with an offset; durations are in "
        "days. Every error has the body `{detail, code, errors}`, `errors` giving a message per "
        "invalid field. A user who is not a member of an organization gets 404 for anything in it."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_AUTHENTICATION": [],
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "RoleEnum": "core.models.Role",
        "InvitableRoleEnum": "core.models.INVITABLE_ROLE_CHOICES",
        "StatusEnum": "validation.models.Status",
        "SourceEnum": "validation.models.Source",
        "StanceEnum": "validation.models.Stance",
        "StrengthEnum": "validation.models.Strength",
        "ExperimentKindEnum": "validation.models.ExperimentKind",
        "ExperimentResultEnum": "validation.models.ExperimentResult",
        "WeekdayEnum": "core.models.Weekday",
        "ImportKindEnum": "validation.models.imports.Kind",
        "ImportStatusEnum": "validation.models.imports.ImportStatus",
    },
}

# --- Email ------------------------------------------------------------------------------------
EMAIL_URL = env_str("EMAIL_URL")
if EMAIL_URL:
    vars().update(email_config("EMAIL_URL", EMAIL_URL))
elif DEBUG:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
else:
    raise ImproperlyConfigured(
        "Environment variable EMAIL_URL is required when DJANGO_DEBUG is off "
        "(for example smtp+tls://user:password@smtp.example.com:587)."
    )
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Proofloop <proofloop@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
DIGEST_RETRY_BASE_SECONDS = env_int("DIGEST_RETRY_BASE_SECONDS", 60, minimum=0)

# --- Internationalisation -----------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static files -----------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# --- Security -------------------------------------------------------------------------------
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # HTMX reads the token from the page, not the cookie
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        # Plotly positions its SVG and mode bar with inline styles.
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

# --- Product limits -----------------------------------------------------------------------
IMPORT_MAX_BYTES = env_int("IMPORT_MAX_BYTES", 10 * 1024 * 1024, minimum=1024)
# The largest request body, file uploads included: a larger one is refused with 413 from its
# Content-Length before any of it is read (core/middleware.py). Room for a CSV of
# IMPORT_MAX_BYTES and the form around it.
REQUEST_MAX_BYTES = IMPORT_MAX_BYTES + 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = REQUEST_MAX_BYTES
# Uploaded files above this size are spooled to a temporary file, not held in memory (Django's
# default, stated because the import relies on it); the import then reads them as a stream.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# --- Logging --------------------------------------------------------------------------------
LOG_LEVEL = env_str("LOG_LEVEL", "INFO")
if LOG_LEVEL not in ("DEBUG", "INFO", "WARNING", "ERROR"):
    raise ImproperlyConfigured(
        f"Environment variable LOG_LEVEL={LOG_LEVEL!r} is invalid: expected DEBUG, INFO, "
        "WARNING or ERROR."
    )
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        "proofloop": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
        "celery": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}
