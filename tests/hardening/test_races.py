"""Limits that hold under concurrency: parallel submissions and parallel exam starts."""

from __future__ import annotations

import base64
import os
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connections, transaction
from django.test import override_settings

import simulator
from accounts.services import user_create
from labs import grader
from labs import services as lab_services
from labs.models import Lab, Submission
from quizzes import services as quiz_services
from quizzes.models import Attempt
from tests.quizzes.bank import make_bank

GOOD = "version: 0.2\nphases:\n  pre_build:\n    commands:\n      - echo ready\n"
# Real races need real connections: PostgreSQL (required in CI). The SQLite test database is
# in memory, where threads share one cache and fail with "table is locked" instead of waiting;
# on a SQLite file the same code is serialised by BEGIN IMMEDIATE (config/settings/base.py).
pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def small_lab() -> Lab:
    """A lab row with one editable file (only what submission_create reads)."""
    spec = {
        "files": {"buildspec.yml": GOOD},
        "scenario": {"kind": "check", "buildspec": "buildspec.yml"},
        "checks": [{"id": "ok", "type": "no_errors", "points": 10}],
        "hints": [],
    }
    return Lab.objects.create(
        slug="race-lab", title="Race", summary="-", domain=1, task="1.1", difficulty="easy",
        minutes=1, spec=spec, source_hash="-",
    )  # fmt: skip


def in_parallel(count: int, work: Callable[[int], Any]) -> list[Any]:
    """Run work(i) in `count` threads released at the same moment; results or exceptions."""
    barrier = threading.Barrier(count)
    results: list[Any] = [None] * count

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[i] = work(i)
        except Exception as exc:
            results[i] = exc
        finally:
            connections.close_all()  # each thread has its own connection

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results


@override_settings(LAB_SUBMISSIONS_PER_MINUTE=6)
def test_twenty_parallel_submissions_respect_the_limit_of_six(monkeypatch) -> None:
    lab = small_lab()
    learner = user_create(username="racer", password="pw-racer-12345")
    monkeypatch.setattr(lab_services, "grading_enqueue", lambda *a, **k: None)

    results = in_parallel(
        20, lambda i: lab_services.submission_create(learner, lab, {"buildspec.yml": GOOD})
    )

    accepted = [r for r in results if isinstance(r, Submission)]
    rejected = [r for r in results if isinstance(r, lab_services.SubmissionRejected)]
    assert len(accepted) == 6, results
    assert len(rejected) == 14, results
    assert all(r.wait_seconds for r in rejected)
    assert Submission.objects.filter(user=learner).count() == 6
    assert sorted(s.number for s in accepted) == [1, 2, 3, 4, 5, 6]


def test_eight_parallel_exam_starts_create_one_running_exam(monkeypatch) -> None:
    make_bank({1: 8, 2: 8, 3: 8, 4: 8})
    learner = user_create(username="examinee", password="pw-exam-12345")
    monkeypatch.setattr(quiz_services, "_schedule_expiry", lambda attempt: None)

    results = in_parallel(8, lambda i: quiz_services.attempt_start_exam(learner, size=10))

    attempts = [r for r in results if isinstance(r, Attempt)]
    assert len(attempts) == 8, results  # every start answers: the same exam, resumed
    assert len({a.pk for a in attempts}) == 1
    running = Attempt.objects.filter(
        user=learner, mode=Attempt.EXAM, status=Attempt.IN_PROGRESS
    ).count()
    assert running == 1


@override_settings(SIGNUPS_PER_ADDRESS=5)
def test_twenty_parallel_signups_from_one_address_create_five_accounts() -> None:
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from accounts.services import SignupThrottled, signup_allow

    def sign_up(i: int):
        with transaction.atomic():
            signup_allow("203.0.113.50")
            return user_create(username=f"parallel{i}", password="pw-parallel-12345")

    results = in_parallel(20, sign_up)
    throttled = [r for r in results if isinstance(r, SignupThrottled)]
    assert len(throttled) == 15, results
    assert get_user_model().objects.filter(username__startswith="parallel").count() == 5


def test_a_grading_that_ends_while_the_sweep_holds_the_queue_never_deadlocks(
    grading_lab, monkeypatch
) -> None:
    """The end of a grading and the sweep take the queue lock, then rows: one order.

    Before, a paused grading locked its row and then the queue (to store its blobs) while the
    sweep held the queue and wrote that row: PostgreSQL ended one with "deadlock detected".
    """
    lab = grading_lab
    learner = user_create(username="sweeper", password="pw-sweeper-12345")
    state = {"world": {"s3": {"body": base64.b64encode(os.urandom(64 * 1024)).decode()}}}
    paused = simulator.ScenarioResult(kind="pipeline", status=simulator.RunStatus.PAUSED)
    monkeypatch.setattr(
        grader, "grade", lambda *a, **k: grader.GradeResult({}, paused, paused_state=state)
    )
    sub = Submission.objects.create(
        user=learner, lab=lab, number=1, files={"buildspec.yml": GOOD}, max_score=10
    )
    claimed = lab_services._claim(sub.pk)
    assert claimed is not None
    queue_held = threading.Event()

    def sweep_like(i: int) -> str:
        if i == 0:  # the sweep: the queue first, then (a moment later) the submission's row
            with transaction.atomic():
                lab_services._queue_lock()
                queue_held.set()
                time.sleep(1.0)  # the grading reaches its final transaction meanwhile
                Submission.objects.filter(pk=sub.pk).update(heartbeat_at=None)
            return "swept"
        assert queue_held.wait(timeout=30)
        done = lab_services.grading_run(claimed)
        return done.status if done is not None else "taken over"

    results = in_parallel(2, sweep_like)
    assert results == ["swept", Submission.Status.AWAITING_APPROVAL], results
    assert Submission.objects.get(pk=sub.pk).status == Submission.Status.AWAITING_APPROVAL
