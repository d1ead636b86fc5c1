"""A thin layer over py-fsrs: ratings from correctness and time, card (de)serialisation."""

from __future__ import annotations

from datetime import datetime

from fsrs import Card, Rating, Scheduler

# Thresholds for a correct answer (the exam's pace is 2 minutes a question: 130 min / 65):
# at most 20 s → Easy; more than 2 minutes → Hard; anything in between → Good. Wrong → Again.
FAST_MS = 20_000
SLOW_MS = 120_000
DEFAULT_RETENTION = 0.9


def rating_for(*, correct: bool, time_ms: int | None) -> Rating:
    """Wrong → Again; right and slow → Hard; right and fast → Easy; otherwise Good."""
    if not correct:
        return Rating.Again
    if time_ms is None:
        return Rating.Good
    if time_ms > SLOW_MS:
        return Rating.Hard
    if time_ms <= FAST_MS:
        return Rating.Easy
    return Rating.Good


def scheduler_for(desired_retention: float = DEFAULT_RETENTION) -> Scheduler:
    # No fuzzing: due dates stay reproducible (tests, and learners comparing notes).
    return Scheduler(desired_retention=desired_retention, enable_fuzzing=False)


def card_new(card_id: int, now: datetime) -> Card:
    """A fresh card (Learning state) due now; card_id is our ReviewCard-independent key."""
    return Card(card_id=card_id, due=now)


def card_review(
    state: dict | None,
    *,
    card_id: int,
    rating: Rating,
    now: datetime,
    duration_ms: int | None,
    desired_retention: float,
) -> Card:
    """Review a card (new when `state` is empty) at `now`; returns the updated card."""
    card = Card.from_dict(state) if state else card_new(card_id, now)  # type: ignore[arg-type]  # stored JSON of Card.to_dict()
    updated, _log = scheduler_for(desired_retention).review_card(
        card, rating, review_datetime=now, review_duration=duration_ms
    )
    return updated
