"""Exam arithmetic: domain quotas, item correctness and the estimated 100–1000 scaled score."""

from __future__ import annotations

from collections.abc import Iterable

from core.exam import DOMAINS

EXAM_QUESTIONS = 65
EXAM_MINUTES = 130
PASS_MARK = 720
# Our estimate, not AWS's method (AWS equates scores across exam forms and does not publish how):
# a piecewise-linear map with 0 % → 100, PASS_RAW_PERCENT → 720 and 100 % → 1000.
PASS_RAW_PERCENT = 70.0
SCALE_MIN, SCALE_MAX = 100, 1000


def domain_quotas(total: int = EXAM_QUESTIONS) -> dict[int, int]:
    """Seats per domain by the largest-remainder method on the exam weights."""
    weights = {d: w for d, (_name, w) in DOMAINS.items()}
    weight_sum = sum(weights.values())
    exact = {d: total * w / weight_sum for d, w in weights.items()}
    quotas = {d: int(x) for d, x in exact.items()}
    left = total - sum(quotas.values())
    # Ties (equal remainders) go to the lower domain number, so the result is deterministic.
    for d in sorted(exact, key=lambda d: (-(exact[d] - quotas[d]), d))[:left]:
        quotas[d] += 1
    return quotas


def item_is_correct(selected: Iterable[int], correct: Iterable[int]) -> bool:
    """All-or-nothing, like the real exam: the selection must equal the set of keys exactly."""
    chosen = set(selected)
    return bool(chosen) and chosen == set(correct)


def scaled_score(raw_percent: float) -> int:
    """Map a raw percentage (0–100) to our estimated 100–1000 scale (see PASS_RAW_PERCENT)."""
    raw = min(100.0, max(0.0, raw_percent))
    if raw <= PASS_RAW_PERCENT:
        value = SCALE_MIN + (PASS_MARK - SCALE_MIN) * raw / PASS_RAW_PERCENT
    else:
        value = PASS_MARK + (SCALE_MAX - PASS_MARK) * (raw - PASS_RAW_PERCENT) / (
            100.0 - PASS_RAW_PERCENT
        )
    return round(value)


def is_pass(score: int) -> bool:
    """Pass/fail at the published 720 mark."""
    return score >= PASS_MARK
