"""Authoring in the admin (validation, preview, edit tracking) and the cross-app hooks."""

from __future__ import annotations

import pytest
from django.test import RequestFactory
from django.urls import reverse

from core.content import LoadReport
from core.hooks import topic_links
from quizzes import hooks
from quizzes.models import Question
from tests.quizzes.bank import make_question

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _guide(db):
    from pathlib import Path

    from core.guide import load_exam_guide

    load_exam_guide(Path(__file__).resolve().parents[2] / "content", LoadReport())


def admin_post_data(question: Question, **overrides) -> dict:
    options = list(question.options.all())
    data = {
        "external_id": question.external_id,
        "published": "on",
        "skills_text": "3.4.s3, 1.2.k1",
        "tags": '["lambda"]',
        "difficulty": question.difficulty,
        "type": question.type,
        "choose": str(question.choose),
        "stem_markdown": "An **edited** stem",
        "lesson_ref": question.lesson_ref,
        "references": "[]",
        "options-TOTAL_FORMS": str(len(options)),
        "options-INITIAL_FORMS": str(len(options)),
        "options-MIN_NUM_FORMS": "0",
        "options-MAX_NUM_FORMS": "1000",
    }
    for n, option in enumerate(options):
        data.update(
            {
                f"options-{n}-id": str(option.pk),
                f"options-{n}-question": str(question.pk),
                f"options-{n}-position": str(option.position),
                f"options-{n}-text": option.text,
                f"options-{n}-explanation": option.explanation,
            }
        )
        if option.correct:
            data[f"options-{n}-correct"] = "on"
    data.update(overrides)
    return data


def test_admin_edit_rerenders_and_is_tracked(instructor_client):
    question = make_question("admin-edit")
    url = reverse("admin:quizzes_question_change", args=[question.pk])
    page = instructor_client.get(url)
    assert page.status_code == 200 and "As a learner sees it" in page.content.decode()
    response = instructor_client.post(url, admin_post_data(question))
    assert response.status_code == 302, response.content.decode()[:2000]
    question.refresh_from_db()
    assert "<strong>edited</strong>" in question.stem_html
    assert question.admin_edit_pending
    # The first skill decides the domain and task; the links follow the typed list.
    assert (question.skills, question.domain, question.task) == (["3.4.s3", "1.2.k1"], 3, "3.4")
    assert sorted(question.skill_links.values_list("code", flat=True)) == ["1.2.k1", "3.4.s3"]


def test_admin_refuses_an_unknown_skill(instructor_client):
    question = make_question("admin-skill")
    url = reverse("admin:quizzes_question_change", args=[question.pk])
    response = instructor_client.post(url, admin_post_data(question, skills_text="3.4.s33"))
    assert response.status_code == 200
    assert "Unknown skill id" in response.content.decode()


def test_admin_refuses_a_question_with_the_wrong_number_of_keys(instructor_client):
    question = make_question("admin-bad")
    url = reverse("admin:quizzes_question_change", args=[question.pk])
    data = admin_post_data(question, **{"options-1-correct": "on"})
    response = instructor_client.post(url, data)
    assert response.status_code == 200
    assert "exactly one correct option" in response.content.decode()
    question.refresh_from_db()
    assert question.stem_markdown == "Stem of admin-bad"


def test_learners_have_no_admin(learner_client):
    response = learner_client.get(reverse("admin:quizzes_question_changelist"))
    assert response.status_code == 302


def test_topic_links_point_to_filtered_practice():
    make_question("l1", tags=["lambda", "sam"])
    make_question("l2", tags=["lambda"])
    make_question("hidden", tags=["kms"], published=False)
    links = hooks.topic_links(["lambda", "kms", "sam"])
    assert [(link.kind, link.url, link.detail) for link in links] == [
        ("quiz", "/quizzes/?tag=lambda", "2 questions"),
        ("quiz", "/quizzes/?tag=sam", "1 question"),
    ]
    assert [link.url for link in topic_links(["lambda"]) if link.kind == "quiz"] == [
        "/quizzes/?tag=lambda"
    ]


def test_dashboard_panel_is_none_for_anonymous_users():
    from django.contrib.auth.models import AnonymousUser

    request = RequestFactory().get("/dashboard/")
    request.user = AnonymousUser()
    assert hooks.dashboard_panel(request) is None


def test_lesson_url_uses_the_courses_route():
    assert hooks.lesson_url("codebuild-buildspec/build-phases-and-failures") == (
        "/study/codebuild-buildspec/build-phases-and-failures/"
    )


def test_unknown_lesson_reference_is_a_warning(tmp_path):
    from django.apps import apps

    from quizzes.loading import load_questions
    from tests.quizzes.test_loading import GOOD, write_bank

    module_model = apps.get_model("courses", "Module")
    lesson_model = apps.get_model("courses", "Lesson")
    module = module_model.objects.create(slug="codebuild-buildspec", title="CodeBuild", domain=3)
    lesson_model.objects.create(
        module=module,
        slug="build-phases-and-failures",
        title="Phases",
        domain=3,
        task="3.4",
        body_markdown="Body",
    )
    report = LoadReport()
    load_questions(write_bank(tmp_path, {"a.yaml": GOOD}), report)
    # The first question's lesson exists; the second's does not: a warning, not an error.
    assert [w for w in report.warnings if "refers to lesson" in w] == [
        f"{tmp_path / 'questions' / 'a.yaml'}:26: question 'secrets-rotation-multi-01' refers to "
        "lesson 'config-and-secrets/secrets-manager-rotation', which does not exist"
    ]
    assert Question.objects.count() == 2


def test_live_preview_renders_the_unsaved_form(instructor_client):
    question = make_question("live")
    data = admin_post_data(question, stem_markdown="Unsaved *draft* stem")
    data["options-0-text"] = "A brand-new `option`"
    response = instructor_client.post(reverse("quizzes:question_preview_live"), data)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Unsaved <em>draft</em> stem" in html and "<code>option</code>" in html
    question.refresh_from_db()
    assert question.stem_markdown == "Stem of live"  # nothing saved
    page = instructor_client.get(reverse("admin:quizzes_question_change", args=[question.pk]))
    assert 'id="quiz-live-preview"' in page.content.decode()
    assert "js/quizzes-admin.js" in page.content.decode()


def test_live_preview_is_for_instructors_only(learner_client):
    response = learner_client.post(reverse("quizzes:question_preview_live"), {})
    assert response.status_code == 403
