"""Spaced review with FSRS: ratings from correctness and time, due cards, sessions, retention."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fsrs import Rating

from quizzes import selectors, services
from quizzes.errors import InvalidAnswer, NothingToPractise
from quizzes.fsrs_cards import rating_for
from quizzes.models import ReviewCard, ReviewLog
from quizzes.services import PracticeFilters
from tests.quizzes.bank import correct_letters, make_question, wrong_letters

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("correct", "ms", "rating"),
    [
        (False, 5_000, Rating.Again),
        (False, 500_000, Rating.Again),
        (True, 20_000, Rating.Easy),
        (True, 20_001, Rating.Good),
        (True, 120_000, Rating.Good),
        (True, 120_001, Rating.Hard),
        (True, None, Rating.Good),
    ],
)
def test_rating_thresholds(correct, ms, rating):
    assert rating_for(correct=correct, time_ms=ms) == rating


def answer_one(user, t0, *, right: bool, seconds: int = 60):
    attempt = services.attempt_start_practice(
        user, PracticeFilters(domains=(1,), count=1), now=t0, seed=3
    )
    services.attempt_item_view(attempt, 1, now=t0)
    item = attempt.items.get()
    letters = correct_letters(item) if right else wrong_letters(item)
    services.attempt_answer(attempt, 1, letters, now=t0 + timedelta(seconds=seconds))
    return ReviewCard.objects.get(user=user, question=item.question)


def test_every_answer_creates_or_reviews_a_card(learner, t0):
    make_question("only-one", domain=1)
    card = answer_one(learner, t0, right=True)
    assert card.reps == 1 and card.last_rating == Rating.Good
    assert card.due > t0 + timedelta(seconds=60)
    log = ReviewLog.objects.get(card=card)
    assert (log.rating, log.correct, log.source, log.duration_ms) == (3, True, "practice", 60_000)


def test_wrong_answers_come_back_sooner_than_right_ones(learner, other_learner, t0):
    make_question("only-one", domain=1)
    right = answer_one(learner, t0, right=True, seconds=10)
    wrong = answer_one(other_learner, t0, right=False, seconds=10)
    assert wrong.due < right.due
    assert wrong.last_rating == Rating.Again and right.last_rating == Rating.Easy


def test_due_count_and_review_session_follow_the_clock(learner, t0):
    make_question("only-one", domain=1)
    card = answer_one(learner, t0, right=False)
    assert selectors.due_count(learner, now=t0 + timedelta(seconds=61)) == 0
    later = card.due + timedelta(seconds=1)
    assert selectors.due_count(learner, now=later) == 1
    with pytest.raises(NothingToPractise, match="No cards are due"):
        services.attempt_start_review(learner, now=t0 + timedelta(seconds=61))
    session = services.attempt_start_review(learner, now=later, seed=2)
    assert session.mode == "review" and session.items.count() == 1
    item = session.items.get()
    services.attempt_answer(session, 1, correct_letters(item), now=later + timedelta(seconds=30))
    card.refresh_from_db()
    assert card.reps == 2 and card.due > later + timedelta(hours=1)
    assert selectors.due_count(learner, now=later + timedelta(minutes=1)) == 0
    assert ReviewLog.objects.filter(card=card, source="review").count() == 1


def test_higher_retention_schedules_sooner(learner, other_learner, t0):
    make_question("only-one", domain=1)
    services.settings_update(other_learner, desired_retention_value=0.97)
    a = answer_one(learner, t0, right=True)
    b = answer_one(other_learner, t0, right=True)
    # Second review, both right: the 0.97 learner sees it again sooner than the 0.90 one.
    when = max(a.due, b.due) + timedelta(minutes=1)
    services.cards_record(learner, [(a.question_id, True, 60_000)], source="review", now=when)
    services.cards_record(other_learner, [(b.question_id, True, 60_000)], source="review", now=when)
    a.refresh_from_db()
    b.refresh_from_db()
    assert b.due < a.due


def test_retention_setting_is_validated(learner):
    with pytest.raises(InvalidAnswer, match=r"between 0\.70 and 0\.97"):
        services.settings_update(learner, desired_retention_value=0.5)
    assert services.desired_retention(learner) == 0.9
    services.settings_update(learner, desired_retention_value=0.85)
    assert services.desired_retention(learner) == 0.85


def test_due_today_counts_cards_due_later_today(learner, t0):
    make_question("only-one", domain=1)
    card = answer_one(learner, t0, right=False)  # Again: back in minutes, still today
    assert selectors.due_count(learner, now=t0 + timedelta(seconds=61)) == 0
    assert selectors.due_today_count(learner, now=t0 + timedelta(seconds=61)) == 1
    ReviewCard.objects.filter(pk=card.pk).update(due=t0 + timedelta(days=1))
    assert selectors.due_today_count(learner, now=t0) == 0
