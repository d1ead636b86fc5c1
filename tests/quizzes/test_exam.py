"""Exam simulation: the weighted draw, saving, flags, the server deadline, scoring, races."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from django.db import OperationalError, connection

from quizzes import selectors, services, tasks
from quizzes.errors import AttemptClosed
from quizzes.models import Attempt, ReviewCard
from quizzes.scoring import PASS_MARK
from tests.quizzes.bank import correct_letters, make_bank, wrong_letters

pytestmark = pytest.mark.django_db


@pytest.fixture
def big_bank(db):
    return make_bank({1: 30, 2: 25, 3: 25, 4: 20})


def test_exam_draws_65_to_the_weights_with_both_types(learner, big_bank, t0):
    attempt = services.attempt_start_exam(learner, now=t0, seed=5)
    items = list(attempt.items.select_related("question"))
    assert len(items) == 65 and attempt.deadline == t0 + timedelta(minutes=130)
    per_domain = {d: sum(i.question.domain == d for i in items) for d in (1, 2, 3, 4)}
    assert per_domain == {1: 21, 2: 17, 3: 15, 4: 12}
    assert {i.question.type for i in items} == {"single", "multiple"}
    assert attempt.notes == []


def test_starting_again_resumes_the_running_exam(learner, big_bank, t0):
    first = services.attempt_start_exam(learner, now=t0, seed=5)
    again = services.attempt_start_exam(learner, now=t0 + timedelta(minutes=30))
    assert again.pk == first.pk


def test_a_short_bank_fills_from_other_domains(learner, t0):
    make_bank({1: 30, 2: 5, 3: 25, 4: 20})
    attempt = services.attempt_start_exam(learner, now=t0, seed=5)
    assert attempt.items.count() == 65
    assert attempt.notes == [
        "Domain 2 Security has 5 question(s) for 17 place(s); "
        "12 place(s) were filled from other domains."
    ]


def test_no_feedback_until_submitted_then_scored(learner, bank, t0):
    attempt = services.attempt_start_exam(learner, now=t0, seed=1)
    items = list(attempt.items.order_by("position"))
    for n, item in enumerate(items):
        letters = correct_letters(item) if n < 24 else wrong_letters(item)
        result = services.attempt_answer(
            attempt, item.position, letters, now=t0 + timedelta(minutes=1)
        )
        assert not result.revealed and result.correct is None
    # Answers can change until submission.
    services.attempt_answer(
        attempt, items[0].position, wrong_letters(items[0]), now=t0 + timedelta(minutes=2)
    )
    services.attempt_answer(
        attempt, items[0].position, correct_letters(items[0]), now=t0 + timedelta(minutes=3)
    )
    view = selectors.attempt_item_view(Attempt.objects.get(pk=attempt.pk), 1)
    assert all(o.correct is None and o.explanation_html is None for o in view.options)
    assert not ReviewCard.objects.exists()  # cards are reviewed at the end, not before
    done = services.attempt_submit(attempt, now=t0 + timedelta(minutes=50))
    assert (done.status, done.correct_count, done.total, done.raw_percent) == (
        "submitted",
        24,
        32,
        75.0,
    )
    assert done.scaled_score == 767 and done.passed is True
    assert sum(d["total"] for d in done.domain_scores.values()) == 32
    assert ReviewCard.objects.filter(user=learner).count() == 32
    result = selectors.attempt_result(done)
    assert all(o.explanation_html for view in result.items for o in view.options)


def test_unanswered_questions_count_as_wrong(learner, bank, t0):
    attempt = services.attempt_start_exam(learner, now=t0, seed=1)
    done = services.attempt_submit(attempt, now=t0 + timedelta(minutes=1))
    assert (done.correct_count, done.scaled_score, done.passed) == (0, 100, False)
    assert done.scaled_score < PASS_MARK


def test_flags_are_saved_without_touching_answers(learner, bank, t0):
    attempt = services.attempt_start_exam(learner, now=t0, seed=1)
    services.attempt_flag(attempt, 3, True, now=t0)
    nav = {e.position: e for e in selectors.attempt_nav(attempt)}
    assert nav[3].flagged and not nav[3].answered


def test_answers_after_the_deadline_are_refused_and_the_attempt_finalised(learner, bank, t0):
    attempt = services.attempt_start_exam(learner, now=t0, seed=1)
    item = attempt.items.get(position=1)
    services.attempt_answer(attempt, 1, correct_letters(item), now=t0 + timedelta(minutes=129))
    late = t0 + timedelta(minutes=130, seconds=1)
    with pytest.raises(AttemptClosed, match="Time is up"):
        services.attempt_answer(attempt, 2, ["A"], now=late)
    attempt = services.attempt_expire_if_due(attempt, now=late)
    assert attempt.status == "expired" and attempt.submitted_at == attempt.deadline
    assert attempt.correct_count == 1
    with pytest.raises(AttemptClosed, match="already finished"):
        services.attempt_answer(attempt, 2, ["A"], now=late)


def test_expiry_task_submits_on_the_server_and_is_idempotent(learner, bank, t0, monkeypatch):
    attempt = services.attempt_start_exam(learner, now=t0, seed=1)
    monkeypatch.setattr(services.timezone, "now", lambda: t0 + timedelta(minutes=10))
    assert tasks.attempt_expire(attempt.pk) == "in_progress"  # an early run does nothing
    monkeypatch.setattr(services.timezone, "now", lambda: t0 + timedelta(minutes=131))
    assert tasks.attempt_expire(attempt.pk) == "expired"
    assert tasks.attempt_expire(attempt.pk) == "expired"
    assert tasks.attempt_expire(999_999) == "missing"
    assert Attempt.objects.get(pk=attempt.pk).submitted_at == t0 + timedelta(minutes=130)


def test_the_sweep_finalises_every_overdue_attempt(learner, other_learner, bank, t0):
    a = services.attempt_start_exam(learner, now=t0, seed=1)
    b = services.attempt_start_exam(other_learner, now=t0 + timedelta(minutes=60), seed=2)
    assert services.attempts_expire_overdue(now=t0 + timedelta(minutes=131)) == 1
    assert Attempt.objects.get(pk=a.pk).status == "expired"
    assert Attempt.objects.get(pk=b.pk).status == "in_progress"


def test_starting_an_exam_schedules_expiry_at_the_deadline(
    learner, bank, t0, no_broker, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        attempt = services.attempt_start_exam(learner, now=t0, seed=1)
    assert no_broker == [{"args": [attempt.pk], "eta": t0 + timedelta(minutes=130)}]
    # Resuming does not schedule a second task.
    with django_capture_on_commit_callbacks(execute=True):
        services.attempt_start_exam(learner, now=t0 + timedelta(minutes=5))
    assert len(no_broker) == 1


def test_a_broker_outage_does_not_stop_the_exam(
    learner, bank, t0, monkeypatch, django_capture_on_commit_callbacks
):
    def boom(**kw):
        raise ConnectionError("broker down")

    monkeypatch.setattr(tasks.attempt_expire, "apply_async", boom)
    with django_capture_on_commit_callbacks(execute=True):
        attempt = services.attempt_start_exam(learner, now=t0, seed=1)
    assert attempt.status == "in_progress"


def test_time_per_question_is_accounted_on_the_server(learner, bank, t0):
    attempt = services.attempt_start_exam(learner, now=t0, seed=1)
    services.attempt_item_view(attempt, 1, now=t0)
    services.attempt_item_view(attempt, 2, now=t0 + timedelta(seconds=30))
    services.attempt_item_view(attempt, 1, now=t0 + timedelta(seconds=50))
    item = attempt.items.get(position=1)
    services.attempt_answer(attempt, 1, correct_letters(item), now=t0 + timedelta(seconds=60))
    done = services.attempt_submit(attempt, now=t0 + timedelta(seconds=90))
    times = dict(done.items.values_list("position", "time_spent_ms"))
    assert times[1] == 30_000 + 10_000 + 30_000 and times[2] == 20_000


def test_second_submit_is_refused(learner, bank, t0):
    attempt = services.attempt_start_exam(learner, now=t0, seed=1)
    services.attempt_submit(attempt, now=t0)
    with pytest.raises(AttemptClosed, match="already submitted"):
        services.attempt_submit(attempt, now=t0)


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_submissions_record_one(learner, t0):
    make_bank({1: 3, 2: 3, 3: 3, 4: 3})
    attempt = services.attempt_start_exam(learner, now=t0, seed=1)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def submit():
        barrier.wait()
        try:
            for _ in range(200):
                try:
                    services.attempt_submit(
                        Attempt.objects.get(pk=attempt.pk), now=t0 + timedelta(minutes=1)
                    )
                    outcomes.append("ok")
                    return
                except AttemptClosed:
                    outcomes.append("409")
                    return
                except OperationalError as exc:
                    # The in-memory shared-cache SQLite test database fails at once where a
                    # real database file waits (busy timeout): wait and retry like it would.
                    if "locked" not in str(exc):
                        raise
                    time.sleep(0.01)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["409", "ok"]
    assert ReviewCard.objects.count() == 0  # nothing answered: no cards, and no double scoring
    assert Attempt.objects.get(pk=attempt.pk).status == "submitted"
