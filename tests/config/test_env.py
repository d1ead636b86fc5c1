"""Settings from the environment: typed reads, defaults kept, bad values stop start-up by name."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.settings.env import (
    env_bool,
    env_choice,
    env_database,
    env_float,
    env_int,
    env_list,
    env_path,
    env_rate,
)

ROOT = Path(__file__).resolve().parents[2]
# Every variable config/settings reads, so a test's start-up sees none of the caller's.
VARIABLES = {
    "DATABASE_URL", "DATABASE_CONN_MAX_AGE", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND",
    "CELERY_TASK_ALWAYS_EAGER", "REDIS_CACHE_URL", "LOG_LEVEL", "DJANGO_DEBUG",
    "DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "DJANGO_CSRF_TRUSTED_ORIGINS", "PA_LOCAL_MODE",
    "PA_VAR_DIR", "PA_CONTENT_ROOT", "PA_SQLITE_TIMEOUT", "PA_LOGIN_FAILURE_LIMIT",
    "PA_LOGIN_COOLOFF_MINUTES", "PA_LOGIN_FAILURES_PER_ADDRESS", "PA_PROXY_COUNT",
    "PA_SIGNUPS_PER_ADDRESS", "PA_LAB_WARM_WORKER", "PA_LAB_RECOVER_INTERVAL",
    "PA_THROTTLE_WRITES", "PA_THROTTLE_CHECK", "PA_THROTTLE_SUBMISSIONS",
    "PA_WEB_CHECK_WALL_SECONDS", "PA_WEB_WARM_CHECKERS", "PA_LAB_SUBMISSIONS_PER_MINUTE",
    "PA_LAB_GRADING_STALE_SECONDS", "PA_LAB_GRADING_HEARTBEAT_SECONDS",
    "PA_LAB_GRADING_LOST_SECONDS", "PA_LAB_GRADING_SWEEP_SECONDS", "PA_LAB_RUNNING_PER_LEARNER",
    "PA_LAB_PAUSED_STATE_MAX_BYTES", "PA_LAB_PAUSED_MAX_BYTES",
    "PA_LAB_PAUSED_MAX_BYTES_PER_LEARNER", "PA_BROKER_VISIBILITY_TIMEOUT",
    "DJANGO_SECURE_SSL_REDIRECT", "DJANGO_SECURE_HSTS_SECONDS",
}  # fmt: skip
SHOWN = [
    "DEBUG", "LOCAL_MODE", "ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS", "AXES_FAILURE_LIMIT",
    "LOGIN_FAILURES_PER_ADDRESS", "PROXY_COUNT", "SIGNUPS_PER_ADDRESS", "CELERY_BROKER_URL",
    "CELERY_RESULT_BACKEND", "CELERY_TASK_ALWAYS_EAGER", "LAB_WARM_WORKER",
    "WEB_CHECK_WALL_SECONDS", "WEB_WARM_CHECKERS", "LAB_SUBMISSIONS_PER_MINUTE",
    "LAB_GRADING_STALE_SECONDS", "LAB_GRADING_HEARTBEAT_SECONDS", "LAB_GRADING_LOST_SECONDS",
    "LAB_GRADING_SWEEP_SECONDS", "LAB_RUNNING_PER_LEARNER", "LAB_PAUSED_STATE_MAX_BYTES",
    "LAB_PAUSED_MAX_BYTES", "LAB_PAUSED_MAX_BYTES_PER_LEARNER",
]  # fmt: skip
SHOW = (
    "import django, json; django.setup(); from django.conf import settings as s; "
    f"out = {{name: getattr(s, name) for name in {SHOWN!r}}}; "
    "out['DB'] = s.DATABASES['default']['ENGINE'], s.DATABASES['default']['CONN_MAX_AGE']; "
    "out['SQLITE_TIMEOUT'] = s.DATABASES['default'].get('OPTIONS', {}).get('timeout'); "
    "out['COOLOFF'] = s.AXES_COOLOFF_TIME.total_seconds(); "
    "out['RATES'] = s.REST_FRAMEWORK['DEFAULT_THROTTLE_RATES']; "
    "out['LOG_LEVEL'] = s.LOGGING['root']['level']; "
    "out['CACHE'] = s.CACHES['default']['BACKEND']; "
    "out['RECOVER'] = s.CELERY_BEAT_SCHEDULE['labs-recover-stale-gradings']['schedule']; "
    "print(json.dumps(out))"
)


def _start(module: str = "config.settings.local", **env: str) -> subprocess.CompletedProcess[str]:
    """Start Django in a fresh process with only these of the settings' variables set."""
    clean = {k: v for k, v in os.environ.items() if k not in VARIABLES}
    clean.update(env, DJANGO_SETTINGS_MODULE=module)
    return subprocess.run(
        [sys.executable, "-c", SHOW], cwd=ROOT, env=clean, capture_output=True, text=True
    )


def test_defaults_are_the_documented_ones():
    started = _start()
    assert started.returncode == 0, started.stderr
    assert json.loads(started.stdout) == {
        "DEBUG": True, "LOCAL_MODE": True, "ALLOWED_HOSTS": ["127.0.0.1", "localhost"],
        "CSRF_TRUSTED_ORIGINS": [], "AXES_FAILURE_LIMIT": 5, "LOGIN_FAILURES_PER_ADDRESS": 30,
        "PROXY_COUNT": 0, "SIGNUPS_PER_ADDRESS": 5, "CELERY_BROKER_URL": "filesystem://",
        "CELERY_RESULT_BACKEND": None, "CELERY_TASK_ALWAYS_EAGER": False,
        "LAB_WARM_WORKER": True, "WEB_CHECK_WALL_SECONDS": 1.6, "WEB_WARM_CHECKERS": True,
        "LAB_SUBMISSIONS_PER_MINUTE": 6, "LAB_GRADING_STALE_SECONDS": 330,
        "LAB_GRADING_HEARTBEAT_SECONDS": 5.0, "LAB_GRADING_LOST_SECONDS": 20.0,
        "LAB_GRADING_SWEEP_SECONDS": 10.0, "LAB_RUNNING_PER_LEARNER": 1,
        "LAB_PAUSED_STATE_MAX_BYTES": 2 << 20, "LAB_PAUSED_MAX_BYTES": 32 << 20,
        "LAB_PAUSED_MAX_BYTES_PER_LEARNER": 96 << 20,
        # SQLite: connections are not kept (the WAL set-up); the timeout is PA_SQLITE_TIMEOUT's.
        "DB": ["django.db.backends.sqlite3", 0], "SQLITE_TIMEOUT": 20, "COOLOFF": 900.0,
        "RATES": {"writes": "120/min", "check": "120/min", "submissions": "10/min"},
        "LOG_LEVEL": "INFO", "CACHE": "django.core.cache.backends.locmem.LocMemCache",
        "RECOVER": 60.0,
    }  # fmt: skip


def test_set_variables_are_read_with_their_types():
    started = _start(
        DJANGO_DEBUG="off", PA_LAB_SUBMISSIONS_PER_MINUTE="12", PA_LAB_WARM_WORKER="0",
        PA_WEB_WARM_CHECKERS="true", PA_LAB_GRADING_LOST_SECONDS="2.5",
        PA_THROTTLE_SUBMISSIONS="3/hour", LOG_LEVEL="warning",
        DJANGO_ALLOWED_HOSTS=" a.example , b.example,", REDIS_CACHE_URL="redis://r:6379/2",
        DATABASE_URL="postgres://u@db.example:5432/pa", DATABASE_CONN_MAX_AGE="7",
        PA_LOGIN_COOLOFF_MINUTES="2",
    )  # fmt: skip
    assert started.returncode == 0, started.stderr
    shown = json.loads(started.stdout)
    assert shown["DEBUG"] is False
    assert shown["LAB_SUBMISSIONS_PER_MINUTE"] == 12
    assert shown["LAB_WARM_WORKER"] is False
    assert shown["WEB_WARM_CHECKERS"] is True  # "true" was off before: only "1" counted
    assert shown["LAB_GRADING_LOST_SECONDS"] == 2.5
    assert shown["RATES"]["submissions"] == "3/hour"
    assert shown["LOG_LEVEL"] == "WARNING"
    assert shown["ALLOWED_HOSTS"] == ["a.example", "b.example"]
    assert shown["CACHE"] == "django.core.cache.backends.redis.RedisCache"
    assert shown["DB"] == ["django.db.backends.postgresql", 7]
    assert shown["COOLOFF"] == 120.0


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("PA_LAB_SUBMISSIONS_PER_MINUTE", "abc", "a whole number of 0 or more"),
        ("DATABASE_URL", "nonsense", "a database URL like postgres://"),
        ("DATABASE_URL", "mongo://db.example/pa", "a database URL like postgres://"),
        ("PA_WEB_WARM_CHECKERS", "maybe", "a switch: 1, true, yes, on or 0, false, no, off"),
        ("PA_LAB_GRADING_LOST_SECONDS", "-1", "a number of 0 or more"),
        ("PA_THROTTLE_CHECK", "120 per minute", "a rate like 120/min"),
        ("LOG_LEVEL", "LOUD", "one of CRITICAL"),
    ],
)
def test_a_bad_value_stops_start_up_naming_the_variable(variable, value, expected):
    started = _start(**{variable: value})
    assert started.returncode != 0
    last = started.stderr.strip().splitlines()[-1]
    assert last.startswith("django.core.exceptions.ImproperlyConfigured: ")
    assert f"Environment variable {variable}={value!r} is not {expected}" in last
    assert "or unset it for the default" in last


def test_a_bad_value_also_stops_the_production_settings():
    started = _start(
        "config.settings.production",
        DJANGO_SECRET_KEY="s" * 60,
        DJANGO_SECURE_HSTS_SECONDS="a year",
    )
    assert started.returncode != 0
    assert "DJANGO_SECURE_HSTS_SECONDS='a year' is not a whole number" in started.stderr


def test_unset_gives_the_default_and_set_gives_the_parsed_value(monkeypatch):
    for name in ("PA_T_BOOL", "PA_T_INT", "PA_T_FLOAT", "PA_T_LIST", "PA_T_PATH", "PA_T_RATE"):
        monkeypatch.delenv(name, raising=False)
    assert env_bool("PA_T_BOOL", True) is True
    assert env_int("PA_T_INT", 6) == 6
    assert env_float("PA_T_FLOAT", 1.6) == 1.6
    assert env_list("PA_T_LIST", "a,b") == ["a", "b"]
    assert env_path("PA_T_PATH", Path("/x")) == Path("/x")
    assert env_rate("PA_T_RATE", "10/min") == "10/min"
    monkeypatch.setenv("PA_T_BOOL", " Off ")
    monkeypatch.setenv("PA_T_INT", " 12 ")
    monkeypatch.setenv("PA_T_FLOAT", "0.25")
    monkeypatch.setenv("PA_T_LIST", "")
    monkeypatch.setenv("PA_T_PATH", "/srv/var")
    monkeypatch.setenv("PA_T_RATE", "5/s")
    assert env_bool("PA_T_BOOL", True) is False
    assert env_int("PA_T_INT", 6) == 12
    assert env_float("PA_T_FLOAT", 1.6) == 0.25
    assert env_list("PA_T_LIST", "a,b") == []
    assert env_path("PA_T_PATH", Path("/x")) == Path("/srv/var")
    assert env_rate("PA_T_RATE", "10/min") == "5/s"


@pytest.mark.parametrize("word", ["1", "true", "YES", "on", "0", "false", "No", "off", ""])
def test_switch_words(monkeypatch, word):
    on = word.lower() in {"1", "true", "yes", "on"}
    monkeypatch.setenv("PA_T_BOOL", word)
    assert env_bool("PA_T_BOOL", not on) is on  # the opposite default: it must not be returned


@pytest.mark.parametrize(
    ("read", "value"),
    [
        (lambda: env_int("PA_T_BAD", 1), "1.5"),
        (lambda: env_int("PA_T_BAD", 1), "-3"),
        (lambda: env_float("PA_T_BAD", 1.0), "nan"),
        (lambda: env_float("PA_T_BAD", 1.0), "inf"),
        (lambda: env_path("PA_T_BAD", Path("/x")), ""),
        (lambda: env_rate("PA_T_BAD", "1/s"), "10/week"),
        (lambda: env_choice("PA_T_BAD", "A", ("A", "B")), "C"),
        (lambda: env_database("PA_T_BAD", "sqlite:///x"), ""),
        (lambda: env_database("PA_T_BAD", "sqlite:///x"), "postgres://u@h:port/db"),
    ],
)
def test_bad_values_raise_improperly_configured_with_name_and_default(monkeypatch, read, value):
    monkeypatch.setenv("PA_T_BAD", value)
    with pytest.raises(ImproperlyConfigured, match=r"^Environment variable PA_T_BAD=") as raised:
        read()
    assert "or unset it for the default (" in str(raised.value)


def test_a_bad_database_url_does_not_show_its_password(monkeypatch):
    monkeypatch.setenv("PA_T_DB", "postgres://pa:s3cret-word@db.example:port/pa")
    with pytest.raises(ImproperlyConfigured) as raised:
        env_database("PA_T_DB", "sqlite:///x")
    assert "PA_T_DB='postgres://pa:****@db.example:port/pa'" in str(raised.value)
    assert "s3cret" not in str(raised.value)


def test_database_default_is_used_when_unset(monkeypatch):
    monkeypatch.delenv("PA_T_DB", raising=False)
    config = env_database("PA_T_DB", "sqlite:////tmp/pa.sqlite3", conn_max_age=3)
    assert config["ENGINE"] == "django.db.backends.sqlite3"
    assert config["NAME"] == "/tmp/pa.sqlite3"
    assert config["CONN_MAX_AGE"] == 3
