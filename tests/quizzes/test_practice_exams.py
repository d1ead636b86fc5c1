"""Named practice exams, random exams, section tests and the final exam: the blueprint draw."""

from __future__ import annotations

import io
import random
from collections import Counter
from datetime import timedelta

import pytest
from django.core.management import call_command

from core.content import LoadReport
from quizzes import selectors, services
from quizzes.assembly import blueprint_draw, largest_remainder
from quizzes.errors import ExamRunning, NothingToPractise
from quizzes.models import Attempt, ExamKind, PracticeExam, Question
from quizzes.practice_exams import load_step, practice_exams_build
from tests.quizzes.bank import make_blueprint_bank, make_question

pytestmark = pytest.mark.django_db


@pytest.fixture
def blueprint_bank(db):
    """14 questions in each of the 13 task statements (182): two exams fit without overlap."""
    return make_blueprint_bank(14)


def per(items, key):
    return dict(Counter(key(i) for i in items))


def test_largest_remainder_splits_exactly():
    assert largest_remainder(21, {"1.1": 1, "1.2": 1, "1.3": 1}) == {"1.1": 7, "1.2": 7, "1.3": 7}
    assert largest_remainder(17, {"2.1": 1, "2.2": 1, "2.3": 1}) == {"2.1": 6, "2.2": 6, "2.3": 5}
    assert sum(largest_remainder(12, {"a": 5, "b": 3, "c": 0}).values()) == 12


def test_draw_follows_the_content_domain_not_a_typed_number():
    # Questions are filed by their (domain, task) from the first skill; a task-1.1 question
    # sits in domain 1 even if 30 "deployment" questions exist.
    pool = {(1, "1.1"): list(range(100, 130)), (3, "3.4"): list(range(200, 260))}
    draw = blueprint_draw(pool, 20, random.Random(1), domains=[1])
    assert len(draw.question_ids) == 20
    assert all(100 <= q < 130 for q in draw.question_ids)


def test_draw_balances_tasks_inside_a_domain_by_weight():
    pool = {(1, t): [int(t.replace(".", "")) * 100 + n for n in range(30)] for t in ("1.1", "1.2")}
    draw = blueprint_draw(
        pool, 21, random.Random(3), domains=[1], task_weights={"1.1": 1, "1.2": 2}
    )
    counts = Counter(q // 100 for q in draw.question_ids)
    assert counts == {11: 7, 12: 14}


def test_a_thin_task_is_filled_from_its_own_domain_first():
    pool = {(2, "2.1"): [1, 2], (2, "2.2"): list(range(10, 40)), (3, "3.1"): list(range(50, 90))}
    draw = blueprint_draw(pool, 20, random.Random(2), domains=[2])
    assert len(draw.question_ids) == 20 and set(draw.question_ids) >= {1, 2}
    assert all(q < 50 for q in draw.question_ids) and draw.notes == []


def test_random_exam_is_balanced_by_domain_and_task(learner, blueprint_bank, t0):
    attempt = services.attempt_start_exam(learner, now=t0, seed=9)
    items = list(attempt.items.select_related("question"))
    assert attempt.kind == ExamKind.RANDOM and len(items) == 65
    assert per(items, lambda i: i.question.domain) == {1: 21, 2: 17, 3: 15, 4: 12}
    tasks = per(items, lambda i: i.question.task)
    # Equal task weights (no guide loaded here): 21 over 3 tasks = 7 each, 12 over 3 = 4 each…
    assert tasks["1.1"] == tasks["1.2"] == tasks["1.3"] == 7
    assert sorted(tasks[t] for t in ("3.1", "3.2", "3.3", "3.4")) == [3, 4, 4, 4]
    assert all(abs(tasks[t] - 4) <= 0 for t in ("4.1", "4.2", "4.3"))


def test_named_exams_are_built_once_and_stay_when_the_bank_grows(blueprint_bank, t0):
    assert practice_exams_build(now=t0) == [f"built Practice exam {n}" for n in range(1, 9)]
    exams = {
        e.number: list(e.seats.values_list("question_id", flat=True))
        for e in PracticeExam.objects.all()
    }
    assert len(exams) == 8 and all(len(ids) == 65 for ids in exams.values())
    for ids in exams.values():
        questions = Question.objects.filter(pk__in=ids)
        assert per(questions, lambda q: q.domain) == {1: 21, 2: 17, 3: 15, 4: 12}
    # Spread over the bank: exams 1 and 2 share nothing while unused questions remain.
    assert not set(exams[1]) & set(exams[2])
    # The bank grows: a plain build (and the load step) keeps every exam as it was…
    for n in range(40):
        make_question(f"late-{n}", domain=1, task="1.2")
    assert practice_exams_build() == []
    report = LoadReport()
    load_step(None, report)
    assert {
        e.number: list(e.seats.values_list("question_id", flat=True))
        for e in PracticeExam.objects.all()
    } == exams
    assert any("--rebuild" in w for w in report.warnings)
    # …and only a deliberate rebuild redraws them.
    out = io.StringIO()
    call_command("build_practice_exams", "--rebuild", stdout=out)
    assert "8 practice exam(s) built" in out.getvalue()
    assert PracticeExam.objects.count() == 8


def test_named_exam_assembly_is_deterministic(blueprint_bank, t0):
    practice_exams_build(now=t0)
    first = list(PracticeExam.objects.get(number=3).seats.values_list("question_id", flat=True))
    practice_exams_build(rebuild=True, now=t0)
    again = list(PracticeExam.objects.get(number=3).seats.values_list("question_id", flat=True))
    assert first == again


def test_a_named_exam_retake_has_the_same_questions(learner, blueprint_bank, t0):
    practice_exams_build(now=t0)
    one = services.attempt_start_exam(learner, kind=ExamKind.NAMED, number=3, now=t0)
    assert one.title == "Practice exam 3" and one.deadline == t0 + timedelta(minutes=130)
    services.attempt_submit(one, now=t0 + timedelta(minutes=5))
    two = services.attempt_start_exam(
        learner, kind=ExamKind.NAMED, number=3, now=t0 + timedelta(days=1)
    )
    assert two.pk != one.pk
    ids = lambda a: list(a.items.order_by("position").values_list("question_id", flat=True))  # noqa: E731
    assert ids(one) == ids(two) and len(ids(one)) == 65


def test_starting_another_test_while_one_runs_is_refused(learner, blueprint_bank, t0):
    practice_exams_build(now=t0)
    running = services.attempt_start_exam(learner, kind=ExamKind.NAMED, number=1, now=t0)
    assert services.attempt_start_exam(learner, kind="named", number=1, now=t0).pk == running.pk
    with pytest.raises(ExamRunning, match="Practice exam 1 is in progress"):
        services.attempt_start_exam(learner, kind=ExamKind.SECTION, domain=2, now=t0)


def test_unknown_named_exam_is_a_clear_error(learner, blueprint_bank, t0):
    with pytest.raises(NothingToPractise, match="no practice exam 4"):
        services.attempt_start_exam(learner, kind=ExamKind.NAMED, number=4, now=t0)


def test_section_test_draws_one_domain_balanced_by_task(learner, blueprint_bank, t0):
    attempt = services.attempt_start_exam(learner, kind=ExamKind.SECTION, domain=2, now=t0)
    items = list(attempt.items.select_related("question"))
    assert len(items) == 17 and {i.question.domain for i in items} == {2}
    assert sorted(per(items, lambda i: i.question.task).values()) == [5, 6, 6]
    assert attempt.deadline == t0 + timedelta(minutes=34)  # the exam's 2 minutes a question
    assert attempt.title == "Section test: 2 Security"


def test_final_exam_holds_only_never_seen_questions(learner, blueprint_bank, t0):
    seen = services.attempt_start_practice(
        learner, services.PracticeFilters(count=40), now=t0, seed=4
    )
    exam = services.attempt_start_exam(learner, kind=ExamKind.RANDOM, now=t0, seed=5)
    services.attempt_submit(exam, now=t0 + timedelta(minutes=1))
    before = selectors.seen_question_ids(learner)
    assert len(before) > 65
    final = services.attempt_start_exam(learner, kind=ExamKind.FINAL, now=t0 + timedelta(hours=1))
    ids = set(final.items.values_list("question_id", flat=True))
    assert len(ids) == 65 and not ids & before
    assert seen.items.count() == 40


def test_final_exam_refuses_when_too_few_questions_are_new(learner, t0):
    from tests.quizzes.bank import make_bank

    make_bank({1: 20, 2: 20, 3: 20, 4: 20})
    services.attempt_start_practice(learner, services.PracticeFilters(count=30), now=t0)
    with pytest.raises(NothingToPractise, match="Only 50 published question"):
        services.attempt_start_exam(learner, kind=ExamKind.FINAL, now=t0)
    assert not Attempt.objects.filter(kind=ExamKind.FINAL).exists()


def test_api_starts_named_and_section_tests_and_refuses_a_second(learner, blueprint_bank, t0):
    from rest_framework.test import APIClient

    practice_exams_build(now=t0)
    api = APIClient()
    api.force_authenticate(learner)
    named = api.post(
        "/api/attempts/", {"mode": "exam", "kind": "named", "number": 2}, format="json"
    )
    assert named.status_code == 201
    assert named.json()["kind"] == "named" and named.json()["practice_exam_number"] == 2
    other = api.post(
        "/api/attempts/", {"mode": "exam", "kind": "section", "domain": 1}, format="json"
    )
    assert other.status_code == 409 and "Practice exam 2 is in progress" in other.json()["detail"]
    missing = api.post("/api/attempts/", {"mode": "exam", "kind": "named"}, format="json")
    assert missing.status_code == 400 and "number" in str(missing.json())


def test_practice_by_skill_draws_only_that_skill(learner, blueprint_bank, t0):
    attempt = services.attempt_start_practice(
        learner, services.PracticeFilters(count=20, skills=("2.3.k2",)), now=t0
    )
    skills = [i.question.skills for i in attempt.items.select_related("question")]
    assert skills and all("2.3.k2" in s for s in skills)
    assert attempt.filters["skills"] == ["2.3.k2"]


def test_confirm_page_points_at_the_running_test(client, learner, blueprint_bank, t0):
    from django.urls import reverse

    practice_exams_build(now=t0)
    services.attempt_start_exam(learner, kind=ExamKind.NAMED, number=1)
    client.force_login(learner)
    page = client.get(reverse("quizzes:exam_start") + "?kind=final").content.decode()
    assert "Practice exam 1 is in progress." in page
    assert ">Start the clock</button>" not in page


def test_result_of_a_retake_lists_the_earlier_scores(client, learner, blueprint_bank, t0):
    from django.urls import reverse

    from tests.quizzes.bank import correct_letters

    practice_exams_build(now=t0)
    first = services.attempt_start_exam(learner, kind=ExamKind.NAMED, number=5, now=t0)
    services.attempt_submit(first, now=t0 + timedelta(minutes=1))
    second = services.attempt_start_exam(
        learner, kind=ExamKind.NAMED, number=5, now=t0 + timedelta(days=1)
    )
    for item in second.items.all()[:13]:
        services.attempt_answer(
            second, item.position, correct_letters(item), now=t0 + timedelta(days=1)
        )
    services.attempt_submit(second, now=t0 + timedelta(days=1, minutes=5))
    client.force_login(learner)
    page = client.get(reverse("quizzes:attempt_result", args=[second.pk])).content.decode()
    assert "Your attempts at Practice exam 5:" in page
    assert "0 %</a> → " in page and "20 %</a>" in page
