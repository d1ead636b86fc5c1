"""Practice mode: filters, immediate server-side feedback, locking, finishing, shuffling."""

from __future__ import annotations

from datetime import timedelta

import pytest

from quizzes import selectors, services
from quizzes.errors import AttemptClosed, InvalidAnswer, NothingToPractise
from quizzes.models import Attempt, AttemptItem, ReviewCard
from quizzes.services import PracticeFilters
from tests.quizzes.bank import correct_letters, make_question, wrong_letters

pytestmark = pytest.mark.django_db


def start(user, t0, **filters):
    return services.attempt_start_practice(user, PracticeFilters(**filters), now=t0, seed=11)


def test_filters_select_domain_tag_and_difficulty(learner, bank, t0):
    make_question("hard-codebuild", domain=3, tags=["codebuild"], difficulty="hard")
    attempt = start(learner, t0, domains=(3,), tags=("codebuild",), difficulties=("hard",), count=5)
    assert [i.question.external_id for i in attempt.items.all()] == ["hard-codebuild"]
    assert attempt.notes == ["Only 1 question(s) match your filters."]


def test_count_is_respected_and_questions_are_distinct(learner, bank, t0):
    attempt = start(learner, t0, count=10)
    ids = list(attempt.items.values_list("question_id", flat=True))
    assert len(ids) == len(set(ids)) == 10


def test_nothing_matching_is_a_clear_error(learner, bank, t0):
    with pytest.raises(NothingToPractise, match="No published question matches"):
        start(learner, t0, tags=("amplify",))
    with pytest.raises(InvalidAnswer, match="between 1 and 65"):
        start(learner, t0, count=0)


def test_answer_is_scored_on_the_server_and_locked(learner, bank, t0):
    attempt = start(learner, t0, count=2)
    item = attempt.items.get(position=1)
    result = services.attempt_answer(
        attempt, 1, correct_letters(item), now=t0 + timedelta(seconds=40)
    )
    assert result.revealed and result.correct is True and not result.attempt_finished
    with pytest.raises(AttemptClosed, match="already answered"):
        services.attempt_answer(attempt, 1, correct_letters(item), now=t0)
    second = attempt.items.get(position=2)
    result = services.attempt_answer(
        attempt, 2, wrong_letters(second), now=t0 + timedelta(seconds=80)
    )
    assert result.correct is False and result.attempt_finished
    attempt.refresh_from_db()
    assert (attempt.status, attempt.correct_count, attempt.total, attempt.raw_percent) == (
        "submitted",
        1,
        2,
        50.0,
    )
    with pytest.raises(AttemptClosed):
        services.attempt_answer(attempt, 2, wrong_letters(second), now=t0)


def test_wrong_number_of_choices_and_unknown_letters_are_refused(learner, bank, t0):
    make_question("multi-only", domain=2, multiple=True, tags=["kms"])
    attempt = start(learner, t0, tags=("kms",))
    with pytest.raises(InvalidAnswer, match="Select 2 option"):
        services.attempt_answer(attempt, 1, ["A"], now=t0)
    with pytest.raises(InvalidAnswer, match="Choose 2: you selected 3"):
        services.attempt_answer(attempt, 1, ["A", "B", "C"], now=t0)
    with pytest.raises(InvalidAnswer, match="Unknown option 'Z': choose among A, B, C, D, E"):
        services.attempt_answer(attempt, 1, ["A", "Z"], now=t0)
    with pytest.raises(InvalidAnswer, match="no question 9"):
        services.attempt_answer(attempt, 9, ["A"], now=t0)


def test_only_new_and_only_wrong(learner, bank, t0):
    first = start(learner, t0, domains=(1,), count=3)
    items = list(first.items.order_by("position"))
    services.attempt_answer(first, 1, correct_letters(items[0]), now=t0)
    services.attempt_answer(first, 2, wrong_letters(items[1]), now=t0)
    wrong = start(learner, t0, domains=(1,), only_wrong=True)
    assert list(wrong.items.values_list("question_id", flat=True)) == [items[1].question_id]
    new = start(learner, t0, domains=(1,), only_new=True, count=65)
    new_ids = set(new.items.values_list("question_id", flat=True))
    assert len(new_ids) == 6 and not new_ids & {items[0].question_id, items[1].question_id}
    # Getting it right later takes it off the "wrong" list.
    services.attempt_answer(wrong, 1, correct_letters(wrong.items.get()), now=t0)
    with pytest.raises(NothingToPractise, match="only questions you got wrong"):
        start(learner, t0, domains=(1,), only_wrong=True)


def test_option_order_is_shuffled_per_attempt_and_stable_within_it(learner, bank, t0):
    orders = set()
    for seed in range(6):
        attempt = services.attempt_start_practice(
            learner, PracticeFilters(domains=(1,), count=8), now=t0, seed=seed
        )
        item = attempt.items.get(question__external_id="q-d1-000")
        assert (
            selectors.attempt_item_view(attempt, item.position).item.option_order
            == item.option_order
        )
        orders.add(tuple(item.option_order))
    assert len(orders) > 1


def test_the_page_view_hides_keys_until_answered(learner, bank, t0):
    attempt = start(learner, t0, count=1)
    view = selectors.attempt_item_view(attempt, 1)
    assert not view.revealed
    assert all(o.correct is None and o.explanation_html is None for o in view.options)
    services.attempt_answer(attempt, 1, correct_letters(view.item), now=t0)
    view = selectors.attempt_item_view(Attempt.objects.get(pk=attempt.pk), 1)
    assert view.revealed and all(o.explanation_html for o in view.options)
    assert sum(o.correct for o in view.options) == view.question.choose


def test_answer_time_is_measured_on_the_server_and_rates_the_card(learner, bank, t0):
    attempt = start(learner, t0, count=2)
    services.attempt_item_view(attempt, 1, now=t0)
    item = attempt.items.get(position=1)
    services.attempt_answer(attempt, 1, correct_letters(item), now=t0 + timedelta(seconds=15))
    item.refresh_from_db()
    assert item.time_spent_ms == 15_000
    card = ReviewCard.objects.get(user=learner, question=item.question)
    assert card.last_rating == 4  # right in ≤ 20 s → Easy
    # Reading explanations afterwards does not add to the answer time.
    services.attempt_item_view(attempt, 2, now=t0 + timedelta(minutes=5))
    assert AttemptItem.objects.get(pk=item.pk).time_spent_ms == 15_000


def test_rereading_an_answered_question_does_not_count_as_answer_time(learner, bank, t0):
    attempt = start(learner, t0, count=2)
    services.attempt_item_view(attempt, 1, now=t0)
    item = attempt.items.get(position=1)
    services.attempt_answer(attempt, 1, correct_letters(item), now=t0 + timedelta(seconds=30))
    attempt.refresh_from_db()
    services.attempt_item_view(attempt, 1, answered=True, now=t0 + timedelta(seconds=31))
    services.attempt_item_view(attempt, 2, now=t0 + timedelta(minutes=4))
    services.attempt_item_view(attempt, 1, answered=True, now=t0 + timedelta(minutes=5))
    times = dict(attempt.items.values_list("position", "time_spent_ms"))
    assert times == {1: 30_000, 2: 60_000}
