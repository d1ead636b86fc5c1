"""Lab pages and API: catalogue, editor page, ownership, no reference leaks, instructors."""

from __future__ import annotations

import pytest
from django.urls import reverse

from labs import services
from labs.models import Submission
from tests.labs.conftest import GOOD

pytestmark = pytest.mark.django_db
REFERENCE_MARK = "commands: [echo hi]"  # only in the fixture lab's reference solution


@pytest.fixture(autouse=True)
def no_queue(monkeypatch):
    monkeypatch.setattr(services, "grading_enqueue", lambda pk, shown=None: None)


def test_lab_list_shows_best_score_and_filters(lab, learner_client, learner):
    services.submission_grade(services.submission_create(learner, lab, {"buildspec.yml": GOOD}).pk)
    html = learner_client.get(reverse("labs:lab_list")).content.decode()
    assert "Fix the buildspec" in html and "best 100 %" in html
    html = learner_client.get(reverse("labs:lab_list"), {"difficulty": "hard"}).content.decode()
    assert "Fix the buildspec" not in html
    html = learner_client.get(reverse("labs:lab_list"), {"status": "done"}).content.decode()
    assert "Fix the buildspec" in html


def test_lab_page_has_editor_instructions_and_no_reference(lab, learner_client):
    response = learner_client.get(reverse("labs:lab_detail", args=[lab.slug]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "data-lab-editor" in html and 'data-filename="buildspec.yml"' in html
    assert "<strong>it</strong>" in html  # instructions rendered from Markdown
    assert REFERENCE_MARK not in html
    assert "Look at the phases." not in html  # hint text hidden until revealed


def test_run_and_grade_from_the_page(lab, learner_client):
    response = learner_client.post(
        reverse("labs:lab_detail", args=[lab.slug]), {"file:buildspec.yml": GOOD}
    )
    sub = Submission.objects.get()
    assert response["Location"] == reverse("labs:submission_detail", args=[sub.pk])
    html = learner_client.get(response["Location"]).content.decode()
    assert "Queued" in html and "hx-trigger" in html
    services.submission_grade(sub.pk)
    html = learner_client.get(response["Location"]).content.decode()
    assert "15 / 15" in html and "hx-trigger" not in html


def test_another_learners_submission_is_404(lab, learner, other_learner, client):
    sub = services.submission_create(learner, lab, {"buildspec.yml": GOOD})
    client.force_login(other_learner)
    assert client.get(reverse("labs:submission_detail", args=[sub.pk])).status_code == 404
    assert client.get(f"/api/submissions/{sub.pk}/").status_code == 404
    assert client.post(reverse("labs:submission_approve", args=[sub.pk])).status_code == 404


def test_instructor_sees_submissions_read_only_and_statistics(lab, learner, instructor_client):
    sub = services.submission_grade(
        services.submission_create(learner, lab, {"buildspec.yml": GOOD}).pk
    )
    html = instructor_client.get(reverse("labs:submission_detail", args=[sub.pk])).content.decode()
    assert "Read-only view of alice" in html
    html = instructor_client.get(reverse("labs:lab_submissions", args=[lab.slug])).content.decode()
    assert "1 graded submission by 1 learner" in html and "alice" in html
    url = reverse("labs:lab_submissions", args=[lab.slug])
    assert instructor_client.post(url).status_code == 200  # the confirmation step first
    response = instructor_client.post(url, {"confirm": "yes"})
    assert response.status_code == 302
    regrading = Submission.objects.get()
    assert regrading.regrade_pending and regrading.status == "graded"  # the old grade stays


def test_learners_cannot_open_instructor_pages(lab, learner_client):
    response = learner_client.get(reverse("labs:lab_submissions", args=[lab.slug]))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_diff_between_two_submissions(lab, learner, learner_client):
    services.submission_create(learner, lab, {"buildspec.yml": "version: 0.2\n"})
    services.submission_create(learner, lab, {"buildspec.yml": GOOD})
    html = learner_client.get(
        reverse("labs:submission_diff", args=[lab.slug]), {"a": 1, "b": 2}
    ).content.decode()
    assert "+phases:" in html and "diff-add" in html
    bad = learner_client.get(reverse("labs:submission_diff", args=[lab.slug]), {"a": 1, "b": 9})
    assert bad.status_code == 404


def test_unknown_lab_is_404(learner_client):
    assert learner_client.get(reverse("labs:lab_detail", args=["nope"])).status_code == 404
    assert learner_client.get("/api/labs/nope/").status_code == 404


# --- API -----------------------------------------------------------------------------------------


def test_api_lab_detail_never_contains_the_reference(lab, learner_client):
    data = learner_client.get(f"/api/labs/{lab.slug}/").json()
    assert data["files"] == {"buildspec.yml": "version: 0.2\nphases: {}\n"}
    assert REFERENCE_MARK not in str(data) and "reference" not in data
    assert data["hints"] == [{"index": 0, "cost": 2}]
    assert {c["id"] for c in data["checks"]} == {"valid", "document_has-2"}


def test_api_check_returns_findings_with_lines(learner_client):
    response = learner_client.post(
        "/api/check/",
        {"filename": "buildspec.yml", "kind": "buildspec",
         "text": "version: 0.2\nphases:\n  build:\n    on-failure: IGNORE\n    commands: [make]\n"},
        content_type="application/json",
    )  # fmt: skip
    assert response.status_code == 200
    data = response.json()
    assert data["kind"] == "buildspec"
    errors = [f for f in data["findings"] if f["severity"] == "error"]
    assert errors and errors[0]["line"] == 4


def test_api_check_rejects_bad_requests_clearly(learner_client):
    from django.test import Client

    response = learner_client.post(
        "/api/check/", {"kind": "nonsense"}, content_type="application/json"
    )
    assert response.status_code == 400
    assert "text" in response.json() and "kind" in response.json()
    anonymous = Client().post("/api/check/", {"text": ""}, content_type="application/json")
    assert anonymous.status_code in (401, 403)


def test_api_submission_flow_and_rate_limit(lab, learner_client, settings):
    settings.LAB_SUBMISSIONS_PER_MINUTE = 1
    url = f"/api/labs/{lab.slug}/submissions/"
    first = learner_client.post(
        url, {"files": {"buildspec.yml": GOOD}}, content_type="application/json"
    )
    assert first.status_code == 201 and first.json()["status"] == "queued"
    second = learner_client.post(
        url, {"files": {"buildspec.yml": GOOD}}, content_type="application/json"
    )
    assert second.status_code == 429
    assert second.json()["wait_seconds"] >= 1 and "try again in" in second.json()["detail"]
    assert int(second["Retry-After"]) >= 1
    detail = learner_client.get(f"/api/submissions/{first.json()['id']}/").json()
    assert detail["number"] == 1 and "reference" not in detail


def test_api_draft_save(lab, learner_client, learner):
    url = f"/api/labs/{lab.slug}/draft/"
    ok = learner_client.put(url, {"files": {"buildspec.yml": "x"}}, content_type="application/json")
    assert ok.status_code == 204
    assert services.draft_files(learner, lab)["buildspec.yml"] == "x"
    bad = learner_client.put(url, {"files": {"other": "x"}}, content_type="application/json")
    assert bad.status_code == 400 and "Unknown file" in bad.json()["detail"]


def test_graded_submission_lists_revealed_hints_and_finding_lessons(lab, learner, learner_client):
    services.hint_reveal(learner, lab, 0)
    sub = services.submission_create(learner, lab, {"buildspec.yml": "version: 0.2\nphases: {}\n"})
    services.submission_grade(sub.pk)
    html = learner_client.get(reverse("labs:submission_detail", args=[sub.pk])).content.decode()
    assert "Hints you revealed" in html and "Look at the phases." in html
    assert 'href="/study/' in html  # each finding links to the lesson that teaches its rule


def test_api_check_findings_name_their_lesson(learner_client):
    data = learner_client.post(
        "/api/check/",
        {
            "filename": "buildspec.yml",
            "kind": "buildspec",
            "text": "version: 0.2\nphases:\n  build:\n    on-failure: IGNORE\n    commands: [make]\n",
        },
        content_type="application/json",
    ).json()
    assert data["findings"] and all("doc" in f for f in data["findings"])
    assert any(f["doc"].count("/") == 1 for f in data["findings"])


# --- catalogue by exam domain and skill, readiness ------------------------------------------------


def _guide_items() -> None:
    from core.models import Skill

    for position, (code, text) in enumerate(
        [("3.4.s1", "Change infrastructure templates"), ("1.2.s1", "Configure a function")]
    ):
        domain, task, item = code.split(".")
        Skill.objects.create(
            code=code, kind="skill", domain=int(domain), task=f"{domain}.{task}",
            number=int(item[1:]), position=position, text=text,
        )  # fmt: skip


def test_lab_list_groups_labs_by_domain_with_the_skills_they_prove(lab, learner_client):
    from labs.models import Lab

    _guide_items()
    Lab.objects.filter(pk=lab.pk).update(skills=["3.4.s1"])
    html = learner_client.get(reverse("labs:lab_list")).content.decode()
    # Every domain has its heading, in order; the lab sits under Domain 3 with its skill text.
    positions = [html.index(f'id="domain-{n}"') for n in (1, 2, 3, 4)]
    assert positions == sorted(positions)
    card = html.index('data-lab="fix-buildspec"')
    assert positions[2] < card < positions[3]
    assert "3.4.s1</a> Change infrastructure templates" in html
    assert "No lab in this domain yet." in html  # Domain 1 has none


def test_lab_list_filters_by_skill_and_ignores_unknown_skills(lab, learner_client):
    from labs.models import Lab

    _guide_items()
    Lab.objects.filter(pk=lab.pk).update(skills=["3.4.s1"])
    shown = learner_client.get(reverse("labs:lab_list"), {"skill": "3.4.s1"}).content.decode()
    assert 'data-lab="fix-buildspec"' in shown
    # 1.2.s1 exists in the guide but no lab proves it: it is not a choice, so the filter is off.
    other = learner_client.get(reverse("labs:lab_list"), {"skill": "1.2.s1"}).content.decode()
    assert 'data-lab="fix-buildspec"' in other and '<option value="1.2.s1"' not in other
    bad = learner_client.get(reverse("labs:lab_list"), {"skill": "<script>"})
    assert bad.status_code == 200 and "<script>" not in bad.content.decode()


def test_lab_page_says_which_skills_it_proves(lab, learner_client):
    from labs.models import Lab

    _guide_items()
    Lab.objects.filter(pk=lab.pk).update(skills=["3.4.s1"])
    html = learner_client.get(reverse("labs:lab_detail", args=[lab.slug])).content.decode()
    assert "What this lab proves (task 3.4 Deploy code by using AWS CI/CD services)" in html
    assert "3.4.s1</a> Change infrastructure templates" in html


def test_a_passed_lab_is_marked_and_counts_for_readiness_of_its_skills(
    lab, learner, learner_client
):
    from labs.models import Lab
    from quizzes.selectors import readiness

    Lab.objects.filter(pk=lab.pk).update(skills=["3.3.s4"])
    Submission.objects.create(
        user=learner, lab=lab, number=1, files={}, status="graded", percent=60.0
    )
    ready = readiness(learner)
    assert ready["labs"] == 1 and ready["labs_passed"] == 0
    services.submission_grade(services.submission_create(learner, lab, {"buildspec.yml": GOOD}).pk)
    ready = readiness(learner)
    assert ready["labs"] == 1 and ready["labs_passed"] == 1
    # The best score counts, for the lab's own task (3.4) and for the item's task (3.3).
    tasks = {t.key: t for t in ready["tasks"]}
    assert tasks["3.4"].percent == 100 and tasks["3.3"].percent == 100
    skills = {s.key: s for s in ready["skills"]}
    assert skills["3.3.s4"].labs == [("Fix the buildspec", 100.0)]
    domains = {d.key: d for d in ready["domains"]}
    assert domains["3"].labs == [("Fix the buildspec", 100.0)]  # counted once, not per skill
    html = learner_client.get(reverse("labs:lab_list")).content.decode()
    assert "best 100 % · passed" in html and "1 lab, 1 passed." in html
