"""Submissions: validation, rate limit, idempotent grading, crashes, hints, approvals, regrade."""

from __future__ import annotations

import pytest
from django.test import override_settings
from django.utils import timezone

from labs import services
from labs.models import Submission
from tests.labs.conftest import GOOD

pytestmark = pytest.mark.django_db


@pytest.fixture
def no_queue(monkeypatch):
    """Record enqueued ids instead of sending them to a broker."""
    queued: list[int] = []
    monkeypatch.setattr(services, "grading_enqueue", lambda pk, shown=None: queued.append(pk))
    return queued


def submit(user, lab, text=GOOD, django_capture_on_commit_callbacks=None):
    return services.submission_create(user, lab, {"buildspec.yml": text})


def test_submission_is_recorded_numbered_and_queued_after_commit(
    lab, learner, no_queue, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = submit(learner, lab)
        second = submit(learner, lab)
    assert (first.number, second.number) == (1, 2)
    assert no_queue == [first.pk, second.pk]
    assert first.status == Submission.Status.QUEUED
    assert first.max_score == 15


def test_grading_scores_the_checks(lab, learner, no_queue):
    sub = submit(learner, lab)
    graded = services.submission_grade(sub.pk)
    assert graded.status == Submission.Status.GRADED
    assert (graded.score, graded.percent) == (15, 100.0)
    assert all(r["passed"] for r in graded.results)


def test_grading_a_broken_file_fails_checks_with_feedback(lab, learner, no_queue):
    sub = submit(learner, lab, "version: 0.2\nphases:\n  build:\n    commands: []\n  bogus: 1\n")
    graded = services.submission_grade(sub.pk)
    failed = {r["id"]: r for r in graded.results if not r["passed"]}
    assert "valid" in failed and failed["valid"]["feedback"] == "Fix the errors."
    assert graded.score < graded.max_score
    assert graded.findings["buildspec.yml"]


def test_grading_twice_is_a_no_op(lab, learner, no_queue):
    sub = submit(learner, lab)
    services.submission_grade(sub.pk)
    finished_at = Submission.objects.get(pk=sub.pk).finished_at
    assert services.submission_grade(sub.pk) is None
    sub.refresh_from_db()
    assert sub.grading_attempts == 1 and sub.finished_at == finished_at


def test_a_running_grading_is_not_taken_twice_but_a_stale_one_is(lab, learner, no_queue, settings):
    sub = submit(learner, lab)
    Submission.objects.filter(pk=sub.pk).update(
        status=Submission.Status.RUNNING, started_at=timezone.now(), grading_attempts=1
    )
    with pytest.raises(services.GradingBusy) as busy:  # another worker is on it
        services.submission_grade(sub.pk)
    assert 1 <= busy.value.retry_in <= settings.LAB_GRADING_STALE_SECONDS + 1
    stale = timezone.now() - timezone.timedelta(seconds=settings.LAB_GRADING_STALE_SECONDS + 5)
    Submission.objects.filter(pk=sub.pk).update(started_at=stale)
    graded = services.submission_grade(sub.pk)  # its worker died: grade it now
    assert graded.status == Submission.Status.GRADED and graded.grading_attempts == 2


def test_two_lost_gradings_end_as_system_error_not_a_loop(lab, learner, no_queue, settings):
    sub = submit(learner, lab)
    stale = timezone.now() - timezone.timedelta(seconds=settings.LAB_GRADING_STALE_SECONDS + 5)
    Submission.objects.filter(pk=sub.pk).update(
        status=Submission.Status.RUNNING, started_at=stale, grading_attempts=2
    )
    assert services.submission_grade(sub.pk) is None
    sub.refresh_from_db()
    assert sub.status == Submission.Status.ERROR
    assert "System error" in sub.error_message


def test_task_retries_once_then_records_system_error(lab, learner, no_queue, monkeypatch):
    from labs import grader, tasks

    sub = submit(learner, lab)
    calls = []

    def crash(*args, **kwargs):
        calls.append(1)
        raise RuntimeError("grader bug")

    monkeypatch.setattr(grader, "grade", crash)
    with override_settings(CELERY_TASK_ALWAYS_EAGER=True):
        tasks.grade_submission.apply(args=(sub.pk,))
    sub.refresh_from_db()
    assert len(calls) == 2
    assert sub.status == Submission.Status.ERROR
    assert "failed twice" in sub.error_message


def test_unknown_files_and_oversized_files_are_refused(lab, learner, no_queue, settings):
    with pytest.raises(services.SubmissionRejected, match="Unknown file"):
        services.submission_create(learner, lab, {"evil.sh": "rm -rf /"})
    with pytest.raises(services.SubmissionRejected, match="larger than"):
        services.submission_create(
            learner, lab, {"buildspec.yml": "#" * (settings.LAB_MAX_FILE_BYTES + 1)}
        )
    assert not Submission.objects.exists()


def test_rate_limit_says_how_long_to_wait(lab, learner, no_queue, settings):
    settings.LAB_SUBMISSIONS_PER_MINUTE = 2
    submit(learner, lab)
    submit(learner, lab)
    with pytest.raises(services.SubmissionRejected) as info:
        submit(learner, lab)
    assert 1 <= info.value.wait_seconds <= 61
    assert f"try again in {info.value.wait_seconds} s" in info.value.message


def test_hints_cost_points_on_later_submissions(lab, learner, no_queue):
    services.hint_reveal(learner, lab, 0)
    services.hint_reveal(learner, lab, 0)  # idempotent
    graded = services.submission_grade(submit(learner, lab).pk)
    assert graded.hint_penalty == 2 and graded.score == 13
    with pytest.raises(services.SubmissionRejected, match="no hint #5"):
        services.hint_reveal(learner, lab, 4)


def test_drafts_keep_what_was_typed(lab, learner):
    assert services.draft_files(learner, lab)["buildspec.yml"].startswith(
        "version: 0.2\nphases: {}"
    )
    services.draft_save(learner, lab, {"buildspec.yml": "typed text"})
    assert services.draft_files(learner, lab) == {"buildspec.yml": "typed text"}


def test_regrade_all_requeues_finished_submissions_without_hiding_their_grade(
    lab, learner, other_learner, no_queue, django_capture_on_commit_callbacks
):
    a = services.submission_grade(submit(learner, lab).pk)
    b = services.submission_grade(submit(other_learner, lab).pk)
    no_queue.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.lab_regrade_all(lab) == 2
    assert sorted(no_queue) == sorted([a.pk, b.pk])
    # Until the new grade is recorded, learners see the old one.
    assert set(Submission.objects.values_list("status", flat=True)) == {"graded"}
    assert set(Submission.objects.values_list("percent", flat=True)) == {100.0}
    services.submission_grade(a.pk)
    regraded = Submission.objects.get(pk=a.pk)
    assert regraded.status == "graded" and not regraded.regrade_pending
    assert regraded.created_at == a.created_at


def test_approval_decision_only_when_waiting(lab, learner, no_queue):
    sub = submit(learner, lab)
    with pytest.raises(services.SubmissionRejected, match="not waiting"):
        services.submission_decide_approval(sub, approve=True)
    Submission.objects.filter(pk=sub.pk).update(status=Submission.Status.AWAITING_APPROVAL)
    assert services.submission_grade(sub.pk) is None  # nothing to do until the learner decides
    decided = services.submission_decide_approval(sub, approve=False)
    assert decided.approval == "rejected"
    with pytest.raises(services.SubmissionRejected):
        services.submission_decide_approval(sub, approve=True)


def test_task_requeues_a_delivery_that_arrives_while_grading_runs(
    lab, learner, no_queue, monkeypatch
):
    from labs import tasks

    sub = submit(learner, lab)
    Submission.objects.filter(pk=sub.pk).update(
        status=Submission.Status.RUNNING, started_at=timezone.now(), grading_attempts=1
    )
    requeued = []
    monkeypatch.setattr(
        tasks.grade_submission,
        "apply_async",
        lambda args, countdown: requeued.append((args, countdown)),
    )
    with override_settings(CELERY_TASK_ALWAYS_EAGER=True):
        tasks.grade_submission.apply(args=(sub.pk,))
    assert len(requeued) == 1 and requeued[0][0] == (sub.pk,) and requeued[0][1] >= 1
    sub.refresh_from_db()
    assert sub.status == Submission.Status.RUNNING and sub.grading_attempts == 1


def test_recovery_requeues_only_stale_running_and_lost_queued(
    lab, learner, other_learner, no_queue, settings
):
    old = timezone.now() - timezone.timedelta(seconds=settings.LAB_GRADING_STALE_SECONDS + 5)
    stale_running = submit(learner, lab)
    fresh_running = submit(learner, lab)
    lost_queued = submit(other_learner, lab)
    fresh_queued = submit(other_learner, lab)
    Submission.objects.filter(pk=stale_running.pk).update(status="running", started_at=old)
    Submission.objects.filter(pk=fresh_running.pk).update(
        status="running", started_at=timezone.now()
    )
    Submission.objects.filter(pk=lost_queued.pk).update(created_at=old)
    no_queue.clear()
    assert sorted(services.submissions_recover_stale()) == sorted(
        [stale_running.pk, lost_queued.pk]
    )
    assert sorted(no_queue) == sorted([stale_running.pk, lost_queued.pk])
    assert fresh_queued.pk not in no_queue
    services.submission_grade(stale_running.pk)
    assert Submission.objects.get(pk=stale_running.pk).status == "graded"


def test_worker_start_removes_sandbox_leftovers(monkeypatch, tmp_path):
    from types import SimpleNamespace

    import simulator
    from labs import tasks

    calls = []

    def remove_leftovers():
        calls.append(True)
        return SimpleNamespace(removed=("/tmp/pa-lab-old",), failed=())

    monkeypatch.setattr(simulator, "remove_sandbox_leftovers", remove_leftovers)
    from celery.signals import worker_ready

    worker_ready.send(sender=None)
    assert calls == [True]
    assert tasks.remove_sandbox_leftovers() == 1
