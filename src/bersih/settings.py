"""Settings for Bersih, read from the environment.

Every setting that an operator may change is read here from an environment variable and documented,
with its default, in the README ("Configuration"). Two profiles exist: ``BERSIH_ENV=development`` (the
default: the demo and the test suite) and ``BERSIH_ENV=production`` (secure cookies, HSTS, no debug, and
a refusal to start without a ``SECRET_KEY``).
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

SRC_DIR = Path(__file__).resolve().parent
BASE_DIR = SRC_DIR.parent.parent


def env(name: str, default: str = "") -> str:
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
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


BERSIH_ENV = env("BERSIH_ENV", "development")
if BERSIH_ENV not in {"development", "production"}:
    raise ImproperlyConfigured("BERSIH_ENV must be 'development' or 'production'.")
PRODUCTION = BERSIH_ENV == "production"

# Runtime data (SQLite database, uploaded files, keys, the demo's secret key) lives here.
VAR_DIR = Path(env("BERSIH_VAR_DIR", str(BASE_DIR / "var"))).resolve()
# Signing keys and certificates (development CA and unit certificates, the ledger key).
KEYS_DIR = Path(env("BERSIH_KEYS_DIR", str(VAR_DIR / "keys"))).resolve()


def _secret_key() -> str:
    """The production key comes only from the environment; the demo keeps its own under var/."""
    key = env("SECRET_KEY")
    if key:
        return key
    if PRODUCTION:
        raise ImproperlyConfigured("SECRET_KEY must be set in the environment when BERSIH_ENV=production.")
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("DEBUG", default=False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost,testserver,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_URL = env("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "rules",
    "django_tasks",
    "django_tasks_db",
    "ninja",
    "bersih.core",
    "bersih.ledger",
    "bersih.notify",
    "bersih.documents",
    "bersih.etle",
    "bersih.licensing",
    "bersih.services",
    "bersih.integrity",
    "bersih.justice",
    "bersih.children",
    "bersih.development",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "bersih.core.middleware.RequestSizeLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "bersih.core.middleware.StaffSessionMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "bersih.core.middleware.ContentSecurityPolicyMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "bersih.urls"
WSGI_APPLICATION = "bersih.wsgi.application"
ASGI_APPLICATION = "bersih.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [SRC_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "bersih.core.context_processors.shell",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------------
# SQLite by default (WAL, IMMEDIATE transactions, a busy timeout); PostgreSQL through DATABASE_URL,
# with psycopg 3's connection pool.
DATABASE_URL = env("DATABASE_URL", f"sqlite:///{VAR_DIR / 'bersih.sqlite3'}")


def _database(url: str) -> dict:
    config = dj_database_url.parse(url)
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": env_int("SQLITE_BUSY_TIMEOUT", 20),
            # A 64 MiB page cache per connection (the default is 2 MiB): the case table's random
            # unique keys touch a different index page per row, and a camera flood writes thousands.
            "init_command": (
                "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;PRAGMA foreign_keys=ON;"
                "PRAGMA busy_timeout=20000;PRAGMA cache_size=-65536"
            ),
        }
        config["TEST"] = {"NAME": env("SQLITE_TEST_NAME") or None}
    elif config["ENGINE"] == "django.db.backends.postgresql":
        config["CONN_MAX_AGE"] = 0  # the pool keeps connections; Django must not keep its own
        config["OPTIONS"] = {
            "pool": {
                "min_size": env_int("DATABASE_POOL_MIN", 1),
                "max_size": env_int("DATABASE_POOL_MAX", 10),
                "timeout": env_int("DATABASE_POOL_TIMEOUT", 10),
            }
        }
    return config


DATABASES = {"default": _database(DATABASE_URL)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache ----------------------------------------------------------------------------------------
# Rate limits and lockouts must hold across processes, so the default cache is the database; Redis
# when REDIS_URL is set.
REDIS_URL = env("REDIS_URL")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "bersih_cache",
        }
    }

# --- Background tasks -----------------------------------------------------------------------------
TASK_BACKEND = env("TASK_BACKEND", "database")
if TASK_BACKEND == "rq":
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    RQ_QUEUES = {"default": {"URL": REDIS_URL or "redis://127.0.0.1:6379/0"}}
    INSTALLED_APPS.append("django_tasks_rq")
elif TASK_BACKEND == "immediate":
    TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
else:
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# --- Accounts and sign-in -------------------------------------------------------------------------
AUTH_USER_MODEL = "core.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
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
LOGIN_URL = "core:login"
LOGIN_REDIRECT_URL = "core:staff-home"
LOGOUT_REDIRECT_URL = "core:public-home"

# Lockout: 5 failures for 10 minutes (DESIGN: security baseline).
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 10))
# Locked by account (guessing one person's password) and by caller address (spraying one password over
# many accounts). A successful sign-in clears the address's count, so one colleague's typos at a shared
# station NAT do not lock the rest for long; see docs/accounts.md.
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
# A lockout lasts its 10 minutes from the failure that started it; attempts refused meanwhile neither
# extend it nor write anything.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "bersih.core.views.lockout_response"
AXES_USERNAME_FORM_FIELD = "username"
# How many reverse proxies stand in front of the app servers (for the caller's address).
PROXY_COUNT = env_int("PROXY_COUNT", 0)
AXES_IPWARE_PROXY_COUNT = PROXY_COUNT
AXES_VERBOSE = False

# Staff sessions end after 30 idle minutes; every request renews the clock.
STAFF_IDLE_TIMEOUT = timedelta(minutes=env_int("STAFF_IDLE_MINUTES", 30))
# The session itself lives longer than the idle timeout, so an idle session is recognised (and its end
# explained and recorded) by core.auth.guard_staff_session instead of silently vanishing.
SESSION_COOKIE_AGE = env_int("SESSION_MAX_HOURS", 12) * 3600
SESSION_SAVE_EVERY_REQUEST = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
OTP_TOTP_ISSUER = env("OTP_TOTP_ISSUER", "Bersih")
# A password-reset link works once and for one hour.
PASSWORD_RESET_TIMEOUT = env_int("PASSWORD_RESET_MINUTES", 60) * 60

# --- Locale ---------------------------------------------------------------------------------------
LANGUAGE_CODE = "id"
LANGUAGES = [("id", _("Bahasa Indonesia")), ("en", _("English"))]
LOCALE_PATHS = [SRC_DIR / "locale"]
TIME_ZONE = "Asia/Jakarta"
USE_I18N = True
USE_TZ = True
LANGUAGE_COOKIE_NAME = "bersih_language"
LANGUAGE_COOKIE_SAMESITE = "Lax"

# --- Static and uploaded files --------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env("STATIC_ROOT", str(VAR_DIR / "static")))
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(VAR_DIR / "files")))
MEDIA_URL = "/files/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Development serves static files straight from the apps (no collectstatic needed); production serves
# the hashed, compressed copies that `bersih collectstatic` writes to STATIC_ROOT.
WHITENOISE_USE_FINDERS = not PRODUCTION
if not PRODUCTION:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# Bodies larger than this are refused with 413 before any view runs; upload endpoints may allow more.
MAX_REQUEST_BYTES = env_int("MAX_REQUEST_BYTES", 10 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = MAX_REQUEST_BYTES
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# --- Email ----------------------------------------------------------------------------------------
EMAIL_BACKEND = env(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if PRODUCTION or env("EMAIL_HOST")
    else "django.core.mail.backends.filebased.EmailBackend",
)
EMAIL_FILE_PATH = VAR_DIR / "mail"
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL")
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Bersih <no-reply@bersih.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Security -------------------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_COOKIE_HTTPONLY = True
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
# A Content-Security-Policy header on every page: no third-party origin is ever needed.
CONTENT_SECURITY_POLICY = env(
    "CONTENT_SECURITY_POLICY",
    "default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob: data:; style-src 'self'; "
    "script-src 'self'; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'self'",
)

# --- Public rate limits ---------------------------------------------------------------------------
RATE_LIMITS_ENABLED = env_bool("RATE_LIMITS_ENABLED", True)

# --- Logging --------------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# The demo world's seed: the same seed gives the same synthetic Polres.
DEMO_SEED = env_int("DEMO_SEED", 2026)

# --- Notification outbox (docs/notifications.md) -------------------------------------------------
# Without a provider configured, SMS and WhatsApp go to the development sink (JSON lines under
# NOTIFY_SINK_DIR) in development, and are unavailable in production.
NOTIFY_DEV_SINK = env_bool("NOTIFY_DEV_SINK", not PRODUCTION)
NOTIFY_SINK_DIR = Path(env("NOTIFY_SINK_DIR", str(VAR_DIR / "outbox")))
SMS_GATEWAY_URL = env("SMS_GATEWAY_URL")
SMS_GATEWAY_KEY = env("SMS_GATEWAY_KEY")
SMS_FIELD_TO = env("SMS_FIELD_TO", "to")
SMS_FIELD_TEXT = env("SMS_FIELD_TEXT", "text")
SMS_FIELD_SENDER = env("SMS_FIELD_SENDER", "sender")
SMS_FIELD_ID = env("SMS_FIELD_ID", "id")
SMS_SENDER = env("SMS_SENDER")
WHATSAPP_API_URL = env("WHATSAPP_API_URL", "https://graph.facebook.com/v21.0")
WHATSAPP_PHONE_NUMBER_ID = env("WHATSAPP_PHONE_NUMBER_ID")
WHATSAPP_TOKEN = env("WHATSAPP_TOKEN")
WHATSAPP_APP_SECRET = env("WHATSAPP_APP_SECRET")
WHATSAPP_VERIFY_TOKEN = env("WHATSAPP_VERIFY_TOKEN")
# How often `bersih worker` looks for due sweeps (seconds).
SCHEDULER_INTERVAL_SECONDS = env_int("SCHEDULER_INTERVAL_SECONDS", 30)

# --- Documents and signatures ---------------------------------------------------------------------
# RFC 3161 timestamp server: signatures become PAdES B-T when set (B-B otherwise).
TIMESTAMP_URL = env("TIMESTAMP_URL")
TIMESTAMP_TIMEOUT = env_int("TIMESTAMP_TIMEOUT", 10)
# PEM files of the roots a signature must chain to (e.g. BSrE's), comma-separated.
DOCUMENT_TRUST_ROOTS = env_list("DOCUMENT_TRUST_ROOTS")
# The development CA of `bersih keys init` signs and is trusted; off by default in production.
DOCUMENT_DEV_CA = env_bool("DOCUMENT_DEV_CA", not PRODUCTION)

# --- The UI shell ---------------------------------------------------------------------------------
# The installation's name in every page's header and footer.
POLRES_NAME = env("POLRES_NAME", "Polres Metro Bekasi")
# Forms render through the shell's templates: labels, help text and errors linked for screen readers.
FORM_RENDERER = "bersih.core.formrender.BersihFormRenderer"
# An expired or foreign form gets the shell's own 403 page.
CSRF_FAILURE_VIEW = "bersih.core.errorpages.csrf_failure"
# The language follows the language switch only, never the browser: Indonesian unless English is chosen.
MIDDLEWARE[MIDDLEWARE.index("django.middleware.locale.LocaleMiddleware")] = (
    "bersih.core.language.LanguageMiddleware"
)

# --- ETLE payments --------------------------------------------------------------------------------
# The secret shared with the bank that signs payment notifications (HMAC-SHA256). Development keeps
# its own under KEYS_DIR (bersih keys init); production must set it.
ETLE_BANK_SECRET = env("ETLE_BANK_SECRET", "")

# --- SIM fee payments -----------------------------------------------------------------------------
# The secret shared with the bank that signs the SIM fee's payment notifications (HMAC-SHA256).
# Development keeps its own under KEYS_DIR (bersih keys init); production must set it.
LICENSING_BANK_SECRET = env("LICENSING_BANK_SECRET", "")
# --- SIM queue: the kiosk's ticket printer ----------------------------------------------------------
# The hall kiosk's thermal printer (ESC/POS): tcp://HOST:PORT or usb://VENDOR:PRODUCT (hexadecimal ids).
# Empty: no printer; the ticket page offers its print view and a PDF (docs/licensing.md).
LICENSING_TICKET_PRINTER = env("LICENSING_TICKET_PRINTER")
# The receipt roll's width in millimetres for the print view and the PDF: 80 or 58.
LICENSING_TICKET_PAPER_MM = env_int("LICENSING_TICKET_PAPER_MM", 80)
# Where the printed ticket tells applicants to report an illegal levy (pungli); default SITE_URL/layanan/.
LICENSING_PUNGLI_REPORT = env("LICENSING_PUNGLI_REPORT")
# --- Sipmas: complaints by e-mail -------------------------------------------------------------------
# The mailbox the worker reads for complaints (services/mailbox.py); no host: no mailbox is read.
SIPMAS_IMAP_HOST = env("SIPMAS_IMAP_HOST")
SIPMAS_IMAP_SECURITY = env("SIPMAS_IMAP_SECURITY", "ssl")  # ssl (port 993), starttls or none (143)
SIPMAS_IMAP_PORT = env_int("SIPMAS_IMAP_PORT", 993 if SIPMAS_IMAP_SECURITY == "ssl" else 143)
SIPMAS_IMAP_USER = env("SIPMAS_IMAP_USER")
SIPMAS_IMAP_PASSWORD = env("SIPMAS_IMAP_PASSWORD")
SIPMAS_IMAP_FOLDER = env("SIPMAS_IMAP_FOLDER", "INBOX")
SIPMAS_IMAP_TIMEOUT = env_int("SIPMAS_IMAP_TIMEOUT", 30)
# The code of the Polres whose complaints arrive there (optional when the installation has one Polres).
SIPMAS_MAILBOX_POLRES = env("SIPMAS_MAILBOX_POLRES")
