"""Instructor admin: lists, preview, saves that re-render and mark the edit, read-only progress."""

from __future__ import annotations

import pytest
from django.urls import reverse

from courses.models import Lesson, LessonProgress, Module
from courses.services import progress_set_done

pytestmark = pytest.mark.django_db


def lesson_form(lesson: Lesson, **changes) -> dict:
    data = {
        "module": lesson.module_id,
        "slug": lesson.slug,
        "title": lesson.title,
        "order": lesson.order,
        "published": "on" if lesson.published else "",
        "skills_text": ", ".join(lesson.skills) or "3.4.s3",
        "tags": '["codebuild", "buildspec"]',
        "minutes": lesson.minutes,
        "body_markdown": lesson.body_markdown,
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v != ""}


def test_instructor_sees_module_and_lesson_lists(instructor_client, loaded):
    html = instructor_client.get(reverse("admin:courses_module_changelist")).content.decode()
    assert "CodeBuild basics" in html and "CodeDeploy basics" in html
    response = instructor_client.get(reverse("admin:courses_lesson_changelist"), {"q": "pre_build"})
    assert response.status_code == 200
    assert "Build phases and failures" in response.content.decode()


def test_lesson_change_page_has_rendered_preview(instructor_client, lesson):
    response = instructor_client.get(reverse("admin:courses_lesson_change", args=[lesson.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Rendered preview" in html
    assert '<div class="lesson-preview"' in html and '<h2 id="exam-focus">' in html


def test_admin_save_rerenders_and_marks_the_edit(instructor_client, lesson):
    url = reverse("admin:courses_lesson_change", args=[lesson.pk])
    body = "New text with a table:\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n<script>x()</script>\n"
    response = instructor_client.post(url, lesson_form(lesson, body_markdown=body))
    assert response.status_code == 302, response.content.decode()[:2000]
    lesson.refresh_from_db()
    assert "<table>" in lesson.body_html and "<script" not in lesson.body_html
    assert lesson.edited_in_admin and lesson.edited_in_admin_at is not None


def test_unticking_edited_in_admin_hands_the_lesson_back_to_files(instructor_client, lesson):
    Lesson.objects.filter(pk=lesson.pk).update(edited_in_admin=True)
    lesson.refresh_from_db()
    url = reverse("admin:courses_lesson_change", args=[lesson.pk])
    response = instructor_client.post(url, lesson_form(lesson, edited_in_admin=""))
    assert response.status_code == 302
    lesson.refresh_from_db()
    assert not lesson.edited_in_admin


def test_module_admin_save_marks_the_edit(instructor_client, loaded):
    module = Module.objects.get(slug="codebuild-basics")
    url = reverse("admin:courses_module_change", args=[module.pk])
    data = {
        "title": "Renamed",
        "slug": module.slug,
        "summary": module.summary,
        "order": module.order,
        "domain": module.domain,
        "published": "on",
        "lessons-TOTAL_FORMS": "0",
        "lessons-INITIAL_FORMS": "0",
    }
    response = instructor_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    module.refresh_from_db()
    assert module.title == "Renamed" and module.edited_in_admin


def test_progress_admin_is_read_only(instructor_client, learner, lesson):
    progress = progress_set_done(learner, lesson, done=True)
    changelist = instructor_client.get(reverse("admin:courses_lessonprogress_changelist"))
    assert changelist.status_code == 200 and "alice" in changelist.content.decode()
    url = reverse("admin:courses_lessonprogress_change", args=[progress.pk])
    assert instructor_client.get(url).status_code == 200  # view only
    instructor_client.post(url, {"done_at": ""})
    progress.refresh_from_db()
    assert progress.done_at is not None
    delete_url = reverse("admin:courses_lessonprogress_delete", args=[progress.pk])
    assert instructor_client.post(delete_url, {"post": "yes"}).status_code == 403
    assert LessonProgress.objects.filter(pk=progress.pk).exists()


def test_learners_cannot_use_the_admin(learner_client, loaded):
    response = learner_client.get(reverse("admin:courses_lesson_changelist"))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_admin_rejects_unknown_tags_and_skills(instructor_client, lesson):
    url = reverse("admin:courses_lesson_change", args=[lesson.pk])
    data = lesson_form(lesson, tags='["codebuld"]', skills_text="3.4s3")
    response = instructor_client.post(url, data)
    assert response.status_code == 200  # the form again, with errors
    html = response.content.decode()
    assert "Unknown topic tag(s): codebuld." in html
    assert "Unknown skill id &#x27;3.4s3&#x27;. Did you mean 3.4.s3?" in html
    lesson.refresh_from_db()
    assert lesson.tags == ["codebuild", "buildspec"] and not lesson.edited_in_admin


def test_admin_skills_decide_domain_and_task(instructor_client, lesson):
    url = reverse("admin:courses_lesson_change", args=[lesson.pk])
    response = instructor_client.post(url, lesson_form(lesson, skills_text="2.3.s2, 3.4.s3"))
    assert response.status_code == 302
    lesson.refresh_from_db()
    assert (lesson.skills, lesson.domain, lesson.task) == (["2.3.s2", "3.4.s3"], 2, "2.3")
    assert sorted(lesson.skill_links.values_list("code", flat=True)) == ["2.3.s2", "3.4.s3"]


def test_slugs_cannot_be_changed_in_the_admin(instructor_client, lesson):
    url = reverse("admin:courses_lesson_change", args=[lesson.pk])
    response = instructor_client.post(url, lesson_form(lesson, slug="renamed", title="New"))
    assert response.status_code == 302
    lesson.refresh_from_db()
    assert (lesson.slug, lesson.title) == ("buildspec-structure", "New")
