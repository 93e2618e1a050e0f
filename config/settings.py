"""Intreccio settings, read from the environment.

Defaults give a working local installation on SQLite (``make run``). Production
sets ``INTRECCIO_ENV=production``, ``SECRET_KEY``, ``DATABASE_URL``,
``ALLOWED_HOSTS``, the audit key and the field encryption keys;
``manage.py check --deploy`` must then be clean.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Any, cast

import dj_database_url
from django.utils.translation import gettext_lazy as _

from intreccio.core.crypto import field_keys_from_environment

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


ENVIRONMENT = env_str("INTRECCIO_ENV", "development")
PRODUCTION = ENVIRONMENT == "production"

# A development key is fine on a laptop with demo data; production must set its own.
SECRET_KEY = env_str("SECRET_KEY", "" if PRODUCTION else "dev-only-insecure-key-change-me-" + "x" * 32)
if PRODUCTION and len(SECRET_KEY) < 50:
    raise RuntimeError("SECRET_KEY must be set (at least 50 characters) in production.")

DEBUG = env_bool("DEBUG", default=not PRODUCTION)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "axes",
    "csp",
    "django_htmx",
    "intreccio.core",
    "intreccio.audit",
    "intreccio.territory",
    "intreccio.accounts",
    "intreccio.people",
    "intreccio.access",
    "intreccio.cases",
    "intreccio.plans",
    "intreccio.assessments",
    "intreccio.catalogue",
    "intreccio.meetings",
    "intreccio.history",
    "intreccio.referrals",
    "intreccio.breakglass",
    "intreccio.blackout",
    "intreccio.rights",
    "intreccio.retention",
    "intreccio.oversight",
    "intreccio.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "intreccio.core.middleware.RequestIdMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "intreccio.core.middleware.InterfaceLanguageMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "intreccio.accounts.middleware.SessionTimeoutMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "intreccio.accounts.middleware.RequireMFAMiddleware",
    "intreccio.accounts.middleware.ActiveMembershipMiddleware",
    "intreccio.core.middleware.SecurityHeadersMiddleware",
    "intreccio.audit.middleware.AuditUnavailableMiddleware",
    # django-axes must be last.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "intreccio.core.context_processors.shell",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATA_DIR = Path(env_str("INTRECCIO_DATA_DIR", str(BASE_DIR / "var")))
DEFAULT_SQLITE_URL = f"sqlite:///{DATA_DIR / 'intreccio.sqlite3'}"
DATABASES: dict[str, Any] = {
    "default": cast(
        dict[str, Any],
        # Connections are kept for 60 s between requests (CONN_MAX_AGE). After a database restart a kept
        # connection leads to the server that went away, and a worker that was idle during the restart
        # would answer its next request with a 500, long after the database is back: the health check
        # (one SELECT 1 at a request's first query) replaces it instead (SECURITY.md F3,
        # tests/test_database_restart.py).
        dj_database_url.parse(env_str("DATABASE_URL", DEFAULT_SQLITE_URL), conn_max_age=60, conn_health_checks=True),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Authentication --------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.Operator"
AUTHENTICATION_BACKENDS = [
    # django-axes first: it refuses locked-out username+IP pairs before any password check.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "account_login"

SITE_ID = 1
ACCOUNT_ADAPTER = "intreccio.accounts.adapters.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"username"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
# allauth has its own rate limits; lockout is django-axes' job, with one generic message.
ACCOUNT_RATE_LIMITS = {"login_failed": False}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Intreccio"
MFA_TOTP_PERIOD = 30
MFA_TOTP_DIGITS = 6
MFA_TOTP_TOLERANCE = 1

# Demo installations may exempt the demo accounts from TOTP; the login page says so.
INTRECCIO_DEMO_MFA_EXEMPT = env_bool("INTRECCIO_DEMO_MFA_EXEMPT", default=False)

# django-axes: 5 failures for the same username from the same address lock it for 15 minutes.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "intreccio.accounts.views.lockout_response"
AXES_USERNAME_CALLABLE = "intreccio.accounts.signals.axes_username"
AXES_VERBOSE = False
AXES_IPWARE_PROXY_COUNT = env_int("AXES_PROXY_COUNT", 0) or None

# --- Sessions (R16) --------------------------------------------------------------------------
SESSION_IDLE_TIMEOUT = timedelta(minutes=env_int("SESSION_IDLE_MINUTES", 30))
SESSION_ABSOLUTE_TIMEOUT = timedelta(hours=env_int("SESSION_ABSOLUTE_HOURS", 10))
SESSION_COOKIE_AGE = int(SESSION_ABSOLUTE_TIMEOUT.total_seconds())
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", default=PRODUCTION)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"

# --- Security headers (R17) ------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=PRODUCTION)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = PRODUCTION
SECURE_HSTS_PRELOAD = PRODUCTION
if env_bool("BEHIND_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

# --- Internationalisation --------------------------------------------------------------------
LANGUAGE_CODE = "it"
LANGUAGES = [("it", _("Italian")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Rome"
USE_I18N = True
USE_TZ = True
FORMAT_MODULE_PATH = ["config.formats"]

# --- Static files ----------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]

# --- Mail ------------------------------------------------------------------------------------
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Intreccio <noreply@intreccio.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=True)
EMAIL_TIMEOUT = 20

# --- Audit -----------------------------------------------------------------------------------
# The key that seals the audit hash chain lives outside the database: whoever can write rows
# cannot recompute a valid chain without it.
AUDIT_CHAIN_KEY = env_str("AUDIT_CHAIN_KEY", "" if PRODUCTION else "dev-only-audit-chain-key")
if PRODUCTION and len(AUDIT_CHAIN_KEY) < 32:
    raise RuntimeError("AUDIT_CHAIN_KEY must be set (at least 32 characters) in production.")

# --- Field encryption (R12) ------------------------------------------------------------------
# Keys that seal sensitive narratives, addresses and phone numbers in the database, kept outside
# it: INTRECCIO_FIELD_KEYS="kid2:<base64>,kid1:<base64>" or INTRECCIO_FIELD_KEYS_FILE=<path>. The
# first seals new values, all open them (manage.py rotate_keys). Required in production.
FIELD_ENCRYPTION_KEYS = field_keys_from_environment(os.environ, production=PRODUCTION)

# --- Break-the-glass (R8) --------------------------------------------------------------------
# The longest emergency access an operator may ask for, in hours; every read meanwhile is logged.
BREAK_GLASS_MAX_HOURS = env_int("BREAK_GLASS_MAX_HOURS", 4)

# --- Logging ---------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}

MFA_ADAPTER = "intreccio.accounts.adapters.MFAAdapter"
# allauth refuses to enrol TOTP while the e-mail address is unverified; operators' addresses are
# entered by their administrator and proven by the set-password link, and without the second
# factor an operator can do nothing at all (RequireMFAMiddleware), so enrolment must never wait.
MFA_ALLOW_UNVERIFIED_EMAIL = True
