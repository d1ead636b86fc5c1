"""Exam arithmetic: domain quotas, all-or-nothing items, the estimated scale, the weighted draw."""

from __future__ import annotations

import random

import pytest

from quizzes.assembly import exam_draw
from quizzes.scoring import domain_quotas, is_pass, item_is_correct, scaled_score


def test_quotas_for_65_use_largest_remainder_on_32_26_24_18():
    # Exact seats 20.8 / 16.9 / 15.6 / 11.7: floors 20/16/15/11 leave 3 seats, which go to the
    # three largest remainders (.9 → domain 2, .8 → domain 1, .7 → domain 4).
    assert domain_quotas(65) == {1: 21, 2: 17, 3: 15, 4: 12}


@pytest.mark.parametrize("total", [1, 5, 10, 50, 65, 100])
def test_quotas_always_add_up(total):
    assert sum(domain_quotas(total).values()) == total


def test_quotas_for_100_are_the_weights():
    assert domain_quotas(100) == {1: 32, 2: 26, 3: 24, 4: 18}


def test_items_are_all_or_nothing():
    assert item_is_correct([1, 2], [2, 1])
    assert not item_is_correct([1], [1, 2])  # partial credit does not exist
    assert not item_is_correct([1, 2, 3], [1, 2])
    assert not item_is_correct([], [])  # an unanswered question is wrong


@pytest.mark.parametrize(
    ("raw", "scaled"),
    [(0, 100), (35, 410), (70, 720), (85, 860), (100, 1000), (-5, 100), (120, 1000)],
)
def test_scale_is_piecewise_linear_through_the_pass_mark(raw, scaled):
    assert scaled_score(raw) == scaled


def test_pass_at_720():
    assert is_pass(720) and not is_pass(719)


def test_draw_follows_the_weights_and_has_no_duplicates():
    pool = {d: list(range(d * 1000, d * 1000 + 100)) for d in (1, 2, 3, 4)}
    draw = exam_draw(pool, 65, random.Random(7))
    assert len(draw.question_ids) == len(set(draw.question_ids)) == 65
    per_domain = {d: sum(1 for q in draw.question_ids if q // 1000 == d) for d in (1, 2, 3, 4)}
    assert per_domain == {1: 21, 2: 17, 3: 15, 4: 12}
    assert draw.notes == []


def test_draw_is_reproducible_from_its_seed():
    pool = {d: list(range(d * 1000, d * 1000 + 40)) for d in (1, 2, 3, 4)}
    assert (
        exam_draw(pool, 65, random.Random(3)).question_ids
        == exam_draw(pool, 65, random.Random(3)).question_ids
    )


def test_a_short_domain_is_filled_from_the_others_and_said_so():
    pool = {
        1: list(range(100, 150)),
        2: [200, 201, 202],
        3: list(range(300, 350)),
        4: list(range(400, 450)),
    }
    draw = exam_draw(pool, 65, random.Random(1))
    assert len(set(draw.question_ids)) == 65
    assert {200, 201, 202} <= set(draw.question_ids)
    assert draw.notes == [
        "Domain 2 Security has 3 question(s) for 17 place(s); "
        "14 place(s) were filled from other domains."
    ]


def test_a_tiny_bank_gives_a_shorter_exam_and_says_so():
    draw = exam_draw({1: [1, 2], 3: [3]}, 65, random.Random(1))
    assert sorted(draw.question_ids) == [1, 2, 3]
    assert (
        draw.notes[-1]
        == "The bank has only 3 question(s) to draw from: this test has 3 instead of 65."
    )
