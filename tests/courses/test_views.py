"""Study pages: module list, module page, lesson page, 404s, previews and the query budget."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from courses.models import Lesson, LessonProgress, Module
from courses.services import progress_set_done

from .content import load

pytestmark = pytest.mark.django_db


def lesson_url(module: str, slug: str) -> str:
    return reverse("courses:lesson_detail", args=[module, slug])


def test_module_list_for_anonymous_visitor(client, loaded):
    response = client.get(reverse("courses:module_list"))
    assert response.status_code == 200
    assert response.context["nav_active"] == "study"
    html = response.content.decode()
    assert "CodeBuild basics" in html and "CodeDeploy basics" in html
    assert html.index("CodeBuild basics") < html.index("CodeDeploy basics")
    assert "Log in</a> to track your progress" in html
    assert 'role="progressbar"' not in html


def test_module_list_follows_module_order_not_slugs(client, content_root):
    for slug, order in (("codebuild-basics", 2), ("codedeploy-basics", 1)):
        path = content_root / "modules" / slug / "module.yaml"
        path.write_text(re.sub(r"order: \d+", f"order: {order}", path.read_text()))
    load(content_root)
    rows = client.get(reverse("courses:module_list")).context["rows"]
    assert [row.module.slug for row in rows] == ["codedeploy-basics", "codebuild-basics"]


def test_module_list_shows_progress_and_resume(learner_client, learner, lesson):
    progress_set_done(learner, lesson, done=True)
    learner_client.get(lesson_url("codedeploy-basics", "appspec-hooks"))
    html = learner_client.get(reverse("courses:module_list")).content.decode()
    assert 'aria-valuenow="50"' in html and "1 of 2 done" in html
    assert "0 of 1 done" in html
    assert "Resume where you left off" in html
    assert f'href="{lesson_url("codedeploy-basics", "appspec-hooks")}">Appspec hooks' in html


def test_module_page_lists_lessons_with_done_ticks(learner_client, learner, lesson):
    progress_set_done(learner, lesson, done=True)
    response = learner_client.get(reverse("courses:module_detail", args=["codebuild-basics"]))
    html = response.content.decode()
    assert html.count('class="lesson-row is-done"') == 1
    assert 'Buildspec structure</a>\n    <span class="visually-hidden">(done)</span>' in html
    assert "1 of 2 done" in html


def test_lesson_page_content_toc_links_and_neighbours(client, loaded):
    response = client.get(lesson_url("codebuild-basics", "build-phases"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1" in html and "Build phases and failures" in html
    assert "post_build still runs" in html
    assert 'href="#exam-focus"' in html  # table of contents
    # Related quizzes/labs come from the topic-link hook (a stand-in provider in these tests).
    assert 'href="/quizzes/?tag=codebuild"' in html
    # Previous in the same module, next across into the following module.
    assert response.context["previous"].slug == "buildspec-structure"
    assert response.context["next"].module_slug == "codedeploy-basics"
    assert 'rel="next"' in html and 'rel="prev"' in html
    assert "Log in</a> to mark lessons as done" in html


def test_first_and_last_lessons_have_one_neighbour(client, loaded):
    first = client.get(lesson_url("codebuild-basics", "buildspec-structure")).context
    last = client.get(lesson_url("codedeploy-basics", "appspec-hooks")).context
    assert first["previous"] is None and first["next"].slug == "build-phases"
    assert last["next"] is None and last["previous"].slug == "build-phases"


def test_unknown_module_and_lesson_are_404(client, loaded):
    assert client.get(reverse("courses:module_detail", args=["nope"])).status_code == 404
    assert client.get(lesson_url("codebuild-basics", "nope")).status_code == 404
    assert client.get(lesson_url("codedeploy-basics", "build-phases")).status_code == 404


def test_unpublished_lesson_is_404_for_learners_and_previewable_by_instructors(
    client, learner, instructor, lesson
):
    Lesson.objects.filter(pk=lesson.pk).update(published=False)
    url = lesson_url("codebuild-basics", "buildspec-structure")
    assert client.get(url).status_code == 404
    client.force_login(learner)
    response = client.get(url)
    assert response.status_code == 404
    assert b"Page not found" in response.content
    client.force_login(instructor)
    response = client.get(url)
    assert response.status_code == 200 and b"preview: unpublished" in response.content


def test_unpublished_module_hides_its_lessons(client, learner, instructor, loaded):
    Module.objects.filter(slug="codedeploy-basics").update(published=False)
    client.force_login(learner)
    assert (
        client.get(reverse("courses:module_detail", args=["codedeploy-basics"])).status_code == 404
    )
    assert client.get(lesson_url("codedeploy-basics", "appspec-hooks")).status_code == 404
    assert b"CodeDeploy basics" not in client.get(reverse("courses:module_list")).content
    # Course order skips it: the last published lesson has no next.
    assert client.get(lesson_url("codebuild-basics", "build-phases")).context["next"] is None
    client.force_login(instructor)
    assert (
        client.get(reverse("courses:module_detail", args=["codedeploy-basics"])).status_code == 200
    )


def test_lesson_page_query_budget(learner_client, learner, lesson, django_assert_max_num_queries):
    url = lesson_url("codebuild-basics", "buildspec-structure")
    learner_client.get(url)  # first view creates the progress row
    # Session, user, lesson, progress read + update, course order: 6 of ours. The stand-in
    # topic-link provider makes none; the real quiz and lab providers get the rest of the 10.
    with django_assert_max_num_queries(7):
        response = learner_client.get(url)
    assert response.status_code == 200


def test_lesson_page_query_budget_anonymous(client, lesson, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        assert client.get(lesson_url("codebuild-basics", "buildspec-structure")).status_code == 200


def test_viewing_a_lesson_records_last_view(learner_client, learner, lesson):
    learner_client.get(lesson_url("codebuild-basics", "buildspec-structure"))
    progress = LessonProgress.objects.get(user=learner, lesson=lesson)
    assert progress.last_viewed_at is not None and progress.done_at is None
