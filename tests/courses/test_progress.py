"""Progress: mark done / not done (form and htmx), resume, dashboard panel, never deleted."""

from __future__ import annotations

import pytest
from django.db.models import ProtectedError
from django.test import RequestFactory
from django.urls import reverse

from courses.models import Lesson, LessonProgress
from courses.selectors import dashboard_panel, resume_lesson
from courses.services import progress_record_view, progress_set_done

pytestmark = pytest.mark.django_db

# Literal paths (not reverse() at import time): the URLs themselves are part of the contract.
PROGRESS_URL = "/study/codebuild-basics/buildspec-structure/progress/"
LESSON_URL = "/study/codebuild-basics/buildspec-structure/"


def test_mark_done_and_not_done_with_a_plain_form(learner_client, learner, lesson):
    response = learner_client.post(PROGRESS_URL, {"done": "1"})
    assert response.status_code == 302 and response["Location"] == LESSON_URL
    progress = LessonProgress.objects.get(user=learner, lesson=lesson)
    assert progress.done_at is not None
    html = learner_client.get(LESSON_URL).content.decode()
    assert "You marked this lesson as done." in html and "Mark as not done" in html

    learner_client.post(PROGRESS_URL, {"done": "0"})
    progress.refresh_from_db()
    assert progress.done_at is None
    assert "Mark as done" in learner_client.get(LESSON_URL).content.decode()


def test_mark_done_with_htmx_returns_the_control(learner_client, learner, lesson):
    response = learner_client.post(PROGRESS_URL, {"done": "1"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<div class="progress-control" id="progress-control">')
    assert 'role="status"' in html and "Mark as not done" in html
    assert "<html" not in html


def test_marking_done_twice_keeps_the_first_completion_time(learner, lesson):
    first = progress_set_done(learner, lesson, done=True).done_at
    assert progress_set_done(learner, lesson, done=True).done_at == first


def test_progress_needs_login(client, lesson):
    response = client.post(PROGRESS_URL, {"done": "1"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert response["Location"].endswith(f"?next={LESSON_URL}")
    assert not LessonProgress.objects.exists()


def test_progress_needs_a_valid_value(learner_client, lesson):
    response = learner_client.post(PROGRESS_URL, {"done": "yes"})
    assert response.status_code == 400 and b"done=1" in response.content
    assert learner_client.get(PROGRESS_URL).status_code == 405


def test_progress_on_unpublished_lesson_is_404(learner_client, lesson):
    Lesson.objects.filter(pk=lesson.pk).update(published=False)
    assert learner_client.post(PROGRESS_URL, {"done": "1"}).status_code == 404


def test_progress_is_per_user(learner, other_learner, lesson):
    progress_set_done(learner, lesson, done=True)
    assert not LessonProgress.objects.filter(user=other_learner).exists()


def test_resume_is_the_last_viewed_published_lesson(learner, loaded):
    first = Lesson.objects.get(slug="buildspec-structure")
    second = Lesson.objects.get(slug="appspec-hooks")
    assert resume_lesson(learner) is None
    progress_record_view(learner, first)
    progress_record_view(learner, second)
    assert resume_lesson(learner) == second
    Lesson.objects.filter(pk=second.pk).update(published=False)
    assert resume_lesson(learner) == first


def test_dashboard_panel(learner, lesson):
    progress_set_done(learner, lesson, done=True)
    progress_record_view(learner, lesson)
    request = RequestFactory().get("/dashboard/")
    request.user = learner
    panel = dashboard_panel(request)
    assert panel.title == "Study progress"
    assert (panel.context["done"], panel.context["total"], panel.context["percent"]) == (1, 3, 33)
    # The lesson just finished is done: "Resume" points at the next one, not back at it.
    assert panel.context["resume"] not in (None, lesson)
    assert panel.context["resume"].module.order >= lesson.module.order
    assert [row.done_count for row in panel.context["rows"]] == [1, 0]


def test_dashboard_page_shows_the_panel(learner_client, learner, lesson):
    progress_record_view(learner, lesson)
    html = learner_client.get(reverse("core:dashboard")).content.decode()
    assert "Study progress" in html and "Resume: Buildspec structure" in html


def test_lesson_with_progress_cannot_be_deleted(learner, lesson):
    progress_set_done(learner, lesson, done=True)
    with pytest.raises(ProtectedError):
        lesson.delete()


def test_resume_goes_to_the_next_unfinished_lesson(learner, loaded):
    from courses.selectors import _published_lessons

    sequence = list(_published_lessons().order_by("module__order", "module__slug", "order", "slug"))
    assert len(sequence) >= 3
    first, second, third = sequence[0], sequence[1], sequence[2]
    progress_record_view(learner, first)
    assert resume_lesson(learner) == first  # opened, not done: resume it
    progress_set_done(learner, first, done=True)
    assert resume_lesson(learner) == second  # done: the next lesson
    progress_set_done(learner, third, done=True)
    progress_record_view(learner, third)
    # From the last lesson done, the next not done after it, wrapping to the start of the course.
    assert resume_lesson(learner) == (sequence[3] if len(sequence) > 3 else second)
    for lesson in sequence:
        progress_set_done(learner, lesson, done=True)
    assert resume_lesson(learner) is None  # all done
