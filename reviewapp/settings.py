"""Settings, read from the environment with typed defaults.

The defaults give the embedded mode (`make run`): a SQLite file and tasks run in-process. Setting
DATABASE_URL / CELERY_BROKER_URL switches to PostgreSQL / Redis-backed Celery workers.
"""

import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import SELF, UNSAFE_INLINE

BASE_DIR = Path(__file__).resolve().parent.parent


def envbool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def envint(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def envlist(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = envbool("DJANGO_DEBUG", False)
_UNDER_PYTEST = bool(os.environ.get("PYTEST_VERSION"))  # pytest 8.2+ sets it
# Without DJANGO_SECRET_KEY: DEBUG and the test suite use a fixed development key; any other process gets
# a random key of its own (fine for management commands, which keep no sessions), and the web server
# refuses to start (reviewapp/wsgi.py, asgi.py): sessions signed with a throw-away key would be wrong.
SECRET_KEY_FROM_ENV = bool(os.environ.get("DJANGO_SECRET_KEY"))
if SECRET_KEY_FROM_ENV:
    SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]
elif DEBUG or _UNDER_PYTEST:
    SECRET_KEY = "django-insecure-reviewapp-local-development-key"  # noqa: S105 (DEBUG/tests only)
else:
    SECRET_KEY = "django-insecure-ephemeral-" + secrets.token_urlsafe(48)
ALLOWED_HOSTS = envlist("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = envlist("DJANGO_CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI served from our own static files: /api/docs/ works offline
    "django_htmx",
    "axes",
    "reviewapp",
    "screening",
    "extraction",
    "extraction.rob",
    "synthesis",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "reviewapp.middleware.RejectNulMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # last, as django-axes asks: it turns a locked-out login into its lockout response
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "reviewapp.urls"
WSGI_APPLICATION = "reviewapp.wsgi.application"

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
                "reviewapp.context_processors.background",
            ],
        },
    },
]

DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    # Persistent connections are worth ~5x on the screening path (see PERFORMANCE.md).
    # Health checks: a persistent connection broken by a database restart is replaced at the next request
    # instead of failing it (the request that met the restart answers 503, see views/errors.py).
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL, conn_max_age=envint("DB_CONN_MAX_AGE", 600), conn_health_checks=True
        )
    }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("SQLITE_PATH", str(BASE_DIR / "db.sqlite3")),
        }
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # However SQLite was chosen (default or DATABASE_URL=sqlite:///...): in-process tasks write while pages
    # read, so WAL, IMMEDIATE write transactions and a generous lock timeout avoid "database is locked".
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        **DATABASES["default"].get("OPTIONS", {}),
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # counts failed logins; locks out after AXES_FAILURE_LIMIT
    "django.contrib.auth.backends.ModelBackend",
]
# Login throttling (django-axes) on the site and the admin login: after 5 failures for one username from
# one address, that pair is locked out for 15 minutes (a correct password included).
AXES_FAILURE_LIMIT = envint("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=envint("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_IPWARE_PROXY_COUNT = envint("AXES_PROXY_COUNT", 0)

# E-mail (invitations, password reset): printed on the console unless an SMTP host is configured.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_PORT = envint("EMAIL_PORT", 587)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", EMAIL_PORT == 587)
EMAIL_USE_SSL = envbool("EMAIL_USE_SSL", EMAIL_PORT == 465)
EMAIL_TIMEOUT = envint("EMAIL_TIMEOUT", 20)
INVITATION_DAYS = envint("INVITATION_DAYS", 14)  # how long an invitation link to a review stays valid
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "reviewapp <reviewapp@localhost>")

CSRF_FAILURE_VIEW = "reviewapp.views.errors.csrf_failure"
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/accounts/login/"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
STORAGES = {
    "default": {
        "BACKEND": os.environ.get("DEFAULT_FILE_STORAGE", "django.core.files.storage.FileSystemStorage")
    },
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG and envbool("STATIC_MANIFEST", False)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
IMPORT_MAX_BYTES = envint("IMPORT_MAX_BYTES", 1024 * 1024 * 1024)
FULLTEXT_MAX_BYTES = envint("FULLTEXT_MAX_BYTES", 50 * 1024 * 1024)
# a restore parses it whole (~4x its size in memory): 1 GiB is a review of ~500,000 records
BACKUP_JSON_MAX_BYTES = envint("BACKUP_JSON_MAX_BYTES", 1024 * 1024 * 1024)

# Tasks: "celery" (a broker is configured), "thread" (embedded: run in a background thread of this
# process, so the browser can watch progress) or "eager" (run at commit time; tests).
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND", CELERY_BROKER_URL)
TASKS_MODE = os.environ.get("TASKS_MODE", "celery" if CELERY_BROKER_URL else "thread")
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# A job's heartbeat older than this means its process died: it is marked failed (reviewapp.jobs).
JOB_LEASE_SECONDS = int(os.environ.get("JOB_LEASE_SECONDS", "600"))
# Redis redelivers an unacknowledged (acks_late) task after this; longer than the longest job.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", "7200"))
}
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
# Housekeeping for `celery beat` (docker-compose runs it; without Celery run the management commands by cron)
CELERY_BEAT_SCHEDULE = {
    "clean-fulltext-staging": {"task": "screening.clean_fulltext_staging", "schedule": 6 * 3600.0},
}
CELERY_ACCEPT_CONTENT = ["json"]

REDIS_URL = os.environ.get("REDIS_URL", CELERY_BROKER_URL if CELERY_BROKER_URL.startswith("redis") else "")
if REDIS_URL:
    # Recomputable values only: while Redis is unreachable reads miss and writes are skipped (reviewapp.cache)
    _redis_timeout = float(os.environ.get("REDIS_CACHE_TIMEOUT", "0.5"))
    CACHES = {
        "default": {
            "BACKEND": "reviewapp.cache.TolerantRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": _redis_timeout, "socket_timeout": _redis_timeout},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "reviewapp.api.pagination.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "reviewapp.api.exceptions.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "reviewapp API",
    "DESCRIPTION": "Systematic reviews: sources, imports, records, de-duplication, screening.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "reviewapp.api.schema.add_error_responses",
        "reviewapp.api.schema.add_links",
    ],
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "JobStatusEnum": "reviewapp.jobs.JobStatus",  # every job: imports, analyses, rankings, ...
        "AnalysisRunKindEnum": "synthesis.models.RunKind",
        "CandidateStatusEnum": "reviewapp.models.CandidateStatus",
        "SourceKindEnum": "reviewapp.models.SourceKind",
        "RoleEnum": "reviewapp.models.Role",
        "VoteDecisionEnum": "screening.models.Decision",
        "VerdictDecisionEnum": "screening.models.VerdictDecision",
        "ConflictStatusEnum": "screening.models.ConflictStatus",
        "RetrievalStatusEnum": "screening.models.RetrievalStatus",
        "FormKindEnum": "extraction.models.FormKind",
        "VerdictMethodEnum": "screening.models.VerdictMethod",
        "ResolutionMethodEnum": "reviewapp.dualwork.models.ResolutionMethod",
    },
}

# Security: secure by default outside DEBUG; every flag can be relaxed from the environment
# (e.g. behind a TLS-terminating proxy that already redirects).
# pytest (8.2+) sets PYTEST_VERSION: the test server and its browser speak plain HTTP.
_PLAIN_HTTP = DEBUG or _UNDER_PYTEST
# X-Forwarded-Proto is trusted only when a TLS proxy in front of us is declared to set (and strip) it;
# trusting it otherwise would let any client claim its request came over HTTPS.
if envbool("DJANGO_TRUST_X_FORWARDED_PROTO", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = envbool("DJANGO_SECURE_SSL_REDIRECT", not _PLAIN_HTTP)
SESSION_COOKIE_SECURE = envbool("DJANGO_SECURE_COOKIES", not _PLAIN_HTTP)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = envint("DJANGO_HSTS_SECONDS", 0 if _PLAIN_HTTP else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = envbool("DJANGO_HSTS_PRELOAD", not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
# Content-Security-Policy (django-csp): scripts only from our own static files, never inline or from
# another host, so an imported title that slipped past escaping still could not run. Inline style
# attributes are allowed (htmx's indicator styles, a few layout tweaks); they cannot run code.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "frame-src": [SELF],  # the full-text PDF viewer
        "object-src": [SELF],  # Chromium's PDF viewer is a plugin inside that frame
        "frame-ancestors": [SELF],
        "form-action": [SELF],
        "base-uri": [SELF],
    }
}
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "SAMEORIGIN"  # the full-text page embeds our own PDFs
SILENCED_SYSTEM_CHECKS = ["security.W019"]  # SAMEORIGIN is deliberate, see above

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
