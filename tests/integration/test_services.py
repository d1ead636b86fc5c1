"""PostgreSQL and Redis for real: required in CI (PA_REQUIRE_SERVICES=1), skipped elsewhere."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]


def test_database_is_postgresql():
    assert connection.vendor == "postgresql", (
        f"DATABASE_URL must point at PostgreSQL for the integration run, got {connection.vendor}"
    )


@pytest.mark.django_db
def test_postgresql_full_text_search_is_available():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT to_tsvector('english', 'CodeDeploy shifts traffic') @@ plainto_tsquery(%s)",
            ["traffic"],
        )
        assert cursor.fetchone()[0] is True


def test_broker_is_redis_and_reachable():
    import redis

    assert settings.CELERY_BROKER_URL.startswith("redis://"), settings.CELERY_BROKER_URL
    assert redis.Redis.from_url(settings.CELERY_BROKER_URL).ping() is True


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_a_task_through_redis():
    from core.tasks import ping

    assert settings.CELERY_RESULT_BACKEND, "set CELERY_RESULT_BACKEND for the integration run"
    db_name = connection.settings_dict["NAME"]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": os.environ["DATABASE_URL"].rsplit("/", 1)[0] + f"/{db_name}",
    }
    queue = f"it-{uuid.uuid4().hex[:8]}"
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", queue,
         "--concurrency=1", "--pool=solo", "--without-heartbeat", "--without-gossip",
         "--without-mingle", "--loglevel=WARNING"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        token = uuid.uuid4().hex
        result = ping.apply_async((token,), queue=queue).get(timeout=60)
        assert result == {"token": token, "database": "postgresql"}
    finally:
        worker.terminate()
        worker.wait(timeout=20)
