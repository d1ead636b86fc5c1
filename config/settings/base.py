"""Settings shared by every environment, read from the environment with safe local defaults."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

from csp import constants as csp_constants

from .env import (
    env_bool,
    env_choice,
    env_database,
    env_float,
    env_int,
    env_list,
    env_path,
    env_rate,
    env_str,
)

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = env_path("PA_VAR_DIR", BASE_DIR / "var")

# Local mode = the embedded newcomer set-up (demo accounts allowed). Never true in production.
LOCAL_MODE = env_bool("PA_LOCAL_MODE", False)
DEBUG = env_bool("DJANGO_DEBUG", False)
SECRET_KEY = env_str("DJANGO_SECRET_KEY", "")
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

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
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI's files from our own static files (works offline)
    "django_htmx",
    "axes",
    "csp",
    "core",
    "accounts",
    "courses",
    "quizzes",
    "labs",
    "instructor",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "core.middleware.ServiceFaultMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: it turns a lockout into the response set by AXES_LOCKOUT_CALLABLE.
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
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.context_processors.site",
            ],
        },
    }
]

# SQLite by default (embedded), PostgreSQL when DATABASE_URL says so.
DATABASES = {
    "default": env_database(
        "DATABASE_URL",
        f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL + a busy timeout let the web server and the Celery worker share the file safely.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": env_int("PA_SQLITE_TIMEOUT", 20),
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
# The guard first (django-axes plus a cap per address): it refuses a locked-out client before
# any password is checked.
AUTHENTICATION_BACKENDS = [
    "accounts.backends.LoginGuardBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Login throttling (django-axes): after AXES_FAILURE_LIMIT failed log-ins for one account from
# one address, logging in to it from there pauses for the cool-off. Not by username alone, so
# nobody can lock a learner out from elsewhere; not by address alone, so one classroom behind
# one address is not locked out by a few typos.
AXES_FAILURE_LIMIT = env_int("PA_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("PA_LOGIN_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# Across usernames, an address may fail this often within the cool-off (a flood spraying
# guesses over many names); high enough for a classroom behind one address to mistype.
LOGIN_FAILURES_PER_ADDRESS = env_int("PA_LOGIN_FAILURES_PER_ADDRESS", 30)
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "accounts.views.login_locked_out"
# Behind reverse proxies, how many of them append to X-Forwarded-For (0: none, use the peer's
# address). Login and sign-up limits count per client address (accounts.services.client_address).
PROXY_COUNT = env_int("PA_PROXY_COUNT", 0)
AXES_CLIENT_IP_CALLABLE = "accounts.services.client_address"
# Sign-up throttling: accounts created per client address per window (accounts.services).
SIGNUPS_PER_ADDRESS = env_int("PA_SIGNUPS_PER_ADDRESS", 5)
SIGNUP_WINDOW_SECONDS = 3600
LOGIN_REDIRECT_URL = "core:landing"  # instructors land on their home, learners on the dashboard
LOGOUT_REDIRECT_URL = "core:home"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
WHITENOISE_USE_FINDERS = True  # serve straight from static/ until collectstatic has run
# static/build holds what `make install` builds from npm packages (not committed).
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "pipeline-academy",
    }
}
# Unset or empty: the in-memory cache above.
if REDIS_CACHE_URL := env_str("REDIS_CACHE_URL", ""):
    CACHES["default"] = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_CACHE_URL,
    }

# Content as code: the folder load_content reads, and the loaders it runs, in order, in one
# transaction. Each loader is `load(root: Path, report: core.content.LoadReport) -> None`.
CONTENT_ROOT = env_path("PA_CONTENT_ROOT", BASE_DIR / "content")
CONTENT_LOADERS = [
    "core.guide.load_exam_guide",
    "courses.loading.load_modules",
    "quizzes.cheatsheets.load_cheatsheets",
    "quizzes.loading.load_questions",
    "quizzes.flashcards.load_flashcards",
    "quizzes.cheatsheets.check_question_links",
    "labs.loading.load_labs",
    "quizzes.practice_exams.load_step",
]
# Rendered dot diagrams are cached by content hash.
DIAGRAM_CACHE_DIR = VAR_DIR / "diagrams"

# Celery: a broker that needs no server by default (filesystem transport), Redis at scale.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "filesystem://")


def filesystem_broker_options(var_dir: Path) -> dict[str, object]:
    """Folders of Celery's filesystem transport (the embedded broker) under var_dir."""
    broker_dir = var_dir / "celery-broker"
    return {
        "data_folder_in": str(broker_dir / "queue"),
        "data_folder_out": str(broker_dir / "queue"),
        "processed_folder": str(broker_dir / "processed"),
        # The exchange tables too (kombu's default is ./control, which `make run` would rewrite).
        "control_folder": str(broker_dir / "control"),
        "store_processed": False,
        # The transport polls its folder; 0.1 s keeps "Run" → first log line well under a second.
        "polling_interval": 0.1,
    }


if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS = filesystem_broker_options(VAR_DIR)
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
# Results are kept in our own models; a backend is only needed for health checks and tests.
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND", "") or None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 300
# A pool process warms the grader before it takes work (labs.tasks.warm_grader: the account
# server's parent and cfn-lint, 5-30 s on a busy machine); Celery's default 4 s would kill it.
CELERY_WORKER_PROC_ALIVE_TIMEOUT = 120
LAB_WARM_WORKER = env_bool("PA_LAB_WARM_WORKER", True)
CELERY_TASK_SOFT_TIME_LIMIT = 270
CELERY_TASK_IGNORE_RESULT = True
# Broker unreachable: give up publishing within ~2 s (the submission stays queued and the beat
# recovery re-queues it) instead of holding the learner's request for the default retries.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
# Periodic safety nets (the worker started by `make run` embeds beat).
CELERY_BEAT_SCHEDULE = {
    "quizzes-expire-overdue-attempts": {
        "task": "quizzes.attempts_expire_overdue",
        "schedule": 60.0,
    },
    "labs-recover-stale-gradings": {
        "task": "labs.recover_stale_gradings",
        "schedule": env_float("PA_LAB_RECOVER_INTERVAL", 60.0),
    },
}
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "core.api_schema.ApiSchema",
    "DEFAULT_THROTTLE_RATES": {
        "writes": env_rate("PA_THROTTLE_WRITES", "120/min"),
        "check": env_rate("PA_THROTTLE_CHECK", "120/min"),
        "submissions": env_rate("PA_THROTTLE_SUBMISSIONS", "10/min"),
    },
    "EXCEPTION_HANDLER": "core.api.exception_handler",
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "core.api_negotiation.ContentNegotiation",
    # DRF's defaults, with JSON nested too deeply to parse answered by a 400 (core.parsers).
    "DEFAULT_PARSER_CLASSES": [
        "core.parsers.SafeJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Pipeline Academy API",
    "DESCRIPTION": "Questions, attempts, review cards, labs and the configuration checker.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # /api/docs/ loads Swagger UI from drf-spectacular-sidecar's static files, never a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Name the enums that share a field name across apps, so the schema is stable and readable.
    "ENUM_NAME_OVERRIDES": {
        "AttemptModeEnum": "quizzes.models.Attempt.MODES",
        "AttemptStatusEnum": "quizzes.models.Attempt.STATUSES",
        "SubmissionStatusEnum": "labs.models.Submission.Status",
        "DifficultyEnum": "core.exam.DIFFICULTIES",
        "ExamKindEnum": "quizzes.models.ExamKind",
    },
    # The API's contract is JSON (what the editor and clients send); form posts are not documented.
    "PARSER_WHITELIST": ["rest_framework.parsers.JSONParser"],
}

# The names logging knows (CRITICAL … DEBUG, WARN, NOTSET); a typo would stop logging set-up.
LOG_LEVELS = tuple(logging.getLevelNamesMapping())
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_choice("LOG_LEVEL", "INFO", LOG_LEVELS)},
    # cfn-lint logs every scan (and whole SAM-transformed templates) at INFO: keep them out.
    "loggers": {"cfnlint": {"level": "WARNING"}},
}

# Cross-app hooks, so apps do not import each other's internals:
# - dashboard panels: `panel(request) -> core.panels.Panel | None`, shown on the dashboard in order;
# - topic links: `links(tags: list[str]) -> list[core.panels.TopicLink]`, shown under a lesson.
DASHBOARD_PANELS = [
    "courses.selectors.dashboard_panel",
    "quizzes.hooks.dashboard_panel",
    "labs.selectors.dashboard_panel",
]
TOPIC_LINK_PROVIDERS = [
    "quizzes.hooks.topic_links",
    "labs.hooks.topic_links",
    "quizzes.hooks.cheatsheet_links",
]

# Labs: per-learner submission rate, per-file size cap, and when a RUNNING grading is stale
# (its worker died): then the redelivered task grades it again, at most LAB_MAX_GRADING_ATTEMPTS.
# How long a web request waits for cfn-lint on a learner's template (the editor's check answers
# within 2 s); graders wait up to PA_CHECK_WALL_SECONDS (20 s). simulator/_budget.py has the caps.
WEB_CHECK_WALL_SECONDS = env_float("PA_WEB_CHECK_WALL_SECONDS", 1.6)
# Load cfn-lint while each web process starts, not during a learner's first template check.
WEB_WARM_CHECKERS = env_bool("PA_WEB_WARM_CHECKERS", True)
LAB_SUBMISSIONS_PER_MINUTE = env_int("PA_LAB_SUBMISSIONS_PER_MINUTE", 6)
LAB_MAX_FILE_BYTES = 200_000
LAB_MAX_GRADING_ATTEMPTS = 2
LAB_GRADING_STALE_SECONDS = env_int("PA_LAB_GRADING_STALE_SECONDS", 330)
# Fair grading queue and recovery (labs/services.py, docs/hardening.md): a running grading beats
# every LAB_GRADING_HEARTBEAT_SECONDS; silent for LAB_GRADING_LOST_SECONDS, it is lost and the
# sweep (each worker's own timer, every LAB_GRADING_SWEEP_SECONDS) queues it again. A learner
# runs at most LAB_RUNNING_PER_LEARNER gradings at once; the rest wait in the database.
LAB_GRADING_HEARTBEAT_SECONDS = env_float("PA_LAB_GRADING_HEARTBEAT_SECONDS", 5.0)
LAB_GRADING_LOST_SECONDS = env_float("PA_LAB_GRADING_LOST_SECONDS", 20.0)
LAB_GRADING_SWEEP_SECONDS = env_float("PA_LAB_GRADING_SWEEP_SECONDS", 10.0)
LAB_RUNNING_PER_LEARNER = env_int("PA_LAB_RUNNING_PER_LEARNER", 1)
# A pipeline paused at an approval: strings from LAB_PAUSED_BLOB_MIN_BYTES up are stored once by
# sha256 outside the row; caps on the rest of the state, per submission and per learner.
LAB_PAUSED_BLOB_MIN_BYTES = 4096
LAB_PAUSED_STATE_MAX_BYTES = env_int("PA_LAB_PAUSED_STATE_MAX_BYTES", 2 << 20)
LAB_PAUSED_MAX_BYTES = env_int("PA_LAB_PAUSED_MAX_BYTES", 32 << 20)
LAB_PAUSED_MAX_BYTES_PER_LEARNER = env_int("PA_LAB_PAUSED_MAX_BYTES_PER_LEARNER", 96 << 20)
if "visibility_timeout" in CELERY_BROKER_TRANSPORT_OPTIONS:
    CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] = env_int(
        "PA_BROKER_VISIBILITY_TIMEOUT", 3600
    )

# Content-Security-Policy (django-csp): only our own origin; scripts also need the per-response
# nonce (templates: nonce="{{ request.csp_nonce }}"). `style` attributes (progress bars' widths)
# stay allowed: they cannot run code; <style> elements need our origin or the nonce.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", csp_constants.NONCE],
        "style-src": ["'self'", csp_constants.NONCE],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
