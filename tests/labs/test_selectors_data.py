"""Lab selectors return data (None for what is not there), the views answer 404, hooks link."""

from __future__ import annotations

import pytest
from django.urls import reverse

from labs import hooks, selectors, services
from labs.models import Lab, Submission
from tests.labs.test_lifecycle import GOOD

pytestmark = pytest.mark.django_db


@pytest.fixture
def no_queue(monkeypatch):
    monkeypatch.setattr(services, "grading_enqueue", lambda pk, shown=None: None)


def test_a_missing_or_unpublished_lab_is_none_and_its_pages_are_404(lab, learner_client):
    assert selectors.lab_get("no-such-lab") is None
    assert selectors.lab_get(lab.slug) == lab
    Lab.objects.filter(pk=lab.pk).update(published=False)
    assert selectors.lab_get(lab.slug) is None
    assert learner_client.get(reverse("labs:lab_detail", args=[lab.slug])).status_code == 404
    assert learner_client.get(f"/api/labs/{lab.slug}/").status_code == 404


def test_another_learners_submission_is_none_for_a_learner_and_found_for_staff(
    lab, learner, other_learner, instructor, client, no_queue
):
    submission = services.submission_create(learner, lab, {"buildspec.yml": GOOD})
    assert selectors.submission_get_for_user(learner, submission.pk) == submission
    assert selectors.submission_get_for_user(other_learner, submission.pk) is None
    assert selectors.submission_get_for_user(instructor, submission.pk) == submission
    assert selectors.submission_get_for_user(learner, 999_999) is None
    client.force_login(other_learner)
    page = client.get(reverse("labs:submission_detail", args=[submission.pk]))
    assert page.status_code == 404
    assert client.get(f"/api/submissions/{submission.pk}/").status_code == 404


def test_catalogue_cards_carry_the_best_score_skills_and_task(lab, learner, no_queue):
    submission = services.submission_create(learner, lab, {"buildspec.yml": GOOD})
    Submission.objects.filter(pk=submission.pk).update(
        status=Submission.Status.GRADED, percent=95.0
    )
    [card] = selectors.lab_list(user=learner)
    assert (card.slug, card.best, card.state, card.passed) == (lab.slug, 95.0, "started", True)
    assert card.task_label.startswith("3.4")
    assert [row.code for row in card.skill_rows] == sorted(lab.skills or [])
    [fresh] = selectors.lab_list()
    assert (fresh.best, fresh.state, fresh.passed) == (None, "new", False)
    assert selectors.lab_list(user=learner, status="done") == []


def test_topic_links_are_built_by_the_hook_for_labs_sharing_a_tag(lab):
    links = hooks.topic_links(["buildspec", "unrelated"])
    assert [(link.kind, link.title, link.url) for link in links] == [
        ("lab", lab.title, reverse("labs:lab_detail", args=[lab.slug]))
    ]
    assert hooks.topic_links(["unrelated"]) == []
