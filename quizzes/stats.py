"""Item statistics as Moodle computes them: facility, discrimination, distractors, flags.

Data: every response (attempt item) in finished exam and practice attempts (review sessions are
left out: they only contain questions a learner already struggled with, which would bias the
rest-of-test scores). An unanswered exam question is recorded as unanswered: it is not a
response (no option was chosen, so it says nothing about the options or the item's difficulty)
and is counted on its own; it still scores 0 in its attempt, so it lowers the rest-of-test score
of the attempt's other items exactly as it lowered the learner's result.

- Facility index: the mean item score over answered responses, as a percentage.
- Discrimination index: Moodle's definition, the Pearson correlation between the item score and
  the score on the rest of the attempt (the attempt's other questions, as a fraction so practice
  sets of different lengths compare), shown ×100 like Moodle. Needs 2+ responses with variance.
- Distractor rates: the share of responses that selected each option.
- Flags: negative discrimination; and a distractor chosen more often than the key (for multiple
  response: than the least-chosen key) by the top 27 % of responses ranked by rest-of-test score.
  Flags need at least MIN_RESPONSES_FOR_FLAGS responses.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field

from core.exam import DOMAINS, domain_label
from quizzes.models import Attempt, AttemptItem, Option, Question

STATS_MODES = (Attempt.EXAM, Attempt.PRACTICE)
TOP_GROUP = 0.27
MIN_RESPONSES_FOR_FLAGS = 5


@dataclass
class OptionStat:
    position: int
    text: str
    correct: bool
    rate: float  # percent of responses selecting it
    top_rate: float | None  # percent within the top 27 %


@dataclass
class ItemStat:
    question_id: int
    external_id: str
    domain: int
    difficulty: str
    responses: int  # answered responses
    unanswered: int  # exam items left blank (not responses)
    facility: float | None  # percent
    discrimination: float | None  # Pearson r ×100
    avg_time_s: float | None
    options: list[OptionStat] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    open_reports: int = 0  # filled in by the instructor page
    stem: str = ""


def pearson(xs: list[float], ys: list[float]) -> float | None:
    """Pearson correlation; None when either side has no variance or n < 2."""
    n = len(xs)
    if n < 2:
        return None
    mx, my = sum(xs) / n, sum(ys) / n
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    sxx = sum((x - mx) ** 2 for x in xs)
    syy = sum((y - my) ** 2 for y in ys)
    if sxx == 0 or syy == 0:
        return None
    return sxy / math.sqrt(sxx * syy)


@dataclass
class _Response:
    attempt_id: int
    score: int
    rest: float | None
    selected: list[int]
    time_ms: int
    answered: bool


def _responses() -> dict[int, list[_Response]]:
    attempts = {
        pk: (correct or 0, total)
        for pk, correct, total in Attempt.objects.filter(mode__in=STATS_MODES)
        .exclude(status=Attempt.IN_PROGRESS)
        .values_list("pk", "correct_count", "total")
    }
    by_question: dict[int, list[_Response]] = defaultdict(list)
    rows = AttemptItem.objects.filter(attempt_id__in=list(attempts)).values_list(
        "attempt_id", "question_id", "correct", "selected", "time_spent_ms", "answered_at"
    )
    for attempt_id, question_id, correct, selected, time_ms, answered_at in rows:
        attempt_correct, attempt_total = attempts[attempt_id]
        score = int(bool(correct))
        rest = (attempt_correct - score) / (attempt_total - 1) if attempt_total > 1 else None
        answered = answered_at is not None and bool(selected)
        by_question[question_id].append(
            _Response(attempt_id, score, rest, list(selected or []), time_ms, answered)
        )
    return by_question


def item_statistics(*, published_only: bool = False) -> list[ItemStat]:
    """One row per question that has responses (plus questions without, at the end)."""
    responses = _responses()
    questions = Question.objects.all().order_by("domain", "external_id")
    if published_only:
        questions = questions.filter(published=True)
    options: dict[int, list[Option]] = defaultdict(list)
    for option in Option.objects.order_by("question_id", "position"):
        options[option.question_id].append(option)
    stats = []
    for question in questions:
        rows = responses.get(question.pk, [])
        stats.append(_item_stat(question, rows, options[question.pk]))
    return stats


def _item_stat(question: Question, rows: list[_Response], options: list[Option]) -> ItemStat:
    blank = sum(not r.answered for r in rows)
    rows = [r for r in rows if r.answered]
    n = len(rows)
    stat = ItemStat(
        question_id=question.pk,
        external_id=question.external_id,
        domain=question.domain,
        difficulty=question.difficulty,
        responses=n,
        unanswered=blank,
        facility=None,
        discrimination=None,
        avg_time_s=None,
    )
    if not n:
        stat.options = [OptionStat(o.position, o.text, o.correct, 0.0, None) for o in options]
        return stat
    stat.facility = round(100 * sum(r.score for r in rows) / n, 1)
    with_rest = [(x, x.rest) for x in rows if x.rest is not None]
    r = pearson([x.score for x, _ in with_rest], [rest for _, rest in with_rest])
    stat.discrimination = round(100 * r, 1) if r is not None else None
    answered = [x.time_ms for x in rows]
    stat.avg_time_s = round(sum(answered) / len(answered) / 1000, 1) if answered else None
    ranked = [x for x, _ in sorted(with_rest, key=lambda pair: pair[1], reverse=True)]
    top = ranked[: max(1, math.ceil(TOP_GROUP * len(ranked)))] if ranked else []
    for option in options:
        chosen = sum(option.pk in x.selected for x in rows)
        top_chosen = sum(option.pk in x.selected for x in top)
        stat.options.append(
            OptionStat(
                option.position,
                option.text,
                option.correct,
                round(100 * chosen / n, 1),
                round(100 * top_chosen / len(top), 1) if top else None,
            )
        )
    if n >= MIN_RESPONSES_FOR_FLAGS:
        if stat.discrimination is not None and stat.discrimination < 0:
            stat.flags.append("negative discrimination")
        keys = [o.top_rate for o in stat.options if o.correct and o.top_rate is not None]
        distractors = [o.top_rate for o in stat.options if not o.correct and o.top_rate is not None]
        if keys and any(rate > min(keys) for rate in distractors):
            stat.flags.append("top group prefers a distractor")
    return stat


@dataclass
class DomainStat:
    number: int
    label: str
    learners: int
    responses: int  # answered
    unanswered: int
    percent_correct: float | None
    avg_time_s: float | None


def domain_statistics() -> list[DomainStat]:
    """Per exam domain, across learners: responses, % correct, learners, average time."""
    buckets: dict[int, dict] = {
        d: {"users": set(), "n": 0, "ok": 0, "time": 0, "blank": 0} for d in DOMAINS
    }
    rows = (
        AttemptItem.objects.filter(attempt__mode__in=STATS_MODES)
        .exclude(attempt__status=Attempt.IN_PROGRESS)
        .values_list(
            "question__domain",
            "attempt__user_id",
            "correct",
            "time_spent_ms",
            "answered_at",
            "selected",
        )
    )
    for domain, user_id, correct, time_ms, answered_at, selected in rows:
        bucket = buckets[domain]
        bucket["users"].add(user_id)
        if answered_at is None or not selected:
            bucket["blank"] += 1
            continue
        bucket["n"] += 1
        bucket["ok"] += int(bool(correct))
        bucket["time"] += time_ms
    return [
        DomainStat(
            d,
            domain_label(d),
            len(b["users"]),
            b["n"],
            b["blank"],
            round(100 * b["ok"] / b["n"], 1) if b["n"] else None,
            round(b["time"] / b["n"] / 1000, 1) if b["n"] else None,
        )
        for d, b in buckets.items()
    ]


SORT_KEYS = {
    "id": lambda s: s.external_id,
    "domain": lambda s: s.domain,
    "responses": lambda s: s.responses,
    "unanswered": lambda s: s.unanswered,
    "facility": lambda s: s.facility,
    "discrimination": lambda s: s.discrimination,
    "time": lambda s: s.avg_time_s,
    "flags": lambda s: len(s.flags),
}


def sort_stats(stats: list[ItemStat], key: str, descending: bool) -> list[ItemStat]:
    """Sort by a column; rows without a value always go last."""
    getter = SORT_KEYS.get(key, SORT_KEYS["id"])
    present = [s for s in stats if getter(s) is not None]
    missing = [s for s in stats if getter(s) is None]
    return sorted(present, key=getter, reverse=descending) + missing
