"""Settings for relief, read from the environment.

DATABASE_URL (default: SQLite under var/), REDIS_URL (unset: Celery runs tasks in-process),
SECRET_KEY (unset: generated once into var/secret_key; required in production), DEBUG, ALLOWED_HOSTS, RELIEF_PRODUCTION.
"""
import hashlib
import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("RELIEF_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def _secret_key(production: bool) -> str:
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    if production:
        # A key generated on each machine would make the machines of one district reject each other's
        # sessions and signed import plans.
        raise ImproperlyConfigured(
            "RELIEF_PRODUCTION=1 requires SECRET_KEY in the environment, the same on every app machine "
            "and Celery worker (e.g. python -c 'import secrets; print(secrets.token_urlsafe(64))').")
    # Generated once per installation and kept out of git (var/ is ignored), so every
    # process of this machine shares it without anyone committing a secret.
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(64))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


PRODUCTION = env_bool("RELIEF_PRODUCTION")
# Off unless a developer asks (`DEBUG=1 make run`): with it on, a township would see Django's English
# technical pages and the URL list on a 404 or 500 instead of the project's own pages.
DEBUG = env_bool("DEBUG", default=False)
SECRET_KEY = _secret_key(PRODUCTION)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

DJANGO_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
]
THIRD_PARTY_APPS = [
    "guardian",
    "axes",
    "auditlog",
    "django_celery_beat",
    "django_htmx",
    "template_partials",
    "import_export",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
]
# Bottom-up, as the apps build on one another (tests/test_layering.py): an app imports only those before it
# in this list, and imports (beside households) only relief and households.
LOCAL_APPS = [
    "relief",
    "households",
    "alerts",
    "visits",
    "referrals",
    "imports",
    "plans",
    "ledgers",
]
INSTALLED_APPS = DJANGO_APPS + THIRD_PARTY_APPS + LOCAL_APPS

MIDDLEWARE = [
    "relief.request_memo.RequestMemoMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "relief.middleware.SecurityHeadersMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Idle and absolute session end, then the steps a password sign-in must finish first (relief/signin.py).
    "relief.signin.SignInMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "relief.middleware.AuditlogMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    # Axes last, as its documentation requires, so it sees the final response of a login.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "relief.urls"
WSGI_APPLICATION = "relief.wsgi.application"

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
                "relief.context_processors.navigation",
            ],
        },
    },
]
# Django's form templates, the select widget written out in Python (a list's filters spent a quarter of the page
# rendering option templates).
FORM_RENDERER = "relief.form_renderer.FormRenderer"

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'relief.sqlite3'}",
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
    # A transaction takes the write lock when it begins: two requests that both read then write (a double-click)
    # then wait for each other instead of failing with "database is locked" (a deferred transaction that has read
    # cannot wait for another writer). WAL lets pages read while a write is under way.
    DATABASES["default"]["OPTIONS"]["transaction_mode"] = "IMMEDIATE"
    DATABASES["default"]["OPTIONS"]["init_command"] = "PRAGMA journal_mode=WAL;"
    # A file (not :memory:) so that a Celery worker started by a test can open the test database.
    DATABASES["default"]["TEST"] = {
        "NAME": os.environ.get("RELIEF_TEST_DB_NAME", str(VAR_DIR / "test_relief.sqlite3"))
    }
else:
    # Our queries are short OLTP queries; PostgreSQL's JIT compiles some of them for longer than they run.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
if not DATABASES["default"]["ENGINE"].endswith("sqlite3") and os.environ.get("RELIEF_TEST_DB_NAME"):
    # Several developers on one PostgreSQL server each run the suite in a database of their own.
    DATABASES["default"]["TEST"] = {"NAME": os.environ["RELIEF_TEST_DB_NAME"]}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "relief.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "relief.backends.UserWithJurisdictionBackend",
    "guardian.backends.ObjectPermissionBackend",
]
# 身份鉴别 (GB/T 22239-2019 level 3): the password rules (relief/passwords.py), each a setting.
RELIEF_PASSWORD_MIN_LENGTH = int(os.environ.get("RELIEF_PASSWORD_MIN_LENGTH", "10"))
RELIEF_PASSWORD_MIN_CLASSES = int(os.environ.get("RELIEF_PASSWORD_MIN_CLASSES", "3"))  # of upper, lower, digit, symbol
RELIEF_PASSWORD_HISTORY = int(os.environ.get("RELIEF_PASSWORD_HISTORY", "5"))  # the last N are not used again
RELIEF_PASSWORD_MAX_AGE_DAYS = int(os.environ.get("RELIEF_PASSWORD_MAX_AGE_DAYS", "90"))  # 0: never expires
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": RELIEF_PASSWORD_MIN_LENGTH}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "relief.passwords.CharacterClassesValidator"},
    {"NAME": "relief.passwords.PasswordHistoryValidator"},
]
# The second factor (django-otp, TOTP from a phone's authenticator app, recovery codes): required of these
# roles after a password sign-in; by default every role but the village caseworkers and department accounts.
RELIEF_OTP_REQUIRED_ROLES = env_list("RELIEF_OTP_REQUIRED_ROLES", "township,district,admin,security,auditor")
RELIEF_OTP_RECOVERY_CODES = 10
OTP_TOTP_ISSUER = os.environ.get("RELIEF_OTP_ISSUER", "社会救助主动发现")
# A wrong code doubles the wait before the next try (django-otp's throttling), per device.
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1
# Sessions end after this long without a request and this long after sign-in, whatever happens; the page
# warns RELIEF_SESSION_WARN_SECONDS before the idle end and offers 继续 (static/js/session_timeout.js).
RELIEF_SESSION_IDLE_MINUTES = int(os.environ.get("RELIEF_SESSION_IDLE_MINUTES", "30"))
RELIEF_SESSION_ABSOLUTE_HOURS = int(os.environ.get("RELIEF_SESSION_ABSOLUTE_HOURS", "8"))
RELIEF_SESSION_WARN_SECONDS = int(os.environ.get("RELIEF_SESSION_WARN_SECONDS", "120"))
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# django-guardian: no anonymous user object; permissions live on jurisdictions only.
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False

# django-axes: five wrong passwords for one account from one address lock that pair for 15 minutes.
AXES_ENABLED = env_bool("AXES_ENABLED", True)
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
# Proxies (nginx, a load balancer) between the clients and the app: the client's address is read from the
# hops they added to X-Forwarded-For (relief/http.py), the same for locks and for the audit log.
RELIEF_PROXY_COUNT = int(os.environ.get("PROXY_COUNT", "0"))
AXES_CLIENT_IP_CALLABLE = "relief.http.client_address"

# django-auditlog: ID numbers never enter the change log in clear.
AUDITLOG_INCLUDE_ALL_MODELS = False
AUDITLOG_DISABLE_REMOTE_ADDR = False
# The mask of every registered model's `mask_fields` (ID numbers and birth dates): auditlog's own keeps
# the second half of a value, so an ID number kept its birth date.
AUDITLOG_MASK_CALLABLE = "relief.audit.mask_personal_value"
# The audit log as evidence (relief/audit_chain.py, audit_archive.py, audit_triggers.py): entries kept at
# least 180 days (a lower value fails the system check), older ones archived to signed files in
# RELIEF_AUDIT_ARCHIVE_DIR (never the system temp folder); the chain and the files are keyed with
# RELIEF_AUDIT_KEY, which must never change (without it: derived from SECRET_KEY, for development).
RELIEF_AUDIT_RETENTION_DAYS = int(os.environ.get("RELIEF_AUDIT_RETENTION_DAYS", "180"))
RELIEF_AUDIT_ARCHIVE_DIR = Path(os.environ.get("RELIEF_AUDIT_ARCHIVE_DIR", VAR_DIR / "audit-archive"))
RELIEF_AUDIT_KEY = os.environ.get("RELIEF_AUDIT_KEY") or hashlib.sha256(
    b"relief-audit-chain:" + SECRET_KEY.encode()).hexdigest()

# Chinese is the default: the source strings are Chinese, and a browser that states no preference (or
# prefers a language we do not offer) gets Chinese. A browser preferring English gets English (LocaleMiddleware
# reads Accept-Language); the switch in the page header (Django's set_language) overrides both with a cookie.
# locale/en holds the English of every app string; locale/zh_Hans only what Django's own zh_Hans lacks.
# The .mo files are compiled by `make` (`make messages`), not kept in git.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Dates and numbers per language (relief/formats/<lang>/formats.py): the Chinese dates of Django's zh_Hans,
# date inputs in ISO order for both (an <input type="date"> takes nothing else).
FORMAT_MODULE_PATH = ["relief.formats"]
# The language cookie is read by the server only; it travels like the session cookie.
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded files (photos, import files) are personal data: kept outside the web root and served
# only through views that check jurisdiction. A district sharing them across machines points
# MEDIA_ROOT at a shared mount (NFS) or configures another storage backend.
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "private"))
# No URL serves MEDIA_ROOT: files are streamed by views after a jurisdiction check.
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Uploads larger than the above are spooled to disk while the request runs: in the private folder, not /tmp.
FILE_UPLOAD_TEMP_DIR = str(MEDIA_ROOT / "tmp")
(MEDIA_ROOT / "tmp").mkdir(parents=True, exist_ok=True, mode=0o700)
# The Django admin's import (django-import-export) keeps uploads in private storage, expired like ours.
IMPORT_EXPORT_TMP_STORAGE_CLASS = "imports.tmp_storage.PrivateImportStorage"
DATA_UPLOAD_MAX_MEMORY_SIZE = 25 * 1024 * 1024

# Celery: Redis when REDIS_URL is set; otherwise tasks run eagerly in-process so the app works alone.
REDIS_URL = os.environ.get("REDIS_URL", "")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CELERY_QUEUE", "relief")
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# The database row of a job is the truth and the broker only a doorbell (relief/jobs.py): a request that
# rings while Redis is down must answer at once, so no publish retries and short connect timeouts; the
# reconciler rings again later. Without `max_retries` in the transport options kombu retries the
# connection of a publish forever (celery/celery#4556, #4627); the worker's own consumer reconnects by
# `broker_connection_retry` / `broker_connection_max_retries`, which these do not touch.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600, "socket_connect_timeout": 2, "socket_timeout": 5,
                                   "max_retries": 0}
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_PUBLISH_RETRY = False
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = 2
CELERY_REDIS_SOCKET_TIMEOUT = 5
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {"socket_connect_timeout": 2}
# Time limits of a task that sets none of its own (the jobs set theirs, suited to their work).
CELERY_TASK_SOFT_TIME_LIMIT = 10 * 60
CELERY_TASK_TIME_LIMIT = 12 * 60
# Jobs of these kinds are reconciled; a running one silent for RELIEF_JOB_STALE_SECONDS is restarted
# (at most RELIEF_JOB_MAX_ATTEMPTS runs in all).
RELIEF_JOB_KINDS: list[str] = ["imports.tasks.JOB_KINDS", "ledgers.tasks.JOB_KINDS"]
RELIEF_JOB_STALE_SECONDS = int(os.environ.get("RELIEF_JOB_STALE_SECONDS", "150"))
RELIEF_JOB_MAX_ATTEMPTS = 3
# Temporary files of the app's own processes that hold personal data live in MEDIA_ROOT/tmp; any left
# by a killed process are removed by the nightly purge once older than this.
RELIEF_TEMP_ORPHAN_HOURS = 6
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Periodic jobs. Later issues add theirs here; django-celery-beat copies them into its tables.
CELERY_BEAT_SCHEDULE: dict = {
    # The household list's current categories follow assistance that starts or ends by date (households).
    "households-refresh-assistance-flags": {"task": "households.refresh_assistance_flags",
                                            "schedule": crontab(minute=5, hour=0)},
    # Monthly closing (seed 004): runs on days 28-31 at 23:30 and acts on the month's last day only.
    "ledgers-close-month": {"task": "ledgers.close_month", "schedule": crontab(minute=30, hour=23, day_of_month="28-31")},
    # Expired export files, and temporary files left in MEDIA_ROOT/tmp by a killed worker.
    "ledgers-purge-expired-exports": {"task": "ledgers.purge_expired_exports", "schedule": crontab(minute=15, hour=3)},
    # Background jobs whose doorbell was lost (broker down) or whose worker died: rung again (relief/jobs.py).
    "relief-reconcile-jobs": {"task": "relief.reconcile_jobs", "schedule": crontab(minute="*/2")},
    # The audit chain: entries whose seal was lost (a process died at commit) are sealed; every night entries
    # older than RELIEF_AUDIT_RETENTION_DAYS go to a signed archive file, then leave the table.
    "relief-audit-seal-pending": {"task": "relief.audit_seal_pending", "schedule": crontab(minute="*/10")},
    "relief-audit-archive": {"task": "relief.audit_archive", "schedule": crontab(minute=50, hour=3)},
    # Referrals past their deadline and help-first paperwork late (issue 6): alerts every morning.
    "referrals-deadline-alerts": {"task": "referrals.deadline_alerts", "schedule": crontab(minute=20, hour=6)},
    # Hotline work orders (issue 15): a first response or feedback past the hotline's deadline opens a
    # 热线工单超时 alert; the hotline counts hours, so the scan runs every quarter of an hour.
    "referrals-hotline-overdue": {"task": "referrals.hotline_overdue_alerts", "schedule": crontab(minute="*/15")},
    "referrals-step-alerts": {"task": "referrals.step_alerts", "schedule": crontab(minute=25)},
    # 人户分离 (issue 15): a cooperation letter to a hukou place outside the system unanswered past its reply
    # deadline opens a 协查函逾期未复 alert for the residence township every morning.
    "referrals-letter-overdue": {"task": "referrals.letter_overdue_alerts", "schedule": crontab(minute=35, hour=6)},
    # Uploaded import files nobody confirmed within RELIEF_IMPORT_UPLOAD_TTL_HOURS are deleted (personal data).
    "imports-expire-uploads": {"task": "imports.expire_uploads", "schedule": crontab(minute=40)},
    # Policy finds people (issue 8): every night, households that seem to qualify for a policy they do
    # not receive open a lead for their village, once.
    "plans-match-policies": {"task": "plans.match_policies", "schedule": crontab(minute=10, hour=2)},
    # Needs found on a visit are copied to the needs list as the visit commits; this sweep copies any whose
    # task was never queued (the broker was down).
    "plans-copy-visit-needs": {"task": "plans.copy_visit_needs", "schedule": crontab(minute="*/15")},
    # Visits (issue 5): overdue-visit alerts every morning and last week's township summary on Monday
    # morning; alerts: status-change alerts from household events every half hour (stored under its old
    # name before issue 13: alerts/migrations/0002 renames it). All idempotent (dedupe keys).
    "visits-overdue-scan": {"task": "visits.overdue_scan", "schedule": crontab(minute=0, hour=6)},
    "alerts-status-change-scan": {"task": "alerts.status_change_scan", "schedule": crontab(minute="*/30")},
    # Care agreements of 特困 people cared for at home (issue 16): missing or expired ones alert every morning.
    "alerts-care-agreement-scan": {"task": "alerts.care_agreement_scan", "schedule": crontab(minute=5, hour=6)},
    # Service kinds (issue 15): 跟踪联系 contacts due, and kinds to review after a status change (a few
    # minutes after the status-change scan that opens the alerts it reads).
    "plans-service-scan": {"task": "plans.service_scan", "schedule": crontab(minute="10,40")},
    "visits-township-summaries": {"task": "visits.township_summaries",
                                  "schedule": crontab(minute=30, hour=6, day_of_week="mon")},
}

# The cache lives in Redis (RELIEF_CACHE_URL, by default the broker's REDIS_URL), else in a database table.
# Short timeouts: a Redis that went away costs a page a second at most, then figures are computed.
# RELIEF_CACHE_KEY_PREFIX keeps apart installations (or test processes) that share one Redis.
CACHE_URL = os.environ.get("RELIEF_CACHE_URL", REDIS_URL)
CACHES = {
    "default": {
        **(
            {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL,
             "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1}}
            if CACHE_URL
            else {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "relief_cache"}
        ),
        "KEY_PREFIX": os.environ.get("RELIEF_CACHE_KEY_PREFIX", ""),
    }
}

# Read from the cache, kept in the database (relief/sessions.py); a cached entry lives at most 5 minutes.
SESSION_ENGINE = "relief.sessions"
SESSION_CACHE_SECONDS = 300
SESSION_COOKIE_AGE = RELIEF_SESSION_ABSOLUTE_HOURS * 3600
SESSION_COOKIE_HTTPONLY = True
CSRF_FAILURE_VIEW = "relief.views.csrf_failure"

# Home page cards: each app lists what needs doing for a user (see relief/home.py).
RELIEF_HOME_CARD_PROVIDERS: list[str] = [
    "referrals.home.cards",
    "referrals.home_approval.cards",
    "referrals.home_departments.cards",
    "households.home.cards",
    "ledgers.home.cards",
    "ledgers.home_assessment.cards",
    "plans.home.cards",
    "visits.home.cards",
    "alerts.home.cards",
    "referrals.home_feed.cards",
    "households.care_home.cards",
]
# Benchmark sections run in order by `manage.py bench` (see relief/management/commands/bench.py).
RELIEF_BENCH_SECTIONS: list[str] = [
    "households.bench.seed",
    "visits.bench.seed",
    "households.bench.run",
    "imports.bench.run",
    "visits.bench.run",
    "plans.bench.run",
    "ledgers.bench.run",
    # Last: the pages through gunicorn and HTTP, with every other section's data in place.
    "relief.bench_http.run",
]
# Pages the HTTP section drives (relief/bench_http.py): functions returning relief.benchmarking.HttpPage
# lists, each app naming its own; measured grouped by user in this order.
RELIEF_BENCH_HTTP_PAGES: list[str] = [
    "relief.bench_http.pages",
    "households.bench.http_pages",
    "alerts.bench.http_pages",
    "referrals.bench.http_pages",
    "ledgers.bench.http_pages",
    "visits.bench.http_pages",
]

if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
    X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# Demo data loaders run by `manage.py load_demo` after the jurisdictions and staff (idempotent).
RELIEF_DEMO_LOADERS: list[str] = [
    "households.demo.load",
    "visits.demo.load",
    "plans.demo.load",
    "plans.demo_advisers.load",
    "referrals.demo.load",
    "referrals.hotline_demo.load",
    "plans.service_demo.load",
    "referrals.demo_patrols.load",
    "referrals.hukou_demo.load",
    "referrals.demo_approval.load",
    "referrals.demo_departments.load",
    "imports.demo.load",
    "plans.demo_campaigns.load",
    "ledgers.demo.load",
    "ledgers.demo_inspections.load",
    "ledgers.demo_snapshots.load",
    "ledgers.demo_assessment.load",
    "referrals.demo_feed.load",
    "households.care_demo.load",
    "alerts.care_demo.load",
    # The audit log's refused accesses (issue 19), once the households they name exist.
    "relief.demo.load_audit",
    # Last: the referrals' alert scans, once every demo above has raised its leads and work orders.
    "referrals.demo.scans",
]

# Sections other apps add to the household page (see households/sections.py).
RELIEF_HOUSEHOLD_SECTIONS: list[str] = [
    "households.sections.checks_section",
    "referrals.sections.section",
    "plans.sections.section",
    "plans.service_views.section",
    "visits.sections.section",
    "households.care_views.section",
]
# The kinds of a household's records the household page asks about in one query before it reads them, skipping
# those the family has none of (households/presence.py). Each has a foreign key `household`.
RELIEF_HOUSEHOLD_RECORDS: list[str] = [
    "households.RosterEntry", "households.ObservationEntry", "referrals.Lead", "referrals.Referral", "plans.Need",
    "plans.PlanItem", "plans.PolicyMatch", "plans.ServiceRecord", "visits.Visit", "alerts.Alert",
    "households.QuarterlyCheckEntry", "households.WrittenRefusal", "households.WholeHouseholdCheck",
]
# Sections other apps add to the worklist's front page (see visits/worklist_sections.py).
RELIEF_WORKLIST_SECTIONS: list[str] = [
    "plans.views_campaigns.worklist_sections",
]
# 离线走访 (visits/offline.py): what the phone takes along, and for how long it keeps it. The apps above visits
# add each household's open needs through RELIEF_OFFLINE_NEEDS_PROVIDERS (household ids -> lines per household).
RELIEF_OFFLINE_MAX_HOUSEHOLDS = int(os.environ.get("RELIEF_OFFLINE_MAX_HOUSEHOLDS", "150"))
RELIEF_OFFLINE_MAX_BYTES = int(os.environ.get("RELIEF_OFFLINE_MAX_KB", "2048")) * 1024
RELIEF_OFFLINE_KEEP_DAYS = int(os.environ.get("RELIEF_OFFLINE_KEEP_DAYS", "3"))
RELIEF_OFFLINE_NEEDS_PROVIDERS: list[str] = ["plans.offline.needs"]
# Low-income band: per-capita income above the local 低保 standard but below this factor times it (seed 004).
RELIEF_LOW_INCOME_FACTOR = "1.5"
# The cipher of ID and phone numbers at rest (households/pii.py); a deployment bound to SM4 names its own class.
RELIEF_PII_CIPHER = os.environ.get("RELIEF_PII_CIPHER", "households.pii.AesGcmCipher")

# Spreadsheet imports (imports app): size limit, rows above which the dry run and the import run in
# the Celery worker with a progress bar, hours an unconfirmed upload is kept, error messages kept.
RELIEF_IMPORT_MAX_BYTES = int(os.environ.get("RELIEF_IMPORT_MAX_MB", "20")) * 1024 * 1024
RELIEF_IMPORT_SYNC_MAX_ROWS = int(os.environ.get("RELIEF_IMPORT_SYNC_MAX_ROWS", "1000"))
RELIEF_IMPORT_UPLOAD_TTL_HOURS = int(os.environ.get("RELIEF_IMPORT_UPLOAD_TTL_HOURS", "24"))
RELIEF_IMPORT_MAX_ERRORS = 2000
# What a household file may hold, checked before and while it is read (imports.reader.ReadLimits): an
# .xlsx is a zip that can inflate a thousandfold, a sheet can claim any size. A 100,000-row roster
# written by openpyxl inflates to about 150 MB; Excel's own files (shared strings) to far less.
RELIEF_IMPORT_MAX_UNCOMPRESSED_BYTES = int(os.environ.get("RELIEF_IMPORT_MAX_UNCOMPRESSED_MB", "200")) * 1024 * 1024
RELIEF_IMPORT_MAX_COMPRESSION_RATIO = int(os.environ.get("RELIEF_IMPORT_MAX_COMPRESSION_RATIO", "100"))
RELIEF_IMPORT_MAX_ARCHIVE_MEMBERS = int(os.environ.get("RELIEF_IMPORT_MAX_ARCHIVE_MEMBERS", "1000"))
RELIEF_IMPORT_MAX_ROWS = int(os.environ.get("RELIEF_IMPORT_MAX_ROWS", "100000"))
RELIEF_IMPORT_MAX_COLUMNS = int(os.environ.get("RELIEF_IMPORT_MAX_COLUMNS", "100"))
RELIEF_IMPORT_MAX_CELL_CHARS = int(os.environ.get("RELIEF_IMPORT_MAX_CELL_CHARS", "1000"))
