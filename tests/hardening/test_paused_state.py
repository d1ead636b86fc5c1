"""A paused pipeline keeps a compact state: blobs by sha256 outside the row, capped, dropped."""

from __future__ import annotations

import base64
import json
import os

import pytest
from django.test import override_settings

import simulator
from labs import grader, services
from labs.models import PausedBlob, PausedRun, Submission
from tests.labs.conftest import GOOD

pytestmark = pytest.mark.django_db
MIB = 1 << 20


def _state(objects: dict[str, bytes]) -> dict:
    """The shape the pipeline runner saves: the account with S3 bodies in base64."""
    return {
        "execution": {"stages": [{"name": "Approve", "status": "waiting"}]},
        "world": {
            "state": {
                "s3": {
                    "artifacts": {
                        "objects": {
                            key: {"etag": key, "data": base64.b64encode(body).decode()}
                            for key, body in objects.items()
                        }
                    }
                }
            },
            "changes": [],
        },
        "log_lines": ["build started", {"$pa-blob": "not a reference"}],
    }


def _submission(user, lab, number: int = 1) -> Submission:
    return Submission.objects.create(
        user=user, lab=lab, number=number, files={"buildspec.yml": GOOD}, max_score=15
    )


def test_a_large_paused_state_keeps_the_row_small_and_round_trips(lab, learner) -> None:
    bodies = {f"obj{i}": os.urandom(MIB) for i in range(8)}
    bodies["copy"] = bodies["obj0"]  # the same bytes twice: stored once
    state = _state(bodies)
    sub = _submission(learner, lab)
    assert services.paused_state_save(sub, state) is None
    run = PausedRun.objects.get(submission=sub)
    assert run.state_bytes < 4096  # the row holds references, not 12 MB of base64
    assert PausedBlob.objects.count() == 8
    assert len(json.dumps(Submission.objects.filter(pk=sub.pk).values().get(), default=str)) < 4096
    assert services.paused_state_load(sub.pk) == state  # exactly what the runner saved


def test_blobs_are_shared_between_submissions_and_dropped_with_the_last(lab, learner) -> None:
    state = _state({"a": os.urandom(64 * 1024), "b": os.urandom(64 * 1024)})
    first, second = _submission(learner, lab, 1), _submission(learner, lab, 2)
    assert services.paused_state_save(first, state) is None
    assert services.paused_state_save(second, state) is None
    assert PausedBlob.objects.count() == 2
    services.submission_fail(first.pk, "System error: test")
    assert PausedBlob.objects.count() == 2  # still used by the second
    services._paused_drop(second.pk)
    assert not PausedBlob.objects.exists() and not PausedRun.objects.exists()


def test_caps_per_submission_and_per_learner_say_the_limit(lab, learner) -> None:
    with override_settings(LAB_PAUSED_MAX_BYTES=2 * MIB):
        message = services.paused_state_save(
            _submission(learner, lab), _state({"big": os.urandom(3 * MIB)})
        )
    assert message and "limit is 2 MB" in message and "could not be kept" in message
    with override_settings(LAB_PAUSED_MAX_BYTES_PER_LEARNER=3 * MIB):
        assert (
            services.paused_state_save(
                _submission(learner, lab, 2), _state({"x": os.urandom(2 * MIB)})
            )
            is None
        )
        message = services.paused_state_save(
            _submission(learner, lab, 3), _state({"y": os.urandom(2 * MIB)})
        )
    assert message and "limit is 3 MB" in message and "other paused pipelines" in message
    assert PausedRun.objects.count() == 1


def _paused_result(state: dict) -> grader.GradeResult:
    result = simulator.ScenarioResult(kind="pipeline", status=simulator.RunStatus.PAUSED)
    return grader.GradeResult({}, result, paused_state=state)


def test_grading_pauses_then_resumes_from_the_stored_state_and_drops_it(
    lab,
    learner,
    monkeypatch,
) -> None:
    state = _state({"artifact.zip": os.urandom(256 * 1024)})
    real_grade = grader.grade
    seen: list[object] = []

    def fake(spec, files, *, approval=None, resume=None, **kwargs):
        if approval is None:
            return _paused_result(state)
        seen.append(resume)
        return real_grade(spec, files, **kwargs)

    monkeypatch.setattr(grader, "grade", fake)
    monkeypatch.setattr(services, "grading_enqueue", lambda pk, shown=None: None)
    sub = _submission(learner, lab)
    paused = services.submission_grade(sub.pk)
    assert paused.status == Submission.Status.AWAITING_APPROVAL
    assert PausedRun.objects.filter(submission=sub).exists()
    services.submission_decide_approval(paused, approve=True)
    graded = services.submission_grade(sub.pk)
    assert graded.status == Submission.Status.GRADED
    assert seen == [state]  # resumed from exactly the saved state
    assert not PausedRun.objects.exists() and not PausedBlob.objects.exists()


def test_an_oversized_pause_ends_as_the_learners_message(lab, learner, monkeypatch) -> None:
    monkeypatch.setattr(
        grader, "grade", lambda *a, **k: _paused_result(_state({"z": os.urandom(2 * MIB)}))
    )
    sub = _submission(learner, lab)
    with override_settings(LAB_PAUSED_MAX_BYTES=1 * MIB):
        done = services.submission_grade(sub.pk)
    assert done.status == Submission.Status.ERROR
    assert "limit is 1 MB" in done.error_message
    assert not PausedRun.objects.exists()


def test_pages_that_show_submissions_never_load_paused_state(
    lab, learner, instructor, client
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    sub = _submission(learner, lab)
    Submission.objects.filter(pk=sub.pk).update(status=Submission.Status.AWAITING_APPROVAL)
    assert services.paused_state_save(sub, _state({"big": os.urandom(MIB)})) is None
    for user, url in (
        (learner, f"/labs/{lab.slug}/"),
        (instructor, f"/labs/{lab.slug}/submissions/"),  # every learner's submissions
        (learner, f"/labs/submissions/{sub.pk}/"),
        (learner, f"/api/submissions/{sub.pk}/"),
    ):
        client.force_login(user)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200, url
        touched = [q["sql"] for q in queries if "paused" in q["sql"]]  # table or column
        assert not touched, (url, touched)
        assert len(response.content) < 512 * 1024, url
