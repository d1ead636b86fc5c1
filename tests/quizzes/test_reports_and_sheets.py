"""Question reports (learner → instructor), cheat sheets (loader, pages, links), readiness, and
the exam pages' confirmations, review filters and practice grid."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from core.content import ContentErrors, LoadReport
from quizzes import hooks, selectors, services
from quizzes.cheatsheets import load_cheatsheets
from quizzes.errors import InvalidAnswer
from quizzes.models import Attempt, CheatSheet, Question, QuestionReport
from quizzes.services import PracticeFilters
from tests.quizzes.bank import correct_letters, make_bank, make_question, wrong_letters

pytestmark = pytest.mark.django_db

SHEET = """\
---
title: "Amazon SQS"
summary: "Queues: limits, defaults, traps"
tags: [sqs]
skills: ["1.1.k2"]
order: 12
---
| Setting | Default |
| --- | --- |
| Visibility timeout | 30 seconds |
"""


def practice_answered(user, t0, *, right: bool = False) -> Attempt:
    attempt = services.attempt_start_practice(user, PracticeFilters(count=2), now=t0, seed=1)
    for item in attempt.items.all():
        letters = correct_letters(item) if right else wrong_letters(item)
        services.attempt_answer(attempt, item.position, letters, now=t0)
    return attempt


# --- reports -------------------------------------------------------------------------------------


def test_learner_reports_a_revealed_question_and_an_instructor_resolves_it(
    learner_client, learner, instructor, t0
):
    from django.test import Client

    instructor_client = Client()
    instructor_client.force_login(instructor)
    make_bank({1: 2, 2: 0, 3: 0, 4: 0})
    attempt = practice_answered(learner, t0)
    url = reverse("quizzes:attempt_report", args=[attempt.pk, 1])
    page = learner_client.get(reverse("quizzes:attempt_question", args=[attempt.pk, 1]))
    assert "Report this question" in page.content.decode()
    response = learner_client.post(
        url, {"reason": "outdated", "comment": "Copilot reached end of support."}, follow=True
    )
    assert "an instructor will check this question" in response.content.decode()
    report = QuestionReport.objects.get()
    assert (report.reason, report.status, report.attempt_id) == ("outdated", "open", attempt.pk)
    # A second open report on the same question is refused with a clear message.
    again = learner_client.post(url, {"reason": "wrong", "comment": "again"}, follow=True)
    assert "You already reported this question" in again.content.decode()
    assert QuestionReport.objects.count() == 1
    # Instructors see it beside the item statistics and resolve it.
    listing = instructor_client.get(reverse("quizzes:reports")).content.decode()
    assert "Copilot reached end of support." in listing and "Item statistics:" in listing
    items = instructor_client.get(reverse("quizzes:item_stats")).content.decode()
    assert "1 report" in items
    instructor_client.post(
        reverse("quizzes:report_resolve", args=[report.pk]), {"resolution": "Lesson updated."}
    )
    report.refresh_from_db()
    assert report.status == "resolved" and report.resolved_by == instructor
    assert selectors.open_report_counts() == {}


def test_reports_need_a_reason_a_comment_and_a_revealed_question(learner, other_learner, t0):
    make_bank({1: 2, 2: 0, 3: 0, 4: 0})
    exam = services.attempt_start_exam(learner, now=t0, seed=1)
    with pytest.raises(InvalidAnswer, match="after submitting"):
        services.question_report_create(learner, exam, 1, reason="wrong", comment="x", now=t0)
    exam = services.attempt_submit(exam, now=t0 + timedelta(minutes=1))
    with pytest.raises(InvalidAnswer, match="Choose what is wrong"):
        services.question_report_create(learner, exam, 1, reason="bad", comment="x", now=t0)
    with pytest.raises(InvalidAnswer, match="Say in a few words"):
        services.question_report_create(learner, exam, 1, reason="wrong", comment=" ", now=t0)
    with pytest.raises(InvalidAnswer, match="no question 1"):
        services.question_report_create(other_learner, exam, 1, reason="wrong", comment="x")
    services.question_report_create(learner, exam, 1, reason="ambiguous", comment="B fits too")
    assert QuestionReport.objects.filter(reason="ambiguous").count() == 1


def test_learners_cannot_see_reports(learner_client):
    assert learner_client.get(reverse("quizzes:reports")).status_code == 403


# --- cheat sheets --------------------------------------------------------------------------------


def sheets_root(tmp_path: Path, files: dict[str, str]) -> Path:
    shutil.copy(Path(settings.CONTENT_ROOT) / "exam-guide.yaml", tmp_path / "exam-guide.yaml")
    (tmp_path / "cheatsheets").mkdir()
    for name, text in files.items():
        (tmp_path / "cheatsheets" / name).write_text(text)
    return tmp_path


def test_cheat_sheets_load_render_and_link_from_questions_lessons_and_results(
    tmp_path, learner_client, learner, t0
):
    report = LoadReport()
    load_cheatsheets(sheets_root(tmp_path, {"sqs.md": SHEET}), report)
    sheet = CheatSheet.objects.get(slug="sqs")
    assert sheet.order == 12 and "<table>" in sheet.body_html and sheet.skills == ["1.1.k2"]
    listing = learner_client.get(reverse("quizzes:cheatsheet_list")).content.decode()
    assert "Amazon SQS" in listing
    detail = learner_client.get(reverse("quizzes:cheatsheet_detail", args=["sqs"]))
    assert "Visibility timeout" in detail.content.decode()
    assert (
        learner_client.get(reverse("quizzes:cheatsheet_detail", args=["nope"])).status_code == 404
    )
    # Questions name the sheet: the practice review and the result link to it.
    make_question("sqs-q1", domain=1, tags=["sqs"])
    Question.objects.update(cheatsheet="sqs")
    attempt = practice_answered(learner, t0)
    page = learner_client.get(reverse("quizzes:attempt_question", args=[attempt.pk, 1]))
    assert "Cheat sheet: Amazon SQS" in page.content.decode()
    result = learner_client.get(reverse("quizzes:attempt_result", args=[attempt.pk]))
    assert "Cheat sheet: Amazon SQS" in result.content.decode()
    # Lessons sharing a tag list it among their topic links.
    links = hooks.cheatsheet_links(["sqs"])
    assert [(link.kind, link.title) for link in links] == [("cheat sheet", "Amazon SQS")]


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ('skills: ["1.1.k2"]', 'skills: ["9.9.k9"]', "sqs.md:5:10: unknown skill id '9.9.k9'"),
        ("tags: [sqs]", "tags: [nosuch]", "sqs.md:4:8: unknown topic tag 'nosuch'"),
        ('title: "Amazon SQS"\n', "", "sqs.md:2:1: missing required key 'title'"),
        ('"Amazon SQS"', '"' + "x" * 201 + '"', "sqs.md:2:8: 'title' must be at most 200 char"),
        ("order: 12", "order: first", "sqs.md:6:8: 'order' must be a whole number, not 'first'"),
        ("order: 12", "ordre: 12", "sqs.md:6:1: unknown key 'ordre' (hint: did you mean 'order'?)"),
        ("---\n|", "---\n\n\n", "the cheat sheet has no body"),
    ],
)
def test_bad_cheat_sheets_are_rejected_and_nothing_loads(tmp_path, old, new, expected):
    root = sheets_root(tmp_path, {"sqs.md": SHEET.replace(old, new, 1), "ok.md": SHEET})
    if old.startswith("---\n|"):
        (root / "cheatsheets" / "sqs.md").write_text(SHEET.split("| Setting")[0])
    with pytest.raises(ContentErrors) as caught:
        load_cheatsheets(root, LoadReport())
    assert expected in str(caught.value)
    assert CheatSheet.objects.count() == 0


# --- readiness -----------------------------------------------------------------------------------


def test_readiness_per_domain_task_and_skill_counts_answers_not_blanks(learner, t0):
    make_question("r-1", domain=1, task="1.3", skills=["1.3.k1", "1.3.s2"])
    make_question("r-2", domain=4, task="4.2", skills=["4.2.k1"])
    exam = services.attempt_start_exam(learner, now=t0, seed=3)
    first = exam.items.get(question__external_id="r-1")
    services.attempt_answer(exam, first.position, correct_letters(first), now=t0)
    services.attempt_submit(exam, now=t0 + timedelta(minutes=2))  # r-2 left blank
    ready = selectors.readiness(learner)
    assert ready["answers"] == 1
    domains = {r.key: r for r in ready["domains"]}
    assert domains["1"].answers == 1 and domains["1"].percent == 100
    assert domains["4"].answers == 0  # a blank is not evidence of anything
    assert {s.key for s in ready["skills"]} == {"1.3.k1", "1.3.s2"}
    assert [t.key for t in ready["tasks"]] == ["1.3"]


def test_readiness_uses_graded_labs_when_they_exist(learner, t0):
    from labs.models import Lab, Submission

    lab = Lab.objects.create(
        slug="lab-x", title="Lab X", summary="s", domain=3, task="3.4", tags=[],
        difficulty="easy", minutes=10, spec={}, source_hash="x",
    )  # fmt: skip
    Submission.objects.create(
        user=learner, lab=lab, number=1, files={}, status="graded", percent=80.0
    )
    ready = selectors.readiness(learner)
    tasks = {t.key: t for t in ready["tasks"]}
    assert ready["labs"] == 1 and tasks["3.4"].labs == [("Lab X", 80.0)]
    assert tasks["3.4"].percent == 80
    if "skills" in {f.name for f in Lab._meta.get_fields()}:
        Lab.objects.filter(pk=lab.pk).update(skills=["3.4.s1"])
        skills = {s.key: s for s in selectors.readiness(learner)["skills"]}
        assert skills["3.4.s1"].percent == 80


# --- exam pages ----------------------------------------------------------------------------------


def test_starting_an_exam_asks_first(learner_client, learner):
    make_bank({1: 8, 2: 8, 3: 8, 4: 8})
    confirm = learner_client.get(reverse("quizzes:exam_start") + "?kind=section&domain=3")
    text = confirm.content.decode()
    assert "Start Section test: 3 Deployment?" in text and "15</strong> questions" in text
    assert not Attempt.objects.exists()  # nothing starts on GET
    response = learner_client.post(
        reverse("quizzes:exam_start"), {"kind": "section", "domain": "3"}
    )
    attempt = Attempt.objects.get()
    assert attempt.section_domain == 3 and response.status_code == 302
    bad = learner_client.get(reverse("quizzes:exam_start") + "?kind=weird", follow=True)
    assert "Unknown kind of exam" in bad.content.decode()


def test_review_screen_filters_and_keeps_submit_on_top(learner_client, learner, t0):
    make_bank({1: 8, 2: 8, 3: 8, 4: 8})
    attempt = services.attempt_start_exam(learner, seed=2)
    services.attempt_answer(attempt, 1, ["A"])
    services.attempt_flag(attempt, 2, True)
    url = reverse("quizzes:attempt_review", args=[attempt.pk])
    page = learner_client.get(url).content.decode()
    assert page.index("Submit the exam") < page.index('class="review-grid compact"')
    unanswered = learner_client.get(url + "?show=unanswered").content.decode()
    assert unanswered.count('aria-label="Question ') == 31
    flagged = learner_client.get(url + "?show=flagged").content.decode()
    assert (
        flagged.count('aria-label="Question ') == 1
        and "Question 2: not answered, flagged" in flagged
    )


def test_practice_shows_what_it_tests_and_right_wrong_in_the_grid(learner_client, learner, t0):
    make_question("p-1", domain=2, task="2.2", skills=["2.2.k1"])
    make_question("p-2", domain=2, task="2.2", skills=["2.2.k1"])
    attempt = services.attempt_start_practice(learner, PracticeFilters(count=2), seed=1)
    url = reverse("quizzes:attempt_question", args=[attempt.pk, 1])
    page = learner_client.get(url).content.decode()
    assert "Domain 2 Security" in page and "Task 2.2" in page and "2.2.k1" in page
    item = attempt.items.get(position=1)
    learner_client.post(url, {"option": wrong_letters(item), "action": "check"})
    page = learner_client.get(reverse("quizzes:attempt_question", args=[attempt.pk, 2]))
    assert 'class="cell wrong' in page.content.decode()
    # An exam shows none of it while running.
    exam = services.attempt_start_exam(learner, seed=1)
    exam_page = learner_client.get(reverse("quizzes:attempt_question", args=[exam.pk, 1]))
    assert "Task 2.2" not in exam_page.content.decode()


@pytest.mark.parametrize(
    "model", ["practiceexam", "flashcard", "flashcardcard", "cheatsheet", "questionreport"]
)
def test_admin_lists_the_new_records(admin_client, model):
    response = admin_client.get(reverse(f"admin:quizzes_{model}_changelist"))
    assert response.status_code == 200


def test_a_question_naming_a_missing_cheat_sheet_is_a_warning():
    from quizzes.cheatsheets import check_question_links

    make_question("cs-1")
    Question.objects.update(cheatsheet="no-such-sheet")
    report = LoadReport()
    check_question_links(None, report)
    assert report.warnings == [
        "cheat sheet 'no-such-sheet' does not exist (content/cheatsheets/no-such-sheet.md), "
        "named by question(s) cs-1: the link is left out until it does"
    ]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("?kind=named&number=99999999999999999999999", "Which practice exam?"),
        ("?kind=named&number=7", "There is no practice exam 7."),
        ("?kind=section&domain=12345678901234567890", "Which domain?"),
        ("?kind=section", "Which domain?"),
    ],
)
def test_odd_exam_start_requests_get_a_clear_message(learner_client, url, expected):
    response = learner_client.get(reverse("quizzes:exam_start") + url, follow=True)
    assert response.status_code == 200 and expected in response.content.decode()


def test_odd_flashcard_ratings_get_a_clear_message(learner_client):
    for data in ({"card": "9" * 40, "rating": "3"}, {"card": "1", "rating": "33"}, {}):
        response = learner_client.post(reverse("quizzes:flashcards"), data, follow=True)
        assert response.status_code == 200
        assert "Choose Again, Hard, Good or Easy." in response.content.decode()
