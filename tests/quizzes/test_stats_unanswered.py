"""Unanswered exam questions are recorded as unanswered, not as a wrong choice, in statistics."""

from __future__ import annotations

from datetime import timedelta

import pytest

from quizzes import services, stats
from quizzes.models import AttemptItem
from tests.quizzes.bank import correct_letters, make_question, wrong_letters

pytestmark = pytest.mark.django_db


def test_blank_items_are_not_responses(learner, other_learner, t0):
    questions = [make_question(f"u-q{n}", domain=1 + n % 4) for n in range(4)]
    target = questions[0]
    # Learner 1 answers the target right; learner 2 leaves it blank; learner 3 answers wrong.
    from accounts.services import user_create

    third = user_create(username="carol", password="pw-learner-789")
    for user, how in ((learner, "right"), (other_learner, "blank"), (third, "wrong")):
        attempt = services._attempt_create(
            user, "exam", [q.pk for q in questions], now=t0, seed=1, kind="random"
        )
        for item in attempt.items.all():
            if item.question_id == target.pk and how == "blank":
                continue
            letters = wrong_letters(item) if how == "wrong" else correct_letters(item)
            services.attempt_answer(attempt, item.position, letters, now=t0)
        services.attempt_submit(attempt, now=t0 + timedelta(minutes=3))
    blank = AttemptItem.objects.get(attempt__user=other_learner, question=target)
    assert blank.correct is False and blank.selected == []  # scored 0 in the learner's result
    row = next(s for s in stats.item_statistics() if s.question_id == target.pk)
    assert row.responses == 2 and row.unanswered == 1
    assert row.facility == 50.0  # 1 right of 2 answered, not 1 of 3
    # Option rates are shares of answered responses: the key 50 %, one distractor 50 %.
    assert sorted(o.rate for o in row.options if o.rate) == [50.0, 50.0]
    assert sum(o.rate for o in row.options if not o.correct) == 50.0
    domain = next(d for d in stats.domain_statistics() if d.number == target.domain)
    assert domain.responses == 2 and domain.unanswered == 1 and domain.percent_correct == 50.0
