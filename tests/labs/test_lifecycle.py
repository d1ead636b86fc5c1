"""The grading lifecycle: history per regrade, best results that never regress, the learner's
approval decision reused, regrades outside the rate limit, confirmation and progress."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from core.content import LoadReport
from labs import selectors, services
from labs.loading import lab_upsert
from labs.models import Grading, Lab, Submission
from labs.spec import parse_lab
from tests.labs.conftest import GOOD

pytestmark = pytest.mark.django_db
BAD = "version: 0.2\nphases:\n  build:\n    commands: []\n  bogus: 1\n"


@pytest.fixture
def no_queue(monkeypatch):
    queued: list[int] = []
    monkeypatch.setattr(services, "grading_enqueue", lambda pk, shown=None: queued.append(pk))
    return queued


def graded(user, lab, text=GOOD) -> Submission:
    return services.submission_grade(
        services.submission_create(user, lab, {"buildspec.yml": text}).pk
    )


def test_a_regrade_adds_a_grading_and_keeps_the_earlier_ones(lab, learner, instructor, no_queue):
    sub = graded(learner, lab)
    services.lab_regrade_all(lab, by=instructor)
    services.submission_grade(sub.pk)
    history = selectors.submission_history(sub)
    assert [g.kind for g in history] == [Grading.Kind.SUBMIT, Grading.Kind.REGRADE]
    assert history[1].requested_by == instructor
    assert all(g.percent == 100.0 for g in history)


def test_best_result_never_goes_down_after_a_stricter_regrade(lab, learner, no_queue):
    sub = graded(learner, lab)
    # The instructor makes a check stricter: the same files now score less.
    spec = dict(lab.spec)
    spec["checks"] = [
        *spec["checks"],
        {
            "id": "new",
            "type": "document_has",
            "points": 15,
            "feedback": "",
            "params": {"file": "buildspec.yml", "path": "phases.post_build"},
            "lesson": "",
            "title": "",
        },
    ]
    Lab.objects.filter(pk=lab.pk).update(spec=spec)
    services.lab_regrade_all(lab)
    services.submission_grade(sub.pk)
    assert Submission.objects.get(pk=sub.pk).percent == 50.0
    [row] = selectors.lab_list(user=learner)
    assert row.best == 100.0 and row.state == "done"


def test_regrades_neither_count_against_the_rate_limit_nor_move_created_at(lab, learner, no_queue):
    subs = [graded(learner, lab) for _ in range(settings.LAB_SUBMISSIONS_PER_MINUTE - 1)]
    long_ago = timezone.now() - timedelta(minutes=5)
    Submission.objects.filter(pk=subs[0].pk).update(created_at=long_ago)
    services.lab_regrade_all(lab)
    for sub in subs:
        services.submission_grade(sub.pk)
    assert Submission.objects.get(pk=subs[0].pk).created_at == long_ago
    services.submission_create(learner, lab, {"buildspec.yml": GOOD})  # still allowed


def test_a_regrade_that_keeps_crashing_leaves_the_previous_grade(
    lab, learner, no_queue, monkeypatch
):
    sub = graded(learner, lab)
    services.lab_regrade_all(lab)
    Submission.objects.filter(pk=sub.pk).update(grading_attempts=settings.LAB_MAX_GRADING_ATTEMPTS)
    assert services.submission_grade(sub.pk) is None
    after = Submission.objects.get(pk=sub.pk)
    assert after.status == "graded" and after.percent == 100.0 and not after.regrade_pending
    assert "previous one" in after.error_message


def test_stale_regrades_are_recovered(lab, learner, no_queue):
    sub = graded(learner, lab)
    services.lab_regrade_all(lab)
    Submission.objects.filter(pk=sub.pk).update(
        regrade_requested_at=timezone.now() - timedelta(hours=1)
    )
    no_queue.clear()
    assert services.submissions_recover_stale() == [sub.pk]


# --- a pipeline lab: the learner's decision is reused ----------------------------------------------


@pytest.fixture
def pipeline_lab(db) -> Lab:
    return lab_upsert(
        parse_lab(Path(settings.CONTENT_ROOT) / "labs" / "complete-pipeline"), LoadReport()
    )


@pytest.mark.sandbox
@pytest.mark.parametrize("decision", [True, False])
def test_regrade_resolves_the_pipeline_with_the_learners_decision(
    pipeline_lab, learner, no_queue, decision
):
    files = pipeline_lab.spec["reference"]
    sub = services.submission_grade(services.submission_create(learner, pipeline_lab, files).pk)
    assert sub.status == Submission.Status.AWAITING_APPROVAL
    services.submission_decide_approval(sub, approve=decision)
    first = services.submission_grade(sub.pk)
    services.lab_regrade_all(pipeline_lab)
    again = services.submission_grade(sub.pk)
    assert again.status == Submission.Status.GRADED  # never back to "waiting for approval"
    assert again.approval == ("approved" if decision else "rejected")
    assert again.percent == first.percent
    assert again.outcome["pipeline"]["decision"] == again.approval
    assert [g.kind for g in again.gradings.all()] == ["approval", "regrade"]


# --- views and API -------------------------------------------------------------------------------


def test_regrade_all_asks_for_confirmation_then_shows_progress(
    lab, learner, instructor_client, no_queue
):
    graded(learner, lab)
    url = reverse("labs:lab_submissions", args=[lab.slug])
    response = instructor_client.post(url)
    assert response.status_code == 200 and b"Regrade 1 finished submission?" in response.content
    assert no_queue == [] and not Submission.objects.filter(regrade_pending=True).exists()
    response = instructor_client.post(url, {"confirm": "yes"}, follow=True)
    assert b"Regrading: 0 of 1 done." in response.content
    progress = instructor_client.get(reverse("labs:regrade_progress", args=[lab.slug])).json()
    assert progress == {"total": 1, "pending": 1, "done": 0}


def test_learners_cannot_regrade_or_read_progress(lab, learner_client):
    url = reverse("labs:regrade_progress", args=[lab.slug])
    assert learner_client.get(url).status_code in (302, 403)


def test_approval_api_resumes_the_pipeline_and_returns_the_submission(
    lab, learner, learner_client, no_queue
):
    sub = services.submission_create(learner, lab, {"buildspec.yml": GOOD})
    Submission.objects.filter(pk=sub.pk).update(status=Submission.Status.AWAITING_APPROVAL)
    url = f"/api/submissions/{sub.pk}/approval/"
    response = learner_client.post(url, {"decision": "approve"}, content_type="application/json")
    assert response.status_code == 200
    assert response.json()["approval"] == "approved"
    again = learner_client.post(url, {"decision": "reject"}, content_type="application/json")
    assert again.status_code == 409 and "not waiting" in again.json()["detail"]
    bad = learner_client.post(url, {"decision": "maybe"}, content_type="application/json")
    assert bad.status_code == 400


def test_approval_by_htmx_answers_with_the_live_status_that_polls(
    lab, learner, learner_client, no_queue
):
    sub = services.submission_create(learner, lab, {"buildspec.yml": GOOD})
    Submission.objects.filter(pk=sub.pk).update(status=Submission.Status.AWAITING_APPROVAL)
    response = learner_client.post(
        reverse("labs:submission_approve", args=[sub.pk]),
        {"decision": "reject"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert b'id="submission-status"' in response.content and b"hx-trigger" in response.content
    assert b"rejected" in response.content


def test_lab_skills_are_loaded_and_counted_for_readiness(lab, learner, no_queue):
    assert Lab.objects.get(pk=lab.pk).skills == []
    Lab.objects.filter(pk=lab.pk).update(skills=["3.4.s3"])
    graded(learner, lab)
    assert selectors.labs_done_skills(learner) == {"3.4.s3": 1}
