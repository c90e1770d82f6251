"""Peerpath settings: one module, every value from the environment, parsed strictly.

See the configuration table in README.md. With DEBUG off, a missing secret stops
start-up with a message naming the variable; with DEBUG on, development secrets
are generated once into ``var/dev-secrets.json`` (never a constant fallback).
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from peerpath.env import ConfigError, env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("PEERPATH_VAR_DIR", str(BASE_DIR / "var")) or BASE_DIR / "var")

try:
    DEBUG = env_bool("DEBUG", False)
    SECRET_KEY_ENV = env_str("SECRET_KEY")
    FIELD_KEYS_ENV = env_str("PEERPATH_FIELD_KEYS")
    SEARCH_KEY_ENV = env_str("PEERPATH_SEARCH_KEY")
    ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
    LANGUAGE_CODE = env_str("PEERPATH_LANGUAGE", "zh-hant") or "zh-hant"
    TIME_ZONE = env_str("PEERPATH_TIME_ZONE", "Asia/Taipei") or "Asia/Taipei"
    DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'peerpath.sqlite3'}")
    REQUIRE_2FA = env_bool("PEERPATH_REQUIRE_2FA", True)
    SESSION_IDLE_MINUTES = env_int("PEERPATH_SESSION_IDLE_MINUTES", 30, minimum=1)
    AXES_FAILURE_LIMIT = env_int("PEERPATH_LOGIN_FAILURE_LIMIT", 5, minimum=1)
    AXES_COOLOFF_MINUTES = env_int("PEERPATH_LOGIN_COOLOFF_MINUTES", 15, minimum=1)
    SECURE_SSL_REDIRECT = env_bool("PEERPATH_SSL_REDIRECT", not DEBUG)
    BEHIND_PROXY = env_bool("PEERPATH_BEHIND_PROXY", False)
    PROXY_COUNT = env_int("PEERPATH_PROXY_COUNT", 1, minimum=1)
    EMAIL_URL_HOST = env_str("EMAIL_HOST", "")
    DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "peerpath@localhost") or "peerpath@localhost"
    LINK_HOURS = env_int("PEERPATH_LINK_HOURS", 72, minimum=1)
    # A directory of the deployment's own instrument definitions (YAML), e.g. written by
    # `peerpath instruments import-redcap`; loaded beside the shipped library.
    LOCAL_INSTRUMENTS = env_str("PEERPATH_LOCAL_INSTRUMENTS", "") or ""
    DEMO_PASSWORD = env_str("PEERPATH_DEMO_PASSWORD", "peerpath-demo") or "peerpath-demo"
    # REST API: token lifetime and rate limits ("N/second|minute|hour|day").
    API_TOKEN_DAYS = env_int("PEERPATH_API_TOKEN_DAYS", 90, minimum=1)
    API_TOKEN_MAX_DAYS = env_int("PEERPATH_API_TOKEN_MAX_DAYS", 365, minimum=1)
    API_RATES = {
        "token": env_str("PEERPATH_API_RATE_TOKEN", "120/minute") or "120/minute",
        "ip": env_str("PEERPATH_API_RATE_IP", "600/minute") or "600/minute",
        "auth_failures": env_str("PEERPATH_API_RATE_AUTH_FAILURES", "20/hour") or "20/hour",
        "token_create": env_str("PEERPATH_API_RATE_TOKEN_CREATE", "10/hour") or "10/hour",
    }
    CURRENCY = env_str("PEERPATH_CURRENCY", "TWD") or "TWD"
    # The address staff open Peerpath at, for links in e-mails sent without a request
    # (safety follow-ups, escalations).
    BASE_URL = env_str("PEERPATH_BASE_URL", "http://127.0.0.1:8000") or "http://127.0.0.1:8000"
    # Several servers (docs/deployment.md): a shared cache, a read replica, JSON logs, metrics.
    CACHE_URL = env_str("CACHE_URL", "") or ""
    CACHE_PREFIX = env_str("PEERPATH_CACHE_PREFIX", "peerpath") or "peerpath"
    SESSION_CACHE = env_bool("PEERPATH_SESSION_CACHE", False)
    DATABASE_REPLICA_URL = env_str("DATABASE_REPLICA_URL", "") or ""
    LOG_FORMAT = env_str("PEERPATH_LOG_FORMAT", "text") or "text"
    METRICS_TOKEN = env_str("PEERPATH_METRICS_TOKEN", "") or ""
    METRICS_IPS = env_list("PEERPATH_METRICS_IPS", [])
    REPLICA_NOTICE_SECONDS = env_int("PEERPATH_REPLICA_NOTICE_SECONDS", 60, minimum=0)
    READY_MAX_LAG_SECONDS = env_int("PEERPATH_READY_MAX_LAG_SECONDS", 300, minimum=1)
    READY_MAX_BACKLOG = env_int("PEERPATH_READY_MAX_BACKLOG", 1000, minimum=1)
except ConfigError as exc:
    raise ImproperlyConfigured(str(exc)) from exc

if LOG_FORMAT not in {"text", "json"}:
    raise ImproperlyConfigured(f"PEERPATH_LOG_FORMAT must be text or json, not {LOG_FORMAT!r}")
if CACHE_URL and not CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
    raise ImproperlyConfigured(f"CACHE_URL must be a redis://, rediss:// or unix:// address, not {CACHE_URL!r}")
if SESSION_CACHE and not CACHE_URL:
    raise ImproperlyConfigured("PEERPATH_SESSION_CACHE=true needs a shared cache: set CACHE_URL")
if LANGUAGE_CODE not in {"zh-hant", "en"}:
    raise ImproperlyConfigured(f"PEERPATH_LANGUAGE must be zh-hant or en, not {LANGUAGE_CODE!r}")


def _dev_secrets() -> dict[str, str]:
    """Secrets for a development machine, generated once and kept under var/."""
    path = VAR_DIR / "dev-secrets.json"
    if path.exists():
        data: dict[str, str] = json.loads(path.read_text(encoding="utf-8"))
        return data
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    data = {
        "SECRET_KEY": secrets.token_urlsafe(50),
        "PEERPATH_FIELD_KEYS": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        "PEERPATH_SEARCH_KEY": secrets.token_urlsafe(32),
    }
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")
    os.chmod(path, 0o600)
    return data


_missing = [
    name
    for name, value in (
        ("SECRET_KEY", SECRET_KEY_ENV),
        ("PEERPATH_FIELD_KEYS", FIELD_KEYS_ENV),
        ("PEERPATH_SEARCH_KEY", SEARCH_KEY_ENV),
    )
    if not value
]
if _missing and not DEBUG:
    raise ImproperlyConfigured(
        "Peerpath cannot start with DEBUG off: set "
        + ", ".join(_missing)
        + " in the environment (see README.md, 'Configuration'). "
        "Generate keys with: peerpath keys"
    )
_dev = _dev_secrets() if _missing else {}
SECRET_KEY: str = SECRET_KEY_ENV or _dev["SECRET_KEY"]
FIELD_KEYS: list[str] = [k.strip() for k in (FIELD_KEYS_ENV or _dev["PEERPATH_FIELD_KEYS"]).split(",") if k.strip()]
SEARCH_KEY: str = SEARCH_KEY_ENV or _dev["PEERPATH_SEARCH_KEY"]

# matplotlib (progress charts) keeps its font cache here rather than in $HOME.
os.environ.setdefault("MPLCONFIGDIR", str(VAR_DIR / "matplotlib"))

if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must name the host(s) Peerpath is served on when DEBUG is off")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "simple_history",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_tasks",
    "django_tasks_db",
    "peerpath.tenancy",
    "peerpath.audit",
    "peerpath.members",
    "peerpath.measures",
    "peerpath.portal",
    "peerpath.employment",
    "peerpath.groups",
    "peerpath.pathway",
    "peerpath.alerts",
    "peerpath.exchange",
    "peerpath.exports",
    "peerpath.outcomes",
    "peerpath.safety",
    "peerpath.workspace",
    "peerpath.api",
    "peerpath.tasks",
    "peerpath.demo",
]

MIDDLEWARE = [
    "peerpath.ops.middleware.RequestContextMiddleware",  # request id, replica scope, log line, metrics
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "peerpath.tenancy.middleware.TenancyMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "peerpath.urls"
WSGI_APPLICATION = "peerpath.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "peerpath" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "peerpath.tenancy.context_processors.tenancy",
            ],
        },
    }
]

DATABASES = {"default": dj_database_url.parse(DATABASE_URL or "", conn_max_age=60, conn_health_checks=True)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    # Tests use a file too (not memory), so that concurrent connections share it.
    # (One file per process, so that two test runs on one machine do not collide.)
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-peerpath-{os.getpid()}.sqlite3")}
# A PostgreSQL streaming replica for reports, research exports and API lists
# (peerpath/ops/dbrouter.py). Without DATABASE_REPLICA_URL there is no "replica" alias.
# In tests the replica mirrors the test database: a test of its own reads the same
# rows through a second connection; against a real replica (make test-replica) the
# mirror keeps the replica's host and port and takes the test database's name.
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = dj_database_url.parse(DATABASE_REPLICA_URL, conn_max_age=60, conn_health_checks=True)
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["peerpath.ops.dbrouter.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

# Sessions: an idle timeout (renewed on each request) and no survival past the browser.
SESSION_COOKIE_AGE = SESSION_IDLE_MINUTES * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_HTTPONLY = True
SECURE_HSTS_SECONDS = 0 if DEBUG else 31536000
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REDIRECT_EXEMPT = [r"^healthz/$", r"^readyz/$", r"^metrics$"]  # probes and scrapers speak plain HTTP
# Content-Security-Policy: every asset is served from Peerpath itself; no inline script.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [NONE],
        "object-src": [NONE],
    }
}
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    USE_X_FORWARDED_HOST = True

# Login lockout (django-axes): lock the username + address pair after repeated failures.
AXES_FAILURE_LIMIT = AXES_FAILURE_LIMIT
AXES_COOLOFF_TIME = AXES_COOLOFF_MINUTES / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
# The client address (for lockouts and the audit log): see peerpath/tenancy/client_ip.py.
AXES_CLIENT_IP_CALLABLE = "peerpath.tenancy.client_ip.client_ip"

OTP_TOTP_ISSUER = "Peerpath"

USE_I18N = True
USE_TZ = True
LANGUAGES = [("zh-hant", _("Traditional Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "peerpath" / "locale"]
LANGUAGE_COOKIE_NAME = "peerpath_language"
LANGUAGE_COOKIE_SECURE = not DEBUG
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "peerpath" / "static"]
STATIC_ROOT = VAR_DIR / "static"
try:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns about a missing root
except OSError:
    pass
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_URL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_HOST = EMAIL_URL_HOST or "localhost"
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "") or ""
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "") or ""
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)

# PEERPATH_LOG_FORMAT=json: one JSON object per line, one line per request
# ("peerpath.request"), each with the request id (peerpath/ops/logs.py).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "peerpath.ops.logs.RequestIdFilter"}},
    "formatters": {"json": {"()": "peerpath.ops.logs.JsonFormatter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            **({"formatter": "json"} if LOG_FORMAT == "json" else {}),
        }
    },
    "root": {"handlers": ["console"], "level": env_str("PEERPATH_LOG_LEVEL", "INFO")},
    "loggers": {
        "axes": {"level": "WARNING"},
        # In text format the server's own access log already has a line per request.
        "peerpath.request": {"level": "INFO" if LOG_FORMAT == "json" else "WARNING"},
        **({"django.server": {"level": "WARNING"}} if LOG_FORMAT == "json" else {}),
    },
}

# Peerpath's own settings
PEERPATH_REQUIRE_2FA = REQUIRE_2FA
PEERPATH_BEHIND_PROXY = BEHIND_PROXY
PEERPATH_PROXY_COUNT = PROXY_COUNT
PEERPATH_FIELD_KEYS = FIELD_KEYS
PEERPATH_SEARCH_KEY = SEARCH_KEY
PEERPATH_MEMBERS_PER_PAGE = 25
PEERPATH_LINK_HOURS = LINK_HOURS  # how long a self-report link stays valid
PEERPATH_CURRENCY = CURRENCY  # ISO 4217 code stored with each new job's hourly wage
PEERPATH_BASE_URL = BASE_URL  # links in e-mails sent outside a request (safety notices)
PEERPATH_LOCAL_INSTRUMENTS = LOCAL_INSTRUMENTS
PEERPATH_ANALYZE_ROWS = env_int("PEERPATH_ANALYZE_ROWS", 10_000, minimum=1)  # an import this large refreshes statistics
PEERPATH_IMPORT_MAX_BYTES = env_int("PEERPATH_IMPORT_MAX_MB", 20, minimum=1) * 1024 * 1024  # largest import file
PEERPATH_IMPORT_SYNC_ROWS = env_int("PEERPATH_IMPORT_SYNC_ROWS", 2000, minimum=0)  # larger imports are committed by a worker
PEERPATH_SMALL_CELL = env_int("PEERPATH_SMALL_CELL", 5, minimum=1)  # smallest count shown in export aggregates
PEERPATH_EXPORT_SYNC_MEMBERS = env_int("PEERPATH_EXPORT_SYNC_MEMBERS", 2000, minimum=0)  # larger exports are queued
PEERPATH_EXPORT_DAYS = env_int("PEERPATH_EXPORT_DAYS", 7, minimum=1)  # days an export file is kept
# A write concerning more members of an organisation than this has their alerts
# refreshed by a background task instead of within the request (alerts.triggers).
PEERPATH_ALERTS_SYNC_MEMBERS = env_int("PEERPATH_ALERTS_SYNC_MEMBERS", 200, minimum=0)
# Background work (peerpath/tasks, docs/deployment.md "Background work"): Django's
# Tasks API (the django-tasks backport), queued in Peerpath's own database and run
# by `peerpath worker`. PEERPATH_TASKS=immediate runs each task at once, in the
# process that queued it (no worker; a request waits for its export).
try:
    TASKS_MODE = env_str("PEERPATH_TASKS", "database") or "database"
    PEERPATH_TASK_MAX_ATTEMPTS = env_int("PEERPATH_TASK_MAX_ATTEMPTS", 3, minimum=1)  # runs of one task, retries included
    PEERPATH_TASK_HEARTBEAT_SECONDS = env_int("PEERPATH_TASK_HEARTBEAT_SECONDS", 10, minimum=1)
    # A running task whose worker has not been heard of for this long is run again (or failed).
    PEERPATH_TASK_STALE_SECONDS = env_int("PEERPATH_TASK_STALE_SECONDS", 120, minimum=2)
except ConfigError as exc:
    raise ImproperlyConfigured(str(exc)) from exc
if TASKS_MODE not in {"database", "immediate", "rq"}:
    raise ImproperlyConfigured(f"PEERPATH_TASKS must be database, immediate or rq, not {TASKS_MODE!r}")
TASKS = {
    "default": {
        "BACKEND": {"database": "django_tasks_db.DatabaseBackend", "rq": "django_tasks_rq.RQBackend",
                    "immediate": "django_tasks.backends.immediate.ImmediateBackend"}[TASKS_MODE],
    }
}
# PEERPATH_TASKS=rq: tasks queued in Redis (django-tasks-rq, the `rq` extra) and run
# by `manage.py rqworker --job-class django_tasks_rq.Job default` instead of `peerpath worker`.
PEERPATH_RQ_URL = env_str("PEERPATH_RQ_URL", "") or ""
if TASKS_MODE == "rq":
    if not PEERPATH_RQ_URL.startswith(("redis://", "rediss://", "unix://")):
        raise ImproperlyConfigured("PEERPATH_TASKS=rq needs PEERPATH_RQ_URL (redis://, rediss:// or unix://), e.g. redis://127.0.0.1:6379/1")
    INSTALLED_APPS += ["django_rq", "django_tasks_rq"]
    RQ_QUEUES = {"default": {"URL": PEERPATH_RQ_URL}}
OTP_VERIFY_URL = "/account/two-factor/"

# REST API (peerpath/api, docs/api.md): token authentication only, JSON only.
PEERPATH_API_TOKEN_DAYS = API_TOKEN_DAYS  # default lifetime of a new API token
PEERPATH_API_TOKEN_MAX_DAYS = max(API_TOKEN_MAX_DAYS, API_TOKEN_DAYS)
PEERPATH_API_RATES = API_RATES  # checked at start-up by peerpath.api.throttling
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["peerpath.api.authentication.ApiTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["peerpath.api.permissions.HasPerm"],
    "DEFAULT_THROTTLE_CLASSES": ["peerpath.api.throttling.TokenRateThrottle", "peerpath.api.throttling.IPRateThrottle"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "peerpath.api.pagination.Pagination",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_METADATA_CLASS": None,  # no OPTIONS introspection
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Peerpath API",
    "DESCRIPTION": "Records of a dual-track vocational-recovery programme. See docs/api.md.",
    "VERSION": "1",
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",  # served from Peerpath itself: nothing from a CDN
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SWAGGER_UI_SETTINGS": {"persistAuthorization": False, "tryItOutEnabled": False},
    # One schema name per choice set shared by several fields.
    "ENUM_NAME_OVERRIDES": {
        "LanguageEnum": "peerpath.members.models.Language",
        "MemberStatusEnum": "peerpath.members.models.Status",
        "ConsentKindEnum": "peerpath.members.models.ConsentKind",
        "QuestionnaireReasonEnum": "peerpath.measures.models.Reason",
        "JobEndingReasonEnum": "peerpath.employment.models.EndingReason",
        "SupportKindEnum": "peerpath.employment.models.SupportKind",
        "GroupKindEnum": "peerpath.groups.models.GroupKind",
        "AttendanceStatusEnum": "peerpath.groups.models.AttendanceStatus",
        "HelpingKindEnum": "peerpath.pathway.models.HelpingKind",
    },
}
# The API's rate limits count in the default cache. Local memory (no CACHE_URL): each
# server process counts for itself (with N gunicorn workers a client may reach up to N
# times a limit). CACHE_URL=redis://host:6379/0: every process and server shares one count.
if CACHE_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL,
                          "KEY_PREFIX": CACHE_PREFIX}}  # several Peerpaths may share one Redis
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "peerpath"}}
if SESSION_CACHE:
    # Sessions read from the shared cache, written through to the database.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
PEERPATH_REPLICA_NOTICE_SECONDS = REPLICA_NOTICE_SECONDS  # report pages say so past this lag
PEERPATH_READY_MAX_LAG_SECONDS = READY_MAX_LAG_SECONDS  # /readyz/ fails past this replica lag
PEERPATH_READY_MAX_BACKLOG = READY_MAX_BACKLOG  # /readyz/ fails past this many waiting tasks
PEERPATH_METRICS_TOKEN = METRICS_TOKEN  # /metrics: "Authorization: Bearer <token>"
PEERPATH_METRICS_IPS = METRICS_IPS  # /metrics: or from these client addresses
