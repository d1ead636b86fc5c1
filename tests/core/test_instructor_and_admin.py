"""Instructor home (navigation, landing, sections), admin list fields, no-op saves, previews."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.urls import reverse

from core.content import LoadReport
from quizzes.models import Question
from tests.quizzes.bank import make_question
from tests.quizzes.test_admin_and_links import admin_post_data

pytestmark = pytest.mark.django_db
CONTENT = Path(__file__).resolve().parents[2] / "content"


@pytest.fixture(autouse=True)
def _guide(db):
    from core.guide import load_exam_guide

    load_exam_guide(CONTENT, LoadReport())


def _unchanged(question: Question) -> dict:
    """The change form posted back exactly as shown (what a no-op Save sends)."""
    return admin_post_data(
        question,
        skills_text=", ".join(question.skills),
        stem_markdown=question.stem_markdown,
        tags="\n".join(question.tags),
        references="\n".join(question.references),
    )


def test_a_save_without_changes_pins_nothing(instructor_client):
    question = make_question("noop-save", skills=["1.1.k1"])
    question.references = ["Guide A, section 1", "Guide B"]
    question.save()
    url = reverse("admin:quizzes_question_change", args=[question.pk])
    response = instructor_client.post(url, _unchanged(question))
    assert response.status_code == 302, response.content.decode()[:1500]
    question.refresh_from_db()
    assert question.edited_in_admin_at is None and not question.admin_edit_pending


def test_a_real_change_still_pins(instructor_client):
    question = make_question("real-save", skills=["1.1.k1"])
    url = reverse("admin:quizzes_question_change", args=[question.pk])
    data = _unchanged(question) | {"stem_markdown": "A changed stem"}
    assert instructor_client.post(url, data).status_code == 302
    question.refresh_from_db()
    assert question.admin_edit_pending


def test_tags_and_references_are_edited_as_lists(instructor_client):
    question = make_question("lists", skills=["1.1.k1"])
    url = reverse("admin:quizzes_question_change", args=[question.pk])
    page = instructor_client.get(url).content.decode()
    assert '["' not in page.split('name="tags"')[1][:200]  # no raw JSON in the tags box
    data = _unchanged(question) | {
        "tags": "lambda, api-gateway\nlambda",
        "references": "Lambda Developer Guide, aliases\nAPI Gateway stages",
    }
    assert instructor_client.post(url, data).status_code == 302
    question.refresh_from_db()
    assert question.tags == ["lambda", "api-gateway"]
    assert question.references == ["Lambda Developer Guide, aliases", "API Gateway stages"]


def test_a_pasted_json_list_still_works_and_bad_json_says_why(instructor_client):
    question = make_question("json-lists", skills=["1.1.k1"])
    url = reverse("admin:quizzes_question_change", args=[question.pk])
    assert (
        instructor_client.post(url, _unchanged(question) | {"tags": '["sam"]'}).status_code == 302
    )
    question.refresh_from_db()
    assert question.tags == ["sam"]
    response = instructor_client.post(url, _unchanged(question) | {"tags": '["sam"'})
    assert response.status_code == 200 and "does not parse" in response.content.decode()


def test_lab_admin_preview_is_rendered_and_sanitised(instructor_client):
    from labs.models import Lab

    lab = Lab.objects.create(
        slug="preview-lab",
        title="Preview lab",
        summary="s",
        domain=3,
        task="3.4",
        difficulty="easy",
        minutes=5,
        spec={"files": {}, "hints": []},
        instructions_html='<p>Run <strong>this</strong></p><svg viewBox="0 0 10 10"><path d="M0 0L9 9"/></svg>'
        "<script>alert(1)</script>",
        source_hash="x",
    )
    page = instructor_client.get(reverse("admin:labs_lab_change", args=[lab.pk])).content.decode()
    assert "<strong>this</strong>" in page and '<path d="M0 0L9 9"' in page
    assert "&lt;strong&gt;" not in page and "alert(1)" not in page.split("admin-preview")[1][:400]


def test_instructors_land_on_their_home_and_see_it_in_the_navigation(instructor_client):
    response = instructor_client.get(reverse("core:landing"))
    assert response["Location"] == reverse("instructor:home")
    page = instructor_client.get(reverse("instructor:home")).content.decode()
    assert 'href="/instructor/"' in page
    for heading in ("Content health", "Questions to look at", "Labs", "Question reports"):
        assert heading in page
    assert "None yet." not in page


def test_learners_land_on_the_dashboard_and_cannot_open_the_instructor_home(
    client, django_user_model
):
    user = django_user_model.objects.create_user("lea", password="pw-12345678")
    client.force_login(user)
    assert client.get(reverse("core:landing"))["Location"] == reverse("core:dashboard")
    assert client.get(reverse("instructor:home")).status_code == 403
    assert 'href="/instructor/"' not in client.get(reverse("core:dashboard")).content.decode()


def test_flagged_questions_show_their_text(instructor_client, monkeypatch):
    from quizzes import stats

    question = make_question("flagged-one", skills=["1.1.k1"])
    question.stem_markdown = "Which **buildspec** phase runs `docker push`?"
    question.save()
    row = stats.ItemStat(question.pk, question.external_id, 1, "medium", 9, 0, 20.0, -30.0, 40.0)
    row.flags = ["negative discrimination"]
    monkeypatch.setattr(stats, "item_statistics", lambda **kw: [row])
    page = instructor_client.get(reverse("instructor:home")).content.decode()
    assert "Which buildspec phase runs docker push?" in page
    assert "negative discrimination" in page


def test_code_spans_escape_and_format_quoted_names():
    from core.templatetags.site_shell import code_spans

    assert code_spans("`runtime-versions` is <b>only</b> read") == (
        "<code>runtime-versions</code> is &lt;b&gt;only&lt;/b&gt; read"
    )
    assert code_spans("no quotes") == "no quotes"
