"""Settings: environment-driven database and broker, production hardening."""

import importlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _settings_value(module: str, expr: str, **env: str) -> str:
    code = f"import django, os; django.setup(); from django.conf import settings; print({expr})"
    full_env = {
        k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "CELERY_BROKER_URL"}
    }
    full_env.update(env, DJANGO_SETTINGS_MODULE=module)
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=full_env, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def test_embedded_defaults_are_sqlite_and_filesystem_broker():
    assert _settings_value("config.settings.local", "settings.DATABASES['default']['ENGINE']") == (
        "django.db.backends.sqlite3"
    )
    assert _settings_value("config.settings.local", "settings.CELERY_BROKER_URL") == "filesystem://"


def test_database_and_broker_come_from_environment():
    env = {
        "DATABASE_URL": "postgres://u@db.example:5432/pa",
        "CELERY_BROKER_URL": "redis://cache.example:6379/1",
    }
    engine = _settings_value(
        "config.settings.local", "settings.DATABASES['default']['ENGINE']", **env
    )
    assert engine == "django.db.backends.postgresql"
    broker = _settings_value("config.settings.local", "settings.CELERY_BROKER_URL", **env)
    assert broker == "redis://cache.example:6379/1"


def test_production_refuses_a_missing_secret_key():
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SECRET_KEY"}
    env["DJANGO_SETTINGS_MODULE"] = "config.settings.production"
    out = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert out.returncode != 0
    assert "DJANGO_SECRET_KEY" in out.stderr


def test_production_check_deploy_is_clean():
    # The browser tests' DJANGO_ALLOW_ASYNC_UNSAFE must not leak into a production check.
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": "x" * 20 + "-production-secret-for-the-check-only-0123456789",
        "DJANGO_ALLOWED_HOSTS": "academy.example.com",
    }
    out = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "no issues" in out.stdout


@pytest.mark.parametrize("module", ["config.settings.local", "config.settings.test"])
def test_settings_modules_import(module):
    assert importlib.import_module(module).INSTALLED_APPS
