"""A grading whose worker died is queued again within 60 s and recorded exactly once."""

from __future__ import annotations

import os
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from labs import grader, services, tasks
from labs.models import Grading, Submission
from tests.labs.conftest import GOOD


@pytest.fixture
def published(monkeypatch) -> list[int]:
    sent: list[int] = []
    monkeypatch.setattr(services, "grading_enqueue", lambda pk, shown=None: sent.append(pk))
    return sent


def _submit(user, lab) -> Submission:
    return services.submission_create(user, lab, {"buildspec.yml": GOOD})


@pytest.mark.django_db
def test_a_silent_grading_is_recovered_within_a_minute_and_graded_once(lab, learner, published):
    sub = _submit(learner, lab)
    dead = services.grading_claim_next()  # this run's worker dies now: no more heartbeats
    assert dead is not None and dead.pk == sub.pk
    died = dead.heartbeat_at
    published.clear()
    assert services.submissions_recover_stale(now=died + timedelta(seconds=5)) == []
    # The sweep runs every LAB_GRADING_SWEEP_SECONDS: the first one after the lost window.
    at = died + timedelta(
        seconds=settings.LAB_GRADING_LOST_SECONDS + settings.LAB_GRADING_SWEEP_SECONDS
    )
    assert (at - died).total_seconds() <= 60
    assert services.submissions_recover_stale(now=at) == [sub.pk]
    assert published == [sub.pk]
    row = Submission.objects.get(pk=sub.pk)
    assert row.status == Submission.Status.QUEUED and row.run_token == ""
    again = services.grading_claim_next()
    assert again is not None and again.pk == sub.pk and again.grading_attempts == 2
    services.grading_run(again)
    # The "dead" run was only slow: it finishes late and must not record a second result.
    assert services.grading_run(dead) is None
    assert Grading.objects.filter(submission=sub).count() == 1
    assert services.submissions_recover_stale() == []  # nothing left to recover


@pytest.mark.django_db
def test_a_lost_regrade_is_recovered_and_the_shown_grade_stays(lab, learner, published):
    sub = _submit(learner, lab)
    services.submission_grade(sub.pk)
    services.lab_regrade_all(lab)
    claimed = services.grading_claim_next()
    assert claimed is not None and claimed.regrade_pending
    later = timezone.now() + timedelta(seconds=settings.LAB_GRADING_LOST_SECONDS + 1)
    assert services.submissions_recover_stale(now=later) == [sub.pk]
    row = Submission.objects.get(pk=sub.pk)
    assert row.status == Submission.Status.GRADED and row.regrade_pending
    assert row.regrade_started_at is None


@pytest.mark.django_db
def test_work_without_a_wake_up_gets_one(lab, learner, published):
    sub = _submit(learner, lab)  # published by nobody: the broker was down, say
    Submission.objects.filter(pk=sub.pk).update(enqueued_at=None)
    later = timezone.now() + timedelta(seconds=settings.LAB_GRADING_LOST_SECONDS + 1)
    assert services.submissions_recover_stale(now=later) == [sub.pk]


@pytest.mark.django_db(transaction=True)
def test_a_running_grading_beats_and_is_not_taken_over(
    lab, learner, published, settings, monkeypatch
):
    settings.LAB_GRADING_HEARTBEAT_SECONDS = 0.05
    settings.LAB_GRADING_LOST_SECONDS = 0.5
    real_grade = grader.grade
    beats: list[object] = []

    def slow_grade(*args, **kwargs):
        end = time.monotonic() + 1.5  # three lost windows long
        while time.monotonic() < end:
            time.sleep(0.1)
            beats.append(Submission.objects.get(pk=sub.pk).heartbeat_at)
            assert services.submissions_recover_stale() == []  # alive: never taken over
        return real_grade(*args, **kwargs)

    monkeypatch.setattr(grader, "grade", slow_grade)
    sub = _submit(learner, lab)
    graded = services.submission_grade(sub.pk)
    assert graded is not None and graded.status == Submission.Status.GRADED
    assert len(set(beats)) >= 5  # the heartbeat moved while the grading ran


@pytest.mark.django_db(transaction=True)
def test_the_workers_own_timer_sweeps(lab, learner, published, settings):
    sub = _submit(learner, lab)
    services.grading_claim_next()
    Submission.objects.filter(pk=sub.pk).update(heartbeat_at=timezone.now() - timedelta(hours=1))
    published.clear()
    tasks.recovery_loop(threading.Event(), rounds=1)
    assert published == [sub.pk]
    assert Submission.objects.get(pk=sub.pk).status == Submission.Status.QUEUED


def test_a_dead_pool_process_folders_are_removed_and_live_ones_kept(tmp_path) -> None:
    import subprocess
    import sys

    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()  # a pool process killed mid-grading: its pid is free now
    dead = tmp_path / f"{tasks.WORKER_TEMP_PREFIX}{gone.pid}-abc"
    live = tmp_path / f"{tasks.WORKER_TEMP_PREFIX}{os.getpid()}-def"
    for folder in (dead, live):
        deep = folder / "pa-sbx-1" / "src" / "a" / "b"
        deep.mkdir(parents=True)
        (deep / "artifact.zip").write_bytes(b"x" * 1000)
    assert tasks.remove_dead_process_folders(tmp_path) == [str(dead)]
    assert not dead.exists() and live.exists()


def test_a_pool_process_gets_its_own_temp_folder_and_removes_it(tmp_path, monkeypatch) -> None:
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    folder = tasks.private_temp_dir()
    try:
        assert folder.parent == tmp_path and tempfile.gettempdir() == str(folder)
        assert folder.name.startswith(f"{tasks.WORKER_TEMP_PREFIX}{os.getpid()}-")
        made = Path(tempfile.mkdtemp(prefix="pa-build-"))
        assert made.parent == folder  # the simulator's run folders land inside it
    finally:
        tasks.remove_private_temp_dir()
    assert not folder.exists()
