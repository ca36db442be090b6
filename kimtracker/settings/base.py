"""Settings shared by every environment, read from the environment with django-environ."""

import datetime
import hashlib
import ipaddress
from pathlib import Path

import environ
from csp.constants import NONCE
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
# A developer's own .env (never committed) is read when present; real environments set variables.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    "csp",
    "django_filters",
    "django_tables2",
    "simple_history",
    # Optional two-step log-in (TOTP) for manager accounts (kimtracker.two_factor).
    "django_otp",
    "django_otp.plugins.otp_totp",
    # Background jobs (publishing a province's monthly report) on the database already there:
    # ``manage.py db_worker`` runs them; ``make run`` starts it beside gunicorn.
    "django_tasks",
    "django_tasks_db",
    # The project's shared pieces (template tags); the apps build on it, never the reverse.
    "kimtracker",
    "villages",
    "reports",
    # The read API (/api/v1/, django-ninja; "ninja" for its Swagger UI files, served locally).
    "ninja",
    "api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "kimtracker.middleware.IndonesianFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "kimtracker.middleware.RejectNullCharactersMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # The two-step log-in: which device a session verified; a session owing its code goes to it.
    "django_otp.middleware.OTPMiddleware",
    "kimtracker.two_factor.TwoFactorMiddleware",
    # Every page needs a logged-in user; the log-in page is marked login_not_required.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "kimtracker.middleware.ContentSecurityPolicyMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "kimtracker.urls"
WSGI_APPLICATION = "kimtracker.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "villages.context_processors.demo_notice",
                "villages.context_processors.offline_entry",
            ],
        },
    },
]

# SQLite under var/ is the embedded default; DATABASE_URL (postgres://...) switches engines.
DATABASES = {
    "default": env.db_url(
        "DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'var' / 'kimtracker.sqlite3'}"
    ),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    # JIT compilation costs more than it saves on the dashboard's aggregate queries.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
# Reuse connections for a while, and check them before use, so that a restarted PostgreSQL is
# picked up again without restarting gunicorn.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Behind PgBouncer in transaction pooling mode, server-side cursors (QuerySet.iterator) break.
DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = env.bool(
    "DJANGO_DISABLE_SERVER_SIDE_CURSORS", default=False
)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Caches. "figures" keeps computed coverage figures (kimtracker.figure_cache), invalidated on
# every committed write; it must be shared by every gunicorn worker and app server, so without
# REDIS_URL it keeps nothing rather than a per-process copy that other workers could not retire.
REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "kimtracker",
        },
        "figures": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            # Figures belong to one database: two installations (or a test run) sharing a Redis
            # must never read each other's.
            "KEY_PREFIX": "kimtracker:figures:"
            + hashlib.sha256(
                "{HOST}:{PORT}/{NAME}".format(**DATABASES["default"]).encode()
            ).hexdigest()[:12],
        },
    }
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "figures": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"},
    }
# Longest life of a cached figure: a bound on staleness should the cache miss an invalidation
# (Redis unreachable at the moment of a write; the failure is logged).
KIM_FIGURE_CACHE_SECONDS = env.int("KIM_FIGURE_CACHE_SECONDS", default=900)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "id"
LANGUAGES = [("id", _("Bahasa Indonesia")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["kimtracker.formats"]
TIME_ZONE = "Asia/Jakarta"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

AUTHENTICATION_BACKENDS = [
    # Refuses logins for a locked-out username/IP before the password is even checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Login throttling: after 5 failures for one username from one address, 30 minutes' lockout.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.5)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
# The client's address behind a reverse proxy: the proxies (addresses or networks, e.g.
# "127.0.0.1" for the nginx of docs/deploy.md) whose X-Forwarded-For is believed
# (kimtracker/client_ip.py). Empty, the default: the connection's address (REMOTE_ADDR), right
# when clients connect to gunicorn directly; behind a proxy it makes every client one address.
KIM_TRUSTED_PROXIES = env.list("KIM_TRUSTED_PROXIES", default=[])
for _proxy in KIM_TRUSTED_PROXIES:
    ipaddress.ip_network(_proxy, strict=False)  # a typo stops the start, not every log-in
AXES_CLIENT_IP_CALLABLE = "kimtracker.client_ip.client_ip"

# E-mail (password reset, monthly reports): EMAIL_URL, e.g. smtp+tls://user:pass@host:587
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="KIM Tracker <kim-tracker@localhost>")

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

# --- KIM Tracker's own settings -------------------------------------------------------------
# Limits on a KIM's member count; the office may change them without a code change.
KIM_MEMBER_COUNT_MIN = env.int("KIM_MEMBER_COUNT_MIN", default=3)
KIM_MEMBER_COUNT_MAX = env.int("KIM_MEMBER_COUNT_MAX", default=30)
# The earliest date a formation, SK, status change or activity may have, and the earliest
# target year (``kimtracker.dates.validate_not_before_earliest``).
KIM_EARLIEST_DATE = datetime.date.fromisoformat(env("KIM_EARLIEST_DATE", default="2000-01-01"))
# Tiles under the coverage map; needs the internet, so an intranet sets it empty. The map works
# without it (boundaries only).
KIM_MAP_TILE_URL = env("KIM_MAP_TILE_URL", default="https://tile.openstreetmap.org/{z}/{x}/{y}.png")
DJANGO_TABLES2_TEMPLATE = "django_tables2/bootstrap5-responsive.html"

# Content-Security-Policy (django-csp): scripts and styles only from our own files; no inline
# script, no style attribute. kimtracker.middleware.ContentSecurityPolicyMiddleware adds the
# exact jsDelivr files of kimtracker.vendor while KIM_ASSETS_FROM_CDN is on. A <style> element
# needs the response's nonce (the map's colour bands, written from reports/bands.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", NONCE],
        "img-src": [
            "'self'",
            "data:",
            *env.list("KIM_CSP_IMG_SRC", default=["https://tile.openstreetmap.org"]),
        ],
        "connect-src": ["'self'"],
        # The service worker (/sw.js) and the web manifest of the installable app.
        "worker-src": ["'self'"],
        "manifest-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
# A KIM with no recorded activity for this many months "needs checking" (perlu verifikasi).
# Offline entry for officers (issue 15): the pages load static/js/offline.js, which registers
# the service worker, keeps the officer's forms on the device and sends the queued entries.
KIM_OFFLINE_ENTRY = env.bool("KIM_OFFLINE_ENTRY", default=True)
KIM_ACTIVITY_STALE_MONTHS = env.int("KIM_ACTIVITY_STALE_MONTHS", default=6)
# Requests per personal access token to the read API (/api/v1/): "60/min", "1000/hour".
KIM_API_RATE = env("KIM_API_RATE", default="60/min")
# The dashboard's coverage chart shows kecamatan up to this many bars, else kabupaten, else
# provinsi (a provincial or national deployment); its list of kecamatan without an active KIM
# shows this many rows, with a link to all of them.
KIM_DASHBOARD_MAX_BARS = env.int("KIM_DASHBOARD_MAX_BARS", default=60)
KIM_DASHBOARD_LIST_LIMIT = env.int("KIM_DASHBOARD_LIST_LIMIT", default=25)
# Up to this many kecamatan, lists filter and the KIM form choose them in one select; beyond
# (a province or the country) lists ask for the code, the form and the admin for the
# kabupaten/kota first (KecamatanQuerySet.too_many_to_list).
KIM_FILTER_SELECT_MAX = env.int("KIM_FILTER_SELECT_MAX", default=200)
# Desa per bimtek batch on the follow-up list.
KIM_BIMTEK_BATCH_SIZE = env.int("KIM_BIMTEK_BATCH_SIZE", default=50)
# Signature block of the monthly PDF report.
KIM_REPORT_SIGNATURE_PLACE = env("KIM_REPORT_SIGNATURE_PLACE", default="Kepanjen")
KIM_REPORT_SIGNATURE_TITLE = env(
    "KIM_REPORT_SIGNATURE_TITLE",
    default="Kepala Dinas Komunikasi dan Informatika Kabupaten Malang",
)
# Published monthly reports (reports.publishing): the document number, from a running number
# per report year (``seq``), the report's month in Roman numerals (``month_roman``), its month
# (``month``) and year (``year``), and the wilayah code (``wilayah``).
KIM_REPORT_NUMBER_FORMAT = env(
    "KIM_REPORT_NUMBER_FORMAT", default="{seq:03d}/KIM/DISKOMINFO/{month_roman}/{year}"
)
# The address printed reports' QR codes lead to when published from the command line (in the
# app, the address the manager used).
KIM_SITE_URL = env("KIM_SITE_URL", default="http://127.0.0.1:8000")
# When on, a write dated inside a month whose report is published needs the Manajer role and a
# reason (it is always allowed and shown as a difference on the report page).
KIM_PUBLISHED_MONTHS_NEED_MANAGER = env.bool("KIM_PUBLISHED_MONTHS_NEED_MANAGER", default=False)

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# Largest KIM import file accepted (bytes and data rows).
KIM_IMPORT_MAX_BYTES = env.int("KIM_IMPORT_MAX_BYTES", default=2 * 1024 * 1024)
KIM_IMPORT_MAX_ROWS = env.int("KIM_IMPORT_MAX_ROWS", default=5000)
# The bundled wilayah fixture loaded by `load_wilayah` without --source.
WILAYAH_FIXTURE_DIR = BASE_DIR / "fixtures" / "wilayah-35.07"
# Vendor JS/CSS from the CDN (SRI-pinned, local fallback); intranets without internet set it false.
KIM_ASSETS_FROM_CDN = env.bool("KIM_ASSETS_FROM_CDN", default=True)
# The figures' covering indexes (INCLUDE) serve PostgreSQL; SQLite builds the same indexes
# without the included columns, which is all it can do, so its warning says nothing to act on.
SILENCED_SYSTEM_CHECKS = ["models.W040"]
