"""Test settings: fast hashing, eager nothing by default, isolated var directory."""

import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import filesystem_broker_options
from .env import env_bool, env_path

SECRET_KEY = "test-only-key"  # noqa: S105
DEBUG = False
LOCAL_MODE = True
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
VAR_DIR = env_path("PA_VAR_DIR", Path(tempfile.mkdtemp(prefix="pa-test-var-")))
DIAGRAM_CACHE_DIR = VAR_DIR / "diagrams"
if CELERY_BROKER_URL.startswith("filesystem://"):  # noqa: F405
    # Messages published by tests stay in this run's private folder, never the repo's var/.
    CELERY_BROKER_TRANSPORT_OPTIONS = filesystem_broker_options(VAR_DIR)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Tests decide throttling themselves; keep limits high so unrelated tests never trip them.
REST_FRAMEWORK = {**REST_FRAMEWORK}  # noqa: F405
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] = {
    "writes": "10000/min",
    "check": "10000/min",
    "submissions": "10000/min",
}
# Every test client builds the middleware: tests that need cfn-lint load it themselves.
WEB_WARM_CHECKERS = env_bool("PA_WEB_WARM_CHECKERS", False)
# Workers the tests start warm up only when a test asks (PA_LAB_WARM_WORKER=1).
LAB_WARM_WORKER = env_bool("PA_LAB_WARM_WORKER", False)
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
