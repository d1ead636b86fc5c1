"""The same limits on a SQLite file (the embedded set-up): parallel submissions and exam starts,
and a database locked for longer than the wait is a 503 with Retry-After, not a 500."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Runs in its own process: Django configured for a SQLite *file* (WAL, BEGIN IMMEDIATE, a busy
# wait), like `make run`; the pytest database is in memory, where threads cannot wait on a lock.
DRIVER = r"""
import json, sqlite3, sys, threading
import django
django.setup()
from django.core.management import call_command
from django.db import connections
from django.test import Client
from django.test.utils import setup_test_environment
from accounts.services import user_create
from labs import services as lab_services
from labs.models import Lab, Submission
from quizzes import services as quiz_services
from quizzes.models import Attempt
from tests.hardening.test_races import GOOD, in_parallel, small_lab
from tests.quizzes.bank import make_bank

call_command("migrate", verbosity=0)
setup_test_environment()
lab = small_lab()
learner = user_create(username="racer", password="pw-racer-12345")
lab_services.grading_enqueue = lambda *a, **k: None
subs = in_parallel(20, lambda i: lab_services.submission_create(learner, lab, {"buildspec.yml": GOOD}))
make_bank({1: 8, 2: 8, 3: 8, 4: 8})
quiz_services._schedule_expiry = lambda attempt: None
starts = in_parallel(8, lambda i: quiz_services.attempt_start_exam(learner, size=10))
out = {
    "accepted": sum(isinstance(r, Submission) for r in subs),
    "rejected": sum(isinstance(r, lab_services.SubmissionRejected) for r in subs),
    "other": [repr(r) for r in subs + starts
              if not isinstance(r, (Submission, lab_services.SubmissionRejected, Attempt))],
    "exam_ids": len({r.pk for r in starts if isinstance(r, Attempt)}),
    "running": Attempt.objects.filter(user=learner, mode="exam", status="in_progress").count(),
}
connections.close_all()
# Another process holds the write lock for longer than the busy wait (PA_SQLITE_TIMEOUT).
holder = sqlite3.connect(sys.argv[1], isolation_level=None)
holder.execute("BEGIN IMMEDIATE")
client = Client(raise_request_exception=False)
response = client.post("/accounts/signup/", {"username": "late", "password1": "A-long-pass-42!",
                                             "password2": "A-long-pass-42!"})
out["locked_status"] = response.status_code
out["locked_retry_after"] = response.get("Retry-After")
out["locked_body"] = response.content.decode()[:3000]
holder.execute("ROLLBACK")
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def outcome(tmp_path_factory) -> dict:
    folder = tmp_path_factory.mktemp("sqlite-file")
    db = folder / "db.sqlite3"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"sqlite:///{db}",
        "PA_SQLITE_TIMEOUT": "2",
        "PA_VAR_DIR": str(folder / "var"),
        "PA_LAB_SUBMISSIONS_PER_MINUTE": "6",
    }
    env.pop("CELERY_BROKER_URL", None)
    done = subprocess.run(
        [sys.executable, "-c", DRIVER, str(db)], cwd=ROOT, env=env, capture_output=True,
        text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_twenty_parallel_submissions_on_sqlite_respect_the_limit(outcome) -> None:
    assert outcome["other"] == []
    assert (outcome["accepted"], outcome["rejected"]) == (6, 14)


def test_eight_parallel_exam_starts_on_sqlite_make_one_exam(outcome) -> None:
    assert outcome["exam_ids"] == 1
    assert outcome["running"] == 1


def test_a_locked_sqlite_database_is_a_503_with_retry_after(outcome) -> None:
    assert outcome["locked_status"] == 503, outcome["locked_body"]
    assert outcome["locked_retry_after"] == "5"
    assert "try again in 5 seconds" in outcome["locked_body"]
