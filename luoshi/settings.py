"""Settings, read from the environment (LUOSHI_*), with safe production defaults.

Debug is off unless LUOSHI_DEBUG is set; without LUOSHI_SECRET_KEY the app
refuses to start unless it runs in debug mode (as `make run` does).
"""

import os
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("LUOSHI_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("LUOSHI_DEBUG")
SECRET_KEY = os.environ.get("LUOSHI_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "LUOSHI_SECRET_KEY is not set. Set it to a long random string "
            "(python -c 'import secrets; print(secrets.token_urlsafe(50))'), "
            "or set LUOSHI_DEBUG=1 for local development."
        )
    SECRET_KEY = "insecure-development-key-only-for-make-run"

ALLOWED_HOSTS = env_list("LUOSHI_ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("LUOSHI_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "ninja",  # its templates and static files serve the API docs offline (no CDN)
    "django_tasks_db",
    "luoshi.workcalendar",
    "luoshi.org",
    "luoshi.matters",
    "luoshi.notifications",
    "luoshi.documents",
    "luoshi.evaluation",
    "luoshi.targets",
    "luoshi.cockpit",
    "luoshi.projects",
    "luoshi.enterprises",
    "luoshi.citizens",
    "luoshi.hazards",
    "luoshi.assessments",
    "luoshi.operations",
    "luoshi.demo",  # last: `luoshi demo` composes the demo builders of the apps above
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "luoshi.lib.outage.OutageMiddleware",  # database or disk down: a clean 503/507
]
# --- robust: refusals under /api/ in the JSON error shape (404, 405, 413 …), a body too
# large answered with 413 (lib/apierrors.py). Outermost of ours: it sees every answer.
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.common.CommonMiddleware") + 1,
    "luoshi.lib.apierrors.ApiErrorMiddleware",
)
# Page forms: control characters removed from posted values (lib/text.py), the same
# cleaning the API's Input schemas do.
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.csrf.CsrfViewMiddleware") + 1,
    "luoshi.lib.text.CleanFormTextMiddleware",
)
# --- end robust

ROOT_URLCONF = "luoshi.urls"
WSGI_APPLICATION = "luoshi.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "luoshi" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
            # {% request_key %} in every form whose action must not repeat on a resend
            "builtins": ["luoshi.lib.requestkeys"],
        },
    },
]


def database_from_url(url: str) -> dict[str, Any]:
    """SQLite gets WAL and IMMEDIATE transactions; PostgreSQL persistent connections."""
    config: dict[str, Any] = dict(dj_database_url.parse(url))
    if config["ENGINE"] == "django.db.backends.sqlite3":
        if config["NAME"] and config["NAME"] != ":memory:":
            Path(config["NAME"]).parent.mkdir(parents=True, exist_ok=True)
        config["OPTIONS"] = {
            # IMMEDIATE takes the write lock at BEGIN, so two writers queue on
            # busy_timeout instead of failing with "database is locked" on upgrade.
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
            ),
        }
    else:
        config["CONN_MAX_AGE"] = int(os.environ.get("LUOSHI_CONN_MAX_AGE", "600"))
        config["CONN_HEALTH_CHECKS"] = True
        # JIT compiles a plan for a few hundred ms when its estimated cost is high: a
        # desk's counts at 1M spent 328 of 1,230 ms compiling (docs/benchmarks.md). Parallel
        # workers start processes for a plan's few thousand rows and compete with the app
        # for the cores: without them a busy unit's desk at 1M took 36 ms at the median
        # instead of 57 (docs/benchmarks.md). Pages run short queries, so the app's
        # sessions turn both off; a URL's own options win (its -c comes later).
        options = config.setdefault("OPTIONS", {})
        session = "-c jit=off -c max_parallel_workers_per_gather=0"
        options["options"] = " ".join(filter(None, [session, options.get("options")]))
    return config


# Covering indexes (INCLUDE) are PostgreSQL's; SQLite builds the same index on its key
# columns, which is what it needs (matters.models: matter_review_since, part_unit_active_state).
SILENCED_SYSTEM_CHECKS = ["models.W040"]

DATABASE_URL = os.environ.get("LUOSHI_DATABASE_URL", f"sqlite:///{VAR_DIR / 'luoshi.sqlite3'}")
DATABASES = {"default": database_from_url(DATABASE_URL)}
# --- robust: SQLite reads a decimal its column cannot hold instead of failing the whole
# query (luoshi/lib/sqlite/base.py); the same engine otherwise.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["ENGINE"] = "luoshi.lib.sqlite"
# --- end robust
# Parallel test runs on one PostgreSQL server. Not SQLite's: there the name would be a file
# in the working directory (a run once left one for `git add -A`), where in-memory is meant.
if os.environ.get("LUOSHI_TEST_DB_NAME") and "sqlite" not in DATABASES["default"]["ENGINE"]:
    DATABASES["default"]["TEST"] = {"NAME": os.environ["LUOSHI_TEST_DB_NAME"]}
# Read replicas (docs/deploy.md): lists, dashboards and exports read from one of them, writes
# and the reads of whoever just wrote go to the primary (luoshi/lib/dbrouter.py). Without
# the variable there is no other alias, no router and no middleware: nothing changes.
DATABASE_REPLICAS: list[str] = []
for _number, _url in enumerate(env_list("LUOSHI_DATABASE_REPLICA_URLS"), start=1):
    # A test run with replicas set uses the primary's test database for them (MIRROR).
    DATABASES[f"replica_{_number}"] = {**database_from_url(_url), "TEST": {"MIRROR": "default"}}
    DATABASE_REPLICAS.append(f"replica_{_number}")
DATABASE_ROUTERS = ["luoshi.lib.dbrouter.ReplicaRouter"] if DATABASE_REPLICAS else []
if DATABASE_REPLICAS:
    # Right after the session: its save at the end of every request is not the user's write.
    MIDDLEWARE.insert(
        MIDDLEWARE.index("django.contrib.sessions.middleware.SessionMiddleware") + 1,
        "luoshi.lib.dbrouter.ReadYourWritesMiddleware",
    )
# How long after a write the writer's reads stay on the primary: longer than the worst
# replication lag you accept (docs/deploy.md says how to watch it).
READ_YOUR_WRITES_SECONDS = float(os.environ.get("LUOSHI_READ_YOUR_WRITES_SECONDS", "10"))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# AUTH_PASSWORD_VALIDATORS: in the secauth block at the end.

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "luoshi" / "locale"]
TIME_ZONE = os.environ.get("LUOSHI_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "luoshi" / "static"]  # site-wide CSS/JS, vendored htmx
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Attachments are private: they are never under STATIC or a public MEDIA_URL;
# matters.views.attachment_download serves them after a visibility check.
MEDIA_ROOT = Path(os.environ.get("LUOSHI_MEDIA_ROOT", VAR_DIR / "media"))

LOGIN_URL = "/login/"
# Imports refuse an oversized file while it arrives (documents.uploads), then Django's own.
FILE_UPLOAD_HANDLERS = [
    "luoshi.documents.uploads.LimitedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

SESSION_COOKIE_SECURE = env_bool("LUOSHI_SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# Mixed values (ints, strings, lists, flags): read each where it is used.
LUOSHI: dict[str, Any] = {
    # Attachment limits for progress reports (bytes, lower-case extensions).
    "ATTACHMENT_MAX_BYTES": int(os.environ.get("LUOSHI_ATTACHMENT_MAX_BYTES", 20 * 1024 * 1024)),
    "ATTACHMENT_EXTENSIONS": env_list(
        "LUOSHI_ATTACHMENT_EXTENSIONS",
        "pdf,ofd,doc,docx,wps,xls,xlsx,et,ppt,pptx,txt,jpg,jpeg,png,zip,rar",
    ),
    # 督查通报: "document" numbers them 〔2026〕3号 (with the issuer's code, 机关代字, in
    # front when set); "issue" keeps the 简报 style 〔2026〕第3期. Copies go to 抄送.
    "BULLETIN_NUMBER_STYLE": os.environ.get("LUOSHI_BULLETIN_NUMBER_STYLE", "document"),
    "BULLETIN_ISSUER_CODE": os.environ.get("LUOSHI_BULLETIN_ISSUER_CODE", ""),
    "BULLETIN_COPY_TO": os.environ.get(
        "LUOSHI_BULLETIN_COPY_TO", "市委、市人大常委会、市政府、市政协领导同志"
    ),
    # Ledgers up to this many matters are built while the user waits; larger ones are
    # built in the background and offered for download when ready.
    "LEDGER_INTERACTIVE_ROWS": int(os.environ.get("LUOSHI_LEDGER_INTERACTIVE_ROWS", "2000")),
    # Links sent outside (tracking links to citizens, matter links in e-mails).
    "PUBLIC_BASE_URL": os.environ.get("LUOSHI_PUBLIC_BASE_URL", ""),
    # SMS through an HTTP gateway: POST {"phone", "text", "sign"} (notifications.channels).
    "SMS_GATEWAY_URL": os.environ.get("LUOSHI_SMS_GATEWAY_URL", ""),
    "SMS_GATEWAY_TOKEN": os.environ.get("LUOSHI_SMS_GATEWAY_TOKEN", ""),
    "SMS_SIGN": os.environ.get("LUOSHI_SMS_SIGN", "落实"),
    "DELIVERY_MAX_ATTEMPTS": int(os.environ.get("LUOSHI_DELIVERY_MAX_ATTEMPTS", 5)),
    # Dispatch suggestions: add jieba words to the character n-grams (needs jieba).
    "DISPATCH_JIEBA": env_bool("LUOSHI_DISPATCH_JIEBA"),
    # Trained dispatch models (joblib files; their digests are in the database).
    "DISPATCH_MODEL_DIR": os.environ.get("LUOSHI_DISPATCH_MODEL_DIR", str(VAR_DIR / "dispatch")),
    # Open311 GeoReport v2: the jurisdiction_id this endpoint answers for.
    "OPEN311_JURISDICTION": os.environ.get("LUOSHI_OPEN311_JURISDICTION", "luoshi"),
}

# Notices by e-mail (notifications.channels): any Django mail backend.
_smtp = "django.core.mail.backends.smtp.EmailBackend"
MAILERS = {
    "default": {
        "BACKEND": os.environ.get("LUOSHI_EMAIL_BACKEND", _smtp),
        "OPTIONS": {
            "host": os.environ.get("LUOSHI_EMAIL_HOST", "localhost"),
            "port": int(os.environ.get("LUOSHI_EMAIL_PORT", 25)),
            "username": os.environ.get("LUOSHI_EMAIL_USER", ""),
            "password": os.environ.get("LUOSHI_EMAIL_PASSWORD", ""),
            "use_tls": env_bool("LUOSHI_EMAIL_TLS"),
        }
        if os.environ.get("LUOSHI_EMAIL_BACKEND", _smtp) == _smtp
        else {},
    }
}
DEFAULT_FROM_EMAIL = os.environ.get("LUOSHI_EMAIL_FROM", "luoshi@localhost")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LUOSHI_LOG_LEVEL", "WARNING")},
}

VERBOSE_NAME = _("Luoshi")

# ── secauth (issue 14 C): logins, sessions, headers ───────────────────────────────────────
# Kept in one block so that it merges cleanly; docs/operations.md ("Security settings")
# lists every variable. Defaults are safe; `manage.py check --deploy` is clean behind
# nginx with the production values documented there (luoshi/tests/test_deploy_check.py).
from django.utils.csp import CSP  # noqa: E402

INSTALLED_APPS += [
    "axes",  # login throttling and lockout; its access logs show in the admin
    "django_otp",
    "django_otp.plugins.otp_totp",  # optional TOTP second factor (org.twofactor)
]
# Axes first: it refuses a locked-out account or address before the password is checked.
# Its backend lets calls without a request through (the test client, commands).
AUTHENTICATION_BACKENDS = [
    "luoshi.org.auth.LoginThrottleBackend",
    "django.contrib.auth.backends.ModelBackend",
]
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
)
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.csp.ContentSecurityPolicyMiddleware") + 1,
    "luoshi.lib.security.SecurityHeadersMiddleware",  # Permissions-Policy, no-store
)
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
    "django_otp.middleware.OTPMiddleware",
)
MIDDLEWARE.insert(  # after messages: it says why the user must sign in again
    MIDDLEWARE.index("django.contrib.messages.middleware.MessageMiddleware") + 1,
    "luoshi.lib.security.SessionLimitsMiddleware",  # idle timeout and absolute lifetime
)
MIDDLEWARE.insert(
    MIDDLEWARE.index("luoshi.lib.security.SessionLimitsMiddleware") + 1,
    "luoshi.org.auth.SecondFactorMiddleware",  # enrolled users verify their code first
)
MIDDLEWARE += [
    "luoshi.lib.ratelimit.PublicLinkThrottleMiddleware",  # tokened public links: 429
    "axes.middleware.AxesMiddleware",  # last, as axes asks: turns a lockout into its page
]

# Logins: N failures lock the account, and the address, for the cool-off. Behind NAT
# (one address for a whole office) set LUOSHI_LOGIN_LOCKOUT_BY=username,ip_address+username.
AXES_FAILURE_LIMIT = int(os.environ.get("LUOSHI_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("LUOSHI_LOGIN_COOLOFF_MINUTES", "30")) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [
    item.split("+") if "+" in item else item
    for item in env_list("LUOSHI_LOGIN_LOCKOUT_BY", "username,ip_address")
]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_HTTP_RESPONSE_CODE = 429
AXES_CLIENT_IP_CALLABLE = "luoshi.lib.clientip.client_ip"
AXES_ENABLE_ACCESS_FAILURE_LOG = True  # failed logins, also after the counter is reset
AXES_VERBOSE = False

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": max(10, int(os.environ.get("LUOSHI_PASSWORD_MIN_LENGTH", 10)))},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Sessions end after this long without a request, and this long after sign-in whatever.
SESSION_IDLE_MINUTES = int(os.environ.get("LUOSHI_SESSION_IDLE_MINUTES", "30"))
SESSION_MAX_HOURS = float(os.environ.get("LUOSHI_SESSION_MAX_HOURS", "12"))
SESSION_COOKIE_AGE = int(SESSION_MAX_HOURS * 3600)
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # luoshi.js reads the token from the page's meta tag anyway

# Second factor: supervisors and admins may enrol a TOTP app on their own page; with
# this on, they must (they are sent to enrol before anything else).
OTP_REQUIRED_FOR_OFFICE = env_bool("LUOSHI_OTP_REQUIRED_FOR_OFFICE")
OTP_TOTP_ISSUER = os.environ.get("LUOSHI_OTP_ISSUER", "Luoshi 落实")

# HTTPS behind nginx: it terminates TLS and says so in X-Forwarded-Proto; with
# LUOSHI_PROXY_COUNT=1 the client's address is the last one nginx adds to X-Forwarded-For.
LUOSHI_PROXY_COUNT = int(os.environ.get("LUOSHI_PROXY_COUNT", "0"))
if env_bool("LUOSHI_BEHIND_TLS_PROXY") or LUOSHI_PROXY_COUNT:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("LUOSHI_SSL_REDIRECT")
SECURE_HSTS_SECONDS = int(os.environ.get("LUOSHI_HSTS_SECONDS", "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("LUOSHI_HSTS_INCLUDE_SUBDOMAINS")
SECURE_HSTS_PRELOAD = env_bool("LUOSHI_HSTS_PRELOAD")
SECURE_REFERRER_POLICY = "same-origin"
# No inline script anywhere (luoshi.js, cockpit.js and the vendored htmx/ECharts are
# files); styles may be inline (style="width: 40%" on progress bars).
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=(), interest-cohort=()"
)

# The tokened public links (enterprise pages, citizens' tracking links): this many
# requests per address per minute (luoshi.lib.ratelimit), then 429.
PUBLIC_LINK_RATE_PER_MINUTE = int(os.environ.get("LUOSHI_PUBLIC_LINK_RATE", "30"))
PUBLIC_LINK_ROUTES = [
    "enterprises:public",
    "enterprises:public_rate",
    "citizens:track",
    "citizens:track_action",
]
LUOSHI["API_TOKEN_DAYS"] = int(os.environ.get("LUOSHI_API_TOKEN_DAYS", "90"))

# Refusals (403 pages, 401/403 API answers, 429) are one line each: who, what, where,
# never a traceback (luoshi.lib.security.OneLineRefusals).
LOGGING["filters"] = {"refusals": {"()": "luoshi.lib.security.OneLineRefusals"}}
LOGGING["handlers"] = {"console": {"class": "logging.StreamHandler", "filters": ["refusals"]}}
LOGGING["loggers"] = {
    "django.request": {"level": "WARNING", "filters": ["refusals"]},
    "django.security": {"level": "WARNING", "filters": ["refusals"]},
    "luoshi.security": {"level": "INFO"},
}
# ── end secauth ───────────────────────────────────────────────────────────────────────────
