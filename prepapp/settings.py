"""Settings, all from the environment (see README). Defaults run on one machine; production must say more."""

import importlib.util
import math
import os
import re
import secrets
import tempfile
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured

# What browsers may load and use on our pages: django-csp's policy and the Permissions-Policy header.
from prepapp.browser_policy import CONTENT_SECURITY_POLICY, PERMISSIONS_POLICY  # noqa: F401
from prepapp.observability.logs import logging_config
from prepapp.observability.sentry import init_sentry

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# Off unless set: a deploy that forgets it runs as production, never in debug mode with the development key.
# `make run`, `make test` and pytest (pyproject's [tool.pytest.ini_options] env) set DEBUG=true.
DEBUG = env.bool("DEBUG", default=False)

_DEV_SECRET_KEY = "django-insecure-dev-only-key-never-use-in-production"
SECRET_KEY = env("SECRET_KEY", default=_DEV_SECRET_KEY if DEBUG else "")
if not DEBUG and (not SECRET_KEY or SECRET_KEY == _DEV_SECRET_KEY or len(SECRET_KEY) < 50):
    raise ImproperlyConfigured(
        "DEBUG is off, so SECRET_KEY must be set to a long random value (50+ characters), "
        'for example: python -c "import secrets; print(secrets.token_urlsafe(64))". '
        "On a development machine, set DEBUG=true instead (make run does)."
    )

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "phonenumber_field",
    "simple_history",
    "axes",
    "csp",
    "anymail",
    "procedures",
    "reminders",
    "prepapp",  # its start-up checks: the production settings a deployment gets wrong (prepapp/checks.py)
]

MIDDLEWARE = [
    # First: each request's id (in its logs, Sentry events and X-Request-ID) and its time for /metrics.
    "prepapp.observability.middleware.RequestMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Below whitenoise, so static files go without them: the Content-Security-Policy, then Permissions-Policy and
    # Cache-Control: no-store on every page (prepapp/middleware.py), error pages and the CSRF failure page included.
    "csp.middleware.CSPMiddleware",
    "prepapp.middleware.PrivatePagesMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Below the header middlewares, so their 400s carry every header: a NUL in the query string, or a body in a
    # charset other than UTF-8, refused before anything reads it (prepapp/middleware.py).
    "prepapp.middleware.NulInQueryMiddleware",
    "prepapp.middleware.ReadableCharsetMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "prepapp.urls"

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
                "procedures.context_processors.clinic",
                "procedures.context_processors.access",
            ],
        },
    },
]

WSGI_APPLICATION = "prepapp.wsgi.application"

# Database. SQLite is the single-machine default: web, worker and beat share one file, so it runs in WAL mode
# with IMMEDIATE transactions (writers queue for the lock up front instead of failing mid-transaction) and a
# generous busy timeout.
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        }
    )
    # Tests use a file, not memory, so a Celery worker in another process can share the test database.
    DATABASES["default"]["TEST"] = {"NAME": str(Path(tempfile.gettempdir()) / f"ductogram-test-{os.getpid()}.sqlite3")}
# Reuse connections across requests and tasks: opening one per reminder costs more than sending it.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Behind PgBouncer in transaction pooling mode a server-side cursor (QuerySet.iterator(): the CSV export) could be read
# on another server connection than the one that opened it, so Django reads with ordinary cursors instead.
DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = env.bool("DATABASE_TRANSACTION_POOLING", default=False)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Time: stored in UTC, shown in the clinic's zone.
USE_TZ = True
CLINIC_TIME_ZONE = env("CLINIC_TIME_ZONE", default="Europe/London")
TIME_ZONE = CLINIC_TIME_ZONE
LANGUAGE_CODE = "en-gb"
USE_I18N = True
# Languages: staff pages are in English; what a patient reads is in the patient's language (Patient.language) when
# the clinic offers it. LANGUAGES is every language a patient's record can name: the ones we ship translations for
# (locale/, reviewed per clinic before going live) and others a patient may speak, who get English plus one sentence
# in their language about an interpreter (procedures.languages). PATIENT_LANGUAGES is the shipped ones a clinic
# offers; a language left out of it is spoken to in English, with that sentence.
LANGUAGES = [
    ("en-gb", "English"),
    ("cy", "Cymraeg (Welsh)"),
    ("pl", "Polski (Polish)"),
    ("ur", "اردو (Urdu)"),
    ("ro", "Română (Romanian)"),
    ("pa", "ਪੰਜਾਬੀ (Panjabi)"),
    ("bn", "বাংলা (Bengali)"),
    ("pt", "Português (Portuguese)"),
    ("lt", "Lietuvių (Lithuanian)"),
    ("ar", "العربية (Arabic)"),
    ("so", "Soomaali (Somali)"),
    ("tr", "Türkçe (Turkish)"),
]
SHIPPED_LANGUAGES = ("en-gb", "cy", "pl", "ur")
PATIENT_LANGUAGES = env.list("PATIENT_LANGUAGES", default=list(SHIPPED_LANGUAGES))
LANGUAGES_BIDI = ["ar", "fa", "he", "ur"]
LOCALE_PATHS = [BASE_DIR / "locale"]

# The clinic, as patients see it.
CLINIC_NAME = env("CLINIC_NAME", default="Riverside Breast Imaging Unit")
CLINIC_ADDRESS = env("CLINIC_ADDRESS", default="Level 2, Rose Wing, Riverside Hospital, 1 River Road, London SE1 7EH")
CLINIC_PHONE = env("CLINIC_PHONE", default="+44 20 7946 0000")
# How soon staff call a patient back, as patients read it ("within two working days"): 1 to 10 working days.
CALLBACK_WORKING_DAYS = env.int("CALLBACK_WORKING_DAYS", default=2)
# Weekdays and hours in which ductograms are booked, clinic time: "Mon-Fri 08:00-18:00; Sat 09:00-12:00".
CLINIC_OPENING_HOURS = env("CLINIC_OPENING_HOURS", default="Mon-Fri 08:00-18:00")
# The step between the start times offered for booking, and the rows of the day grid's free cells.
SLOT_STEP_MINUTES = env.int("SLOT_STEP_MINUTES", default=15)
# Clock rules: how far ahead a booking or move may go; when check-in opens on the day (minutes before the start);
# how long a logged procedure may last; the oldest date of birth accepted, in years before today.
BOOKING_HORIZON_DAYS = env.int("BOOKING_HORIZON_DAYS", default=365)
CHECK_IN_OPENS_MINUTES = env.int("CHECK_IN_OPENS_MINUTES", default=120)
RESULT_MAX_HOURS = env.int("RESULT_MAX_HOURS", default=4)
PATIENT_MAX_AGE_YEARS = env.int("PATIENT_MAX_AGE_YEARS", default=120)
# The patient choosing another time on their page: how far ahead the times reach; what a choice does ("direct" moves
# the appointment, "request" waits for staff to approve it with one click, "off" hides it: the request stays).
PATIENT_RESCHEDULE_WEEKS = env.int("PATIENT_RESCHEDULE_WEEKS", default=6)
PATIENT_SELF_RESCHEDULE = env("PATIENT_SELF_RESCHEDULE", default="direct")
if PATIENT_SELF_RESCHEDULE not in ("direct", "request", "off"):
    raise ImproperlyConfigured("PATIENT_SELF_RESCHEDULE is one of direct, request or off.")
# The waiting list: an offer's life, and how many patients a round offers a freed time to (the first to accept wins).
OFFER_MINUTES = env.int("OFFER_MINUTES", default=30)
OFFER_ROUND_SIZE = env.int("OFFER_ROUND_SIZE", default=3)
WAITLIST_SWEEP_SECONDS = env.int("WAITLIST_SWEEP_SECONDS", default=60)
# An offer is worth a move only if it brings the patient forward by this much (not a chain of half-hour shuffles).
OFFER_MIN_GAIN_HOURS = env.int("OFFER_MIN_GAIN_HOURS", default=24)
if OFFER_MINUTES < 5 or OFFER_ROUND_SIZE < 1:
    raise ImproperlyConfigured("OFFER_MINUTES is at least 5 and OFFER_ROUND_SIZE at least 1.")

# Staff calendar feeds (/calendar/): events name the patient ("Ductogram: Osei, Ama (RX200001)") only when true.
CALENDAR_FEED_NAMES = env.bool("CALENDAR_FEED_NAMES", default=False)

PHONENUMBER_DEFAULT_REGION = env("PHONENUMBER_DEFAULT_REGION", default="GB")

STATIC_URL = "static/"
STATIC_ROOT = Path(env("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
# Production serves what collectstatic gathered, each name hashed from the file's content, so whitenoise can let
# browsers keep it for a year (prepapp/static_files.py); development serves the apps' files as they are.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"
        if DEBUG
        else "prepapp.static_files.HashedStaticFilesStorage"
    },
}

# Staff sign in at /accounts/login/; the admin uses the same accounts and the same lockout.
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# django-axes: after AXES_FAILURE_LIMIT failed logins for one username from one address, that pair is locked out
# for an hour (a guesser cannot lock a colleague out from elsewhere). A success resets the count. Behind a proxy,
# set AXES_IPWARE_META_PRECEDENCE_ORDER so the client's address, not the proxy's, is used.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(hours=1)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_LOCKOUT_CALLABLE = "prepapp.errors.locked_out"  # the same page, with Retry-After
AXES_IPWARE_META_PRECEDENCE_ORDER = tuple(env.list("AXES_IPWARE_META_PRECEDENCE_ORDER", default=["REMOTE_ADDR"]))

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Email: SMTP in production (smtp://user:pass@host:port, smtp+tls://...). In development, unless EMAIL_URL says,
# a file per email in var/mail/, read at /dev/outbox/ (the console would bury make run's output in email source).
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
if DEBUG and "EMAIL_URL" not in os.environ:
    EMAIL_BACKEND, EMAIL_FILE_PATH = "django.core.mail.backends.filebased.EmailBackend", str(BASE_DIR / "var" / "mail")
# Or an email provider's API through django-anymail, whose webhooks (under /anymail/) report what became of each
# email: delivered, bounced, complained. ANYMAIL_PROVIDER names the provider as anymail's backends do (postmark,
# mailgun, amazon_ses, sendgrid, brevo, ...) and takes the place of EMAIL_URL. Every other ANYMAIL_<NAME> variable
# goes into the ANYMAIL setting as <NAME>: ANYMAIL_POSTMARK_SERVER_TOKEN, ANYMAIL_MAILGUN_API_KEY, ... ("true" and
# "false" as booleans).
ANYMAIL_PROVIDER = env("ANYMAIL_PROVIDER", default="").strip().lower()
if ANYMAIL_PROVIDER:
    if not re.fullmatch(r"[a-z_]+", ANYMAIL_PROVIDER) or not importlib.util.find_spec(
        f"anymail.backends.{ANYMAIL_PROVIDER}"
    ):
        raise ImproperlyConfigured(
            f"ANYMAIL_PROVIDER={ANYMAIL_PROVIDER!r} is not one of django-anymail's providers: use the name of a module "
            "in anymail.backends, such as postmark, mailgun, amazon_ses, sendgrid or brevo."
        )
    EMAIL_BACKEND = f"anymail.backends.{ANYMAIL_PROVIDER}.EmailBackend"
ANYMAIL = {
    name.removeprefix("ANYMAIL_"): {"true": True, "false": False}.get(value.lower(), value)
    for name, value in os.environ.items()
    if name.startswith("ANYMAIL_") and name != "ANYMAIL_PROVIDER"
}
# The webhooks' basic auth ("user:password", in the URL given to the provider). Unset, they refuse every post: a
# forged bounce or complaint must not stop a patient's reminders.
ANYMAIL.setdefault("WEBHOOK_SECRET", f"unset:{secrets.token_urlsafe(32)}")
# A hung mail server must fail a send well inside the task's time limit, so it is retried, not lost.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default=f"{CLINIC_NAME} <no-reply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# The ways reminders reach patients: channel classes by dotted path (reminders.channels). Each brings its slug, its
# templates and whether a new patient agrees to it unless they say otherwise.
REMINDER_CHANNELS = env.list(
    "REMINDER_CHANNELS",
    default=[
        "reminders.channels.email.EmailChannel",
        "reminders.channels.sms.SmsChannel",
        "reminders.channels.letter.LetterChannel",
    ],
)
# Letters are posted this many working days (Mon-Fri) before they should arrive (reminders.channels.letter).
LETTER_POSTAL_DAYS = env.int("LETTER_POSTAL_DAYS", default=2)
if LETTER_POSTAL_DAYS < 0:
    raise ImproperlyConfigured("LETTER_POSTAL_DAYS must be 0 or more working days.")

# Where texts go: reminders.providers.sms.ConsoleSMSBackend / FileSMSBackend / LocMemSMSBackend, or
# reminders.providers.http_sms.HTTPSMSBackend. (A path under reminders.channels.sms, where they lived before, works.)
SMS_BACKEND = env("SMS_BACKEND", default="reminders.providers.sms.ConsoleSMSBackend")
# FileSMSBackend: one JSON line per text, for development.
SMS_FILE_PATH = env("SMS_FILE_PATH", default=str(BASE_DIR / "var" / "sms.jsonl"))
# HTTPSMSBackend: a Twilio-style REST provider.
SMS_HTTP_BASE_URL = env("SMS_HTTP_BASE_URL", default="https://api.twilio.com/2010-04-01")
SMS_HTTP_ACCOUNT_SID = env("SMS_HTTP_ACCOUNT_SID", default="")
SMS_HTTP_AUTH_TOKEN = env("SMS_HTTP_AUTH_TOKEN", default="")
SMS_FROM = env("SMS_FROM", default="")
SMS_HTTP_TIMEOUT = env.float("SMS_HTTP_TIMEOUT", default=10.0)

# Reminders.
# The address patients' links point at (no trailing slash).
SITE_URL = env("SITE_URL", default="http://localhost:8000").rstrip("/")
# The FHIR API (/fhir/): the identifier system its Patient resources give the MRN under. A hospital usually has its
# own (ask the EPR team); by default one made from SITE_URL's host.
FHIR_MRN_SYSTEM = env("FHIR_MRN_SYSTEM", default=f"https://{urlsplit(SITE_URL).hostname or 'localhost'}/fhir/sid/mrn")
# How texts name the sender: texts name no procedure or body part, so not a "Breast Imaging Unit".
CLINIC_SMS_NAME = env("CLINIC_SMS_NAME", default="Riverside Hospital")
# "full": emails carry the FAQ; "link": the FAQ only behind the patient's private link.
REMINDER_EMAIL_CONTENT = env("REMINDER_EMAIL_CONTENT", default="full")
if REMINDER_EMAIL_CONTENT not in ("full", "link"):
    raise ImproperlyConfigured("REMINDER_EMAIL_CONTENT must be 'full' or 'link'.")
REMINDER_MAX_ATTEMPTS = env.int("REMINDER_MAX_ATTEMPTS", default=5)
REMINDER_RETRY_BASE_SECONDS = env.int("REMINDER_RETRY_BASE_SECONDS", default=60)
# A claimed or in-flight reminder is reclaimed after its lease; it must outlast the task's hard time limit.
REMINDER_LEASE_SECONDS = env.int("REMINDER_LEASE_SECONDS", default=300)
REMINDER_DISPATCH_SECONDS = env.float("REMINDER_DISPATCH_SECONDS", default=30.0)
# No texts in these clinic hours: a text due then waits for the end of the quiet time. Empty: no quiet hours.
SMS_QUIET_HOURS = env("SMS_QUIET_HOURS", default="21:00-08:00")
# The most segments (messages billed) one text may take: 160 GSM-7 characters or 70 UCS-2 a segment alone, 153 or 67
# a part when longer (reminders.channels.sms_encoding). Over it, a text is refused, not sent.
SMS_MAX_SEGMENTS = env.int("SMS_MAX_SEGMENTS", default=3)
# Timed stages due within this long of a booking are folded into its confirmation instead of sent separately.
REMINDER_FOLD_MINUTES = env.int("REMINDER_FOLD_MINUTES", default=60)
# Due reminders of one channel sent by one task over one SMTP connection or HTTP session.
REMINDER_BATCH_SIZE = env.int("REMINDER_BATCH_SIZE", default=50)

# The patient's page: requests per client address per window, against guessing links.
PATIENT_PAGE_RATE_LIMIT = env.int("PATIENT_PAGE_RATE_LIMIT", default=60)
PATIENT_PAGE_RATE_WINDOW = env.int("PATIENT_PAGE_RATE_WINDOW", default=600)
# The client's address is REMOTE_ADDR; behind N proxies that each append to X-Forwarded-For, set N here.
PATIENT_PAGE_TRUSTED_PROXIES = env.int("PATIENT_PAGE_TRUSTED_PROXIES", default=0)

# Redis: the cache, and the Celery broker (below).
REDIS_URL = env("REDIS_URL", default="redis://localhost:6379/0")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "prepapp",
    }
}

# The broker is REDIS_URL's Redis unless CELERY_BROKER_URL names another: for Redis Sentinel,
# "sentinel://host1:26379;sentinel://host2:26379;sentinel://host3:26379" with REDIS_SENTINEL_MASTER its master's name.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL)
if REDIS_SENTINEL_MASTER := env("REDIS_SENTINEL_MASTER", default=""):
    CELERY_BROKER_TRANSPORT_OPTIONS = {"master_name": REDIS_SENTINEL_MASTER}
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Celery's Django fixup closes the database connection around every task unless told to reuse it; a new
# PostgreSQL connection per reminder costs more than the whole send. CONN_MAX_AGE still retires old ones.
CELERY_DB_REUSE_MAX = env.int("CELERY_DB_REUSE_MAX", default=1000)
# A lost broker connection must not kill a send half-way: the outbox row, not the broker, says what is left.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
# A send past the soft limit (80% of the hard one) gets SoftTimeLimitExceeded inside it and is recorded on its row as
# a transient failure, retried with backoff; the hard limit kills the pool process. The mail server's and the SMS
# provider's timeouts must end a hung connection first, so they stay below the soft limit.
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=120)
CELERY_TASK_SOFT_TIME_LIMIT = round(CELERY_TASK_TIME_LIMIT * 0.8, 1)
if CELERY_TASK_SOFT_TIME_LIMIT <= max(EMAIL_TIMEOUT, SMS_HTTP_TIMEOUT):
    raise ImproperlyConfigured(
        f"CELERY_TASK_TIME_LIMIT={CELERY_TASK_TIME_LIMIT} gives a send {CELERY_TASK_SOFT_TIME_LIMIT:g} s (80%) before "
        f"its soft time limit, which must be longer than EMAIL_TIMEOUT ({EMAIL_TIMEOUT:g} s) and SMS_HTTP_TIMEOUT "
        f"({SMS_HTTP_TIMEOUT:g} s), so that a hung mail server or SMS provider fails the send (to be retried) before "
        f"Celery stops it: set CELERY_TASK_TIME_LIMIT to {math.floor(max(EMAIL_TIMEOUT, SMS_HTTP_TIMEOUT) / 0.8) + 1} "
        "or more, or lower the timeouts."
    )
if REMINDER_LEASE_SECONDS <= CELERY_TASK_TIME_LIMIT:
    raise ImproperlyConfigured(
        "REMINDER_LEASE_SECONDS must be longer than CELERY_TASK_TIME_LIMIT, or a slow send could be sent twice."
    )
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE = {
    "dispatch-due-reminders": {"task": "reminders.tasks.dispatch_due", "schedule": REMINDER_DISPATCH_SECONDS},
    "waitlist-rounds": {"task": "procedures.tasks.waitlist_rounds", "schedule": WAITLIST_SWEEP_SECONDS},
}

# Security. Production (DEBUG off) is HTTPS-only; a TLS-terminating proxy sets X-Forwarded-Proto.
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
# A staff sign-in lasts a working day from when it was made, and ends when the browser closes.
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=10 * 60 * 60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# A form posted with an expired or missing CSRF cookie gets a page saying to go back and reload, not Django's bare 403.
CSRF_FAILURE_VIEW = "prepapp.errors.csrf_failure"
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    if env.bool("BEHIND_TLS_PROXY", default=True):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # a load balancer's probe over plain http gets the answer, not a redirect

# Logs, one line an event, as text or JSON (LOG_FORMAT=json); errors to Sentry when SENTRY_DSN is set; /metrics for
# a scraper with METRICS_TOKEN. No patient data in any (prepapp/observability/, README "Metrics, errors and logs").
LOGGING = logging_config(env("LOG_FORMAT", default="text"), env("LOG_LEVEL", default="INFO"))
init_sentry(
    env("SENTRY_DSN", default=""),
    environment=env("SENTRY_ENVIRONMENT", default="development" if DEBUG else "production"),
    traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0),
)
METRICS_TOKEN = env("METRICS_TOKEN", default="")
