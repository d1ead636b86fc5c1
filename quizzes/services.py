"""Writes for quizzes: start attempts, save answers, submit and score, FSRS cards, settings."""

from __future__ import annotations

import logging
import random
import secrets
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from core.exam import DOMAINS
from quizzes import selectors
from quizzes.assembly import blueprint_draw
from quizzes.errors import AttemptClosed, ExamRunning, InvalidAnswer, NothingToPractise
from quizzes.fsrs_cards import card_review, rating_for
from quizzes.models import (
    Attempt,
    AttemptItem,
    ExamKind,
    Flashcard,
    FlashcardCard,
    FlashcardLog,
    Option,
    PracticeExam,
    Question,
    QuestionReport,
    QuizSettings,
    ReportReason,
    ReportStatus,
    ReviewCard,
    ReviewLog,
)
from quizzes.scoring import (
    EXAM_MINUTES,
    EXAM_QUESTIONS,
    domain_quotas,
    is_pass,
    item_is_correct,
    scaled_score,
)

log = logging.getLogger(__name__)

PRACTICE_MAX = 65
REVIEW_MAX = 20
# One question on screen for longer than this counts as this long (a tab left open overnight).
ITEM_TIME_CAP_MS = 30 * 60 * 1000
LETTERS = "ABCDEFGHIJ"


def _now(now: datetime | None) -> datetime:
    return now or timezone.now()


# --- starting attempts ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PracticeFilters:
    """What a learner asked to practise."""

    domains: tuple[int, ...] = ()
    tags: tuple[str, ...] = ()
    difficulties: tuple[str, ...] = ()
    count: int = 10
    only_wrong: bool = False
    only_new: bool = False
    skills: tuple[str, ...] = ()

    def as_dict(self) -> dict:
        return {
            "skills": list(self.skills),
            "domains": list(self.domains),
            "tags": list(self.tags),
            "difficulties": list(self.difficulties),
            "count": self.count,
            "only_wrong": self.only_wrong,
            "only_new": self.only_new,
        }


def attempt_start_practice(
    user, filters: PracticeFilters, *, now: datetime | None = None, seed: int | None = None
) -> Attempt:
    """A practice set of up to `count` questions matching the filters, in random order."""
    now = _now(now)
    if not 1 <= filters.count <= PRACTICE_MAX:
        raise InvalidAnswer(f"Choose between 1 and {PRACTICE_MAX} questions.")
    candidates = selectors.practice_candidates(user, filters)
    if not candidates:
        raise NothingToPractise(
            "No published question matches these filters"
            + (" (you asked for only questions you got wrong)" if filters.only_wrong else "")
            + (" (you asked for only new questions)" if filters.only_new else "")
            + ". Widen the domains, skills, topics or difficulty."
        )
    seed = seed if seed is not None else secrets.randbits(48)
    rng = random.Random(seed)
    chosen = rng.sample(sorted(candidates), min(filters.count, len(candidates)))
    notes = []
    if len(chosen) < filters.count:
        notes.append(f"Only {len(chosen)} question(s) match your filters.")
    return _attempt_create(
        user, Attempt.PRACTICE, chosen, now=now, seed=seed, filters=filters.as_dict(), notes=notes
    )


MINUTES_PER_QUESTION = EXAM_MINUTES / EXAM_QUESTIONS  # the real exam's pace: 2 minutes


def section_size(domain: int) -> int:
    """A section test has the domain's seats of a full exam (21 / 17 / 15 / 12)."""
    return domain_quotas(EXAM_QUESTIONS)[domain]


def _running_exam(user, now: datetime) -> Attempt | None:
    running = (
        Attempt.objects.filter(user=user, mode=Attempt.EXAM, status=Attempt.IN_PROGRESS)
        .select_related("practice_exam")
        .order_by("-started_at")
        .first()
    )
    if running is None:
        return None
    running = attempt_expire_if_due(running, now=now)
    return None if running.finished else running


@transaction.atomic
def attempt_start_exam(
    user,
    *,
    kind: str = ExamKind.RANDOM,
    number: int | None = None,
    domain: int | None = None,
    now: datetime | None = None,
    seed: int | None = None,
    size: int = EXAM_QUESTIONS,
) -> Attempt:
    """Start a timed test, or resume it when the same one is running.

    - random: 65 questions drawn to the blueprint (domain weights, then tasks), 130 minutes;
    - named: the stored questions of "Practice exam N" (the same every time), 130 minutes;
    - section: one domain's share of a full exam, balanced by task, at the exam's pace;
    - final: 65 questions the learner has never seen, drawn to the blueprint.
    One timed test runs at a time: starting another while one runs raises ExamRunning.
    """
    now = _now(now)
    # Lock the learner's row first: parallel starts then see each other's exam (checking
    # first let 8 parallel starts create 8 running exams).
    from django.contrib.auth import get_user_model

    get_user_model().objects.select_for_update().filter(pk=user.pk).first()
    kind = ExamKind(kind)
    running = _running_exam(user, now)
    if running is not None:
        same = running.kind in (kind, "") if kind == ExamKind.RANDOM else running.kind == kind
        if kind == ExamKind.NAMED:
            exam = running.practice_exam
            same = same and exam is not None and exam.number == number
        if kind == ExamKind.SECTION:
            same = same and running.section_domain == domain
        if same:
            return running
        raise ExamRunning(
            f"{running.title} is in progress: resume it and submit it before starting another "
            "timed test."
        )
    seed = seed if seed is not None else secrets.randbits(48)
    rng = random.Random(seed)
    practice_exam = None
    if kind == ExamKind.NAMED:
        if number is not None:
            practice_exam = PracticeExam.objects.filter(number=number).first()
        if practice_exam is None:
            raise NothingToPractise(
                f"There is no practice exam {number}: an instructor builds them with "
                "`manage.py build_practice_exams`."
            )
        seats = list(
            practice_exam.seats.order_by("position").values_list(
                "question_id", "question__published"
            )
        )
        question_ids = [qid for qid, published in seats if published]
        notes = []
        if len(question_ids) < len(seats):
            notes.append(
                f"{len(seats) - len(question_ids)} question(s) of this exam were withdrawn from "
                f"the bank since it was built: it has {len(question_ids)} instead of {len(seats)}."
            )
        from quizzes.assembly import Draw

        draw = Draw(question_ids, notes)
    elif kind == ExamKind.SECTION:
        if domain not in DOMAINS:
            raise InvalidAnswer(f"Unknown domain {domain!r}: choose 1, 2, 3 or 4.")
        size = section_size(domain)
        draw = blueprint_draw(
            selectors.blueprint_pool(),
            size,
            rng,
            domains=[domain],
            task_weights=selectors.task_weights(),
        )
    elif kind == ExamKind.FINAL:
        unseen = selectors.blueprint_pool(exclude=selectors.seen_question_ids(user))
        available = sum(len(ids) for ids in unseen.values())
        if available < size:
            raise NothingToPractise(
                f"Only {available} published question(s) are new to you; the final exam needs "
                f"{size} you have never seen. Take it before the practice exams next time, or "
                "use a random exam."
            )
        draw = blueprint_draw(unseen, size, rng, task_weights=selectors.task_weights())
    else:
        draw = blueprint_draw(
            selectors.blueprint_pool(), size, rng, task_weights=selectors.task_weights()
        )
    if not draw.question_ids:
        raise NothingToPractise("The question bank is empty: load the content first.")
    # Full exams keep the real 130 minutes (even from a short bank); a section test gets the
    # real pace for its seats.
    minutes = (
        round(len(draw.question_ids) * MINUTES_PER_QUESTION)
        if kind == ExamKind.SECTION
        else EXAM_MINUTES
    )
    attempt = _attempt_create(
        user,
        Attempt.EXAM,
        draw.question_ids,
        now=now,
        seed=seed,
        deadline=now + timedelta(minutes=max(1, minutes)),
        notes=draw.notes,
        kind=kind,
        practice_exam=practice_exam,
        section_domain=domain if kind == ExamKind.SECTION else None,
    )
    transaction.on_commit(lambda: _schedule_expiry(attempt))
    return attempt


def attempt_start_review(user, *, now: datetime | None = None, seed: int | None = None) -> Attempt:
    """A session of the learner's due cards (most overdue first, at most REVIEW_MAX)."""
    now = _now(now)
    question_ids = selectors.due_question_ids(user, now=now, limit=REVIEW_MAX)
    if not question_ids:
        raise NothingToPractise("No cards are due. Come back later, or practise new questions.")
    seed = seed if seed is not None else secrets.randbits(48)
    return _attempt_create(user, Attempt.REVIEW, question_ids, now=now, seed=seed)


@transaction.atomic
def _attempt_create(
    user,
    mode: str,
    question_ids: list[int],
    *,
    now: datetime,
    seed: int,
    deadline: datetime | None = None,
    filters: dict | None = None,
    notes: list[str] | None = None,
    kind: str = "",
    practice_exam: PracticeExam | None = None,
    section_domain: int | None = None,
) -> Attempt:
    rng = random.Random(seed ^ 0x5EED)
    options: dict[int, list[int]] = defaultdict(list)
    for question_id, option_id in (
        Option.objects.filter(question_id__in=question_ids)
        .order_by("question_id", "position")
        .values_list("question_id", "id")
    ):
        options[question_id].append(option_id)
    attempt = Attempt.objects.create(
        user=user,
        mode=mode,
        started_at=now,
        deadline=deadline,
        seed=seed,
        filters=filters or {},
        notes=notes or [],
        total=len(question_ids),
        kind=kind,
        practice_exam=practice_exam,
        section_domain=section_domain,
    )
    items = []
    for position, question_id in enumerate(question_ids, start=1):
        order = list(options[question_id])
        rng.shuffle(order)  # shuffled once per attempt, stored: stable within it
        items.append(
            AttemptItem(
                attempt=attempt, question_id=question_id, position=position, option_order=order
            )
        )
    AttemptItem.objects.bulk_create(items)
    return attempt


def _schedule_expiry(attempt: Attempt) -> None:
    """Ask Celery to finalise the attempt at its deadline; access-time expiry is the fallback."""
    from quizzes.tasks import attempt_expire

    try:
        attempt_expire.apply_async(args=[attempt.pk], eta=attempt.deadline)
    except Exception:
        log.exception(
            "could not schedule expiry of attempt %s; access-time expiry applies", attempt.pk
        )


# --- answering -----------------------------------------------------------------------------------


def letters_to_option_ids(item: AttemptItem, letters: Iterable[str]) -> list[int]:
    """Map the letters a learner saw (A, B…) to option ids via the attempt's stored order."""
    ids = []
    for letter in letters:
        letter = str(letter).strip().upper()
        index = LETTERS.find(letter) if len(letter) == 1 else -1
        if index < 0 or index >= len(item.option_order):
            valid = ", ".join(LETTERS[: len(item.option_order)])
            raise InvalidAnswer(f"Unknown option {letter!r}: choose among {valid}.")
        ids.append(item.option_order[index])
    if len(set(ids)) != len(ids):
        raise InvalidAnswer("An option is selected twice.")
    return ids


def _lock_open_attempt(attempt_id: int, now: datetime) -> Attempt:
    """Lock the attempt row; refuse (409) when it is finished or past its deadline."""
    attempt = Attempt.objects.select_for_update().get(pk=attempt_id)
    if attempt.finished:
        raise AttemptClosed("This attempt is already finished: answers can no longer change.")
    if attempt.deadline is not None and now >= attempt.deadline:
        raise AttemptClosed("Time is up: the exam was submitted at its deadline.")
    return attempt


def _clock_out(attempt: Attempt, now: datetime) -> None:
    """Add the time since the on-screen item was shown to that item (server-side timing)."""
    if attempt.current_position is None or attempt.current_since is None:
        return
    end = min(now, attempt.deadline) if attempt.deadline else now
    elapsed = int((end - attempt.current_since).total_seconds() * 1000)
    elapsed = max(0, min(elapsed, ITEM_TIME_CAP_MS))
    if elapsed:
        AttemptItem.objects.filter(attempt=attempt, position=attempt.current_position).update(
            time_spent_ms=F("time_spent_ms") + elapsed
        )


def attempt_item_view(
    attempt: Attempt, position: int, *, answered: bool = False, now: datetime | None = None
) -> None:
    """Record that `position` is on screen from now (closing the clock on the previous one).

    A practice/review question already answered is only being read: its clock stays stopped.
    """
    now = _now(now)
    timing = None if answered and attempt.mode != Attempt.EXAM else position
    if attempt.finished or (attempt.current_position == position and timing is not None):
        return
    if attempt.current_position is None and timing is None:
        return
    with transaction.atomic():
        try:
            locked = _lock_open_attempt(attempt.pk, now)
        except AttemptClosed:
            return
        _clock_out(locked, now)
        since = now if timing is not None else None
        Attempt.objects.filter(pk=locked.pk).update(current_position=timing, current_since=since)
    attempt.current_position, attempt.current_since = timing, since


@dataclass
class AnswerResult:
    """What answering returns: the item, and for practice/review whether it was right."""

    item: AttemptItem
    revealed: bool
    correct: bool | None
    attempt_finished: bool


def attempt_answer(
    attempt: Attempt,
    position: int,
    letters: Iterable[str],
    *,
    flagged: bool | None = None,
    now: datetime | None = None,
) -> AnswerResult:
    """Save an answer. Exam: saved silently, changeable until submit. Practice/review: scored
    at once (then locked), its FSRS card updated; the last answer finishes the set."""
    now = _now(now)
    letters = list(letters)
    with transaction.atomic():
        locked = _lock_open_attempt(attempt.pk, now)
        item = (
            AttemptItem.objects.select_for_update()
            .select_related("question")
            .filter(attempt=locked, position=position)
            .first()
        )
        if item is None:
            raise InvalidAnswer(f"This attempt has no question {position}.")
        selected = letters_to_option_ids(item, letters)
        choose = item.question.choose
        if len(selected) > choose:
            raise InvalidAnswer(f"Choose {choose}: you selected {len(selected)}.")
        practice_like = locked.mode != Attempt.EXAM
        if practice_like:
            if item.answered_at is not None:
                raise AttemptClosed("You already answered this question.")
            if len(selected) != choose:
                raise InvalidAnswer(f"Select {choose} option(s) before checking your answer.")
        if locked.current_position == position:
            _clock_out(locked, now)
            locked.current_since = now
            Attempt.objects.filter(pk=locked.pk).update(current_since=now)
            item.refresh_from_db(fields=["time_spent_ms"])
        if practice_like:
            # The clock stops at the answer: reading the explanations is not answering time.
            locked.current_position = locked.current_since = None
            Attempt.objects.filter(pk=locked.pk).update(current_position=None, current_since=None)
        item.selected = selected
        item.answered_at = now if selected else None
        if flagged is not None:
            item.flagged = flagged
        fields = ["selected", "answered_at", "flagged"]
        correct = None
        if practice_like:
            keys = _correct_ids([item.question_id])[item.question_id]
            correct = item_is_correct(selected, keys)
            item.correct = correct
            fields.append("correct")
        item.save(update_fields=fields)
        finished = False
        if practice_like:
            cards_record(
                locked.user,
                [(item.question_id, bool(correct), item.time_spent_ms)],
                source=locked.mode,
                now=now,
            )
            if not AttemptItem.objects.filter(attempt=locked, answered_at__isnull=True).exists():
                _finish(locked, now=now, status=Attempt.SUBMITTED)
                finished = True
    return AnswerResult(
        item=item, revealed=practice_like, correct=correct, attempt_finished=finished
    )


def attempt_flag(
    attempt: Attempt, position: int, flagged: bool, *, now: datetime | None = None
) -> None:
    """Flag or unflag a question for review (exam), without touching its answer."""
    now = _now(now)
    with transaction.atomic():
        locked = _lock_open_attempt(attempt.pk, now)
        updated = AttemptItem.objects.filter(attempt=locked, position=position).update(
            flagged=flagged
        )
        if not updated:
            raise InvalidAnswer(f"This attempt has no question {position}.")


# --- submitting and scoring ----------------------------------------------------------------------


def attempt_submit(attempt: Attempt, *, now: datetime | None = None) -> Attempt:
    """Submit and score. Exactly one of two simultaneous submissions wins; the other gets 409."""
    now = _now(now)
    with transaction.atomic():
        locked = Attempt.objects.select_for_update().get(pk=attempt.pk)
        if locked.finished:
            raise AttemptClosed("This attempt was already submitted.")
        late = locked.deadline is not None and now >= locked.deadline
        status = Attempt.EXPIRED if late else Attempt.SUBMITTED
        # The conditional update is the arbiter even where SELECT … FOR UPDATE is a no-op.
        won = Attempt.objects.filter(pk=locked.pk, status=Attempt.IN_PROGRESS).update(status=status)
        if not won:
            raise AttemptClosed("This attempt was already submitted.")
        deadline = locked.deadline
        _finish(locked, now=min(now, deadline) if late and deadline else now, status=status)
    return locked


def attempt_expire_if_due(attempt: Attempt, *, now: datetime | None = None) -> Attempt:
    """Finalise a running attempt whose deadline has passed (idempotent); returns it fresh."""
    now = _now(now)
    if attempt.finished or attempt.deadline is None or now < attempt.deadline:
        return attempt
    try:
        return attempt_submit(attempt, now=now)
    except AttemptClosed:
        return Attempt.objects.get(pk=attempt.pk)


def attempts_expire_overdue(*, now: datetime | None = None) -> int:
    """Finalise every running attempt past its deadline (a periodic safety net)."""
    now = _now(now)
    count = 0
    for attempt in Attempt.objects.filter(status=Attempt.IN_PROGRESS, deadline__lte=now):
        if attempt_expire_if_due(attempt, now=now).status == Attempt.EXPIRED:
            count += 1
    return count


def _correct_ids(question_ids: Iterable[int]) -> dict[int, set[int]]:
    keys: dict[int, set[int]] = defaultdict(set)
    for question_id, option_id in Option.objects.filter(
        question_id__in=list(question_ids), correct=True
    ).values_list("question_id", "id"):
        keys[question_id].add(option_id)
    return keys


def _finish(attempt: Attempt, *, now: datetime, status: str) -> None:
    """Score every item on the server and store totals, per-domain scores and the scaled score."""
    _clock_out(attempt, now)
    items = list(AttemptItem.objects.filter(attempt=attempt).select_related("question"))
    keys = _correct_ids(item.question_id for item in items)
    per_domain = {d: {"correct": 0, "total": 0} for d in DOMAINS}
    exam_cards: list[tuple[int, bool, int | None]] = []
    for item in items:
        item.correct = item_is_correct(item.selected, keys[item.question_id])
        bucket = per_domain[item.question.domain]
        bucket["total"] += 1
        bucket["correct"] += int(item.correct)
        if attempt.mode == Attempt.EXAM and item.selected:
            exam_cards.append((item.question_id, bool(item.correct), item.time_spent_ms))
    AttemptItem.objects.bulk_update(items, ["correct"])
    correct = sum(1 for i in items if i.correct)
    total = len(items)
    raw = 100.0 * correct / total if total else 0.0
    attempt.status = status
    attempt.submitted_at = now
    attempt.total = total
    attempt.correct_count = correct
    attempt.raw_percent = round(raw, 2)
    attempt.scaled_score = scaled_score(raw)
    attempt.passed = is_pass(attempt.scaled_score) if attempt.mode == Attempt.EXAM else None
    attempt.domain_scores = {
        str(d): {
            **v,
            "percent": round(100.0 * v["correct"] / v["total"], 1) if v["total"] else None,
        }
        for d, v in per_domain.items()
    }
    attempt.current_position = None
    attempt.current_since = None
    attempt.save()
    if exam_cards:
        cards_record(attempt.user, exam_cards, source=Attempt.EXAM, now=now)


# --- spaced review -------------------------------------------------------------------------------


def desired_retention(user) -> float:
    """The learner's FSRS target (0.9 until they change it)."""
    found = (
        QuizSettings.objects.filter(user=user).values_list("desired_retention", flat=True).first()
    )
    return found if found is not None else 0.9


def settings_update(user, *, desired_retention_value: float) -> QuizSettings:
    """Change the desired retention (0.70–0.97; future reviews use it)."""
    if not 0.7 <= desired_retention_value <= 0.97:
        raise InvalidAnswer("Desired retention must be between 0.70 and 0.97.")
    obj, _ = QuizSettings.objects.update_or_create(
        user=user, defaults={"desired_retention": desired_retention_value}
    )
    return obj


def cards_record(
    user, answers: list[tuple[int, bool, int | None]], *, source: str, now: datetime | None = None
) -> list[ReviewCard]:
    """Review one FSRS card per answered question (created on first answer), logging each.

    Bulk writes: one query to read the cards, one to create new ones, one to update the others
    and one for the logs, whatever the number of answers (an exam submits 65 at once).
    """
    now = _now(now)
    retention = desired_retention(user)
    question_ids = [qid for qid, _c, _t in answers]
    cards = {
        c.question_id: c for c in ReviewCard.objects.filter(user=user, question_id__in=question_ids)
    }
    new_cards: list[ReviewCard] = []
    reviews: list[tuple[ReviewCard, int, bool, int | None, datetime | None, datetime]] = []
    for question_id, correct, time_ms in answers:
        card = cards.get(question_id)
        if card is None:
            card = ReviewCard(user=user, question_id=question_id, due=now)
            cards[question_id] = card
            new_cards.append(card)
        rating = rating_for(correct=correct, time_ms=time_ms)
        due_before = card.due if card.reps else None
        updated = card_review(
            card.card or None,
            card_id=question_id,  # unique per learner, which is all FSRS needs
            rating=rating,
            now=now,
            duration_ms=time_ms,
            desired_retention=retention,
        )
        card.card = updated.to_dict()
        card.due = updated.due
        card.reps += 1
        card.lapses += int(not correct and card.reps > 1)
        card.last_rating = int(rating)
        card.last_review = now
        reviews.append((card, int(rating), correct, time_ms, due_before, updated.due))
    ReviewCard.objects.bulk_create(new_cards)
    fresh = {id(c) for c in new_cards}
    ReviewCard.objects.bulk_update(
        [c for c in cards.values() if id(c) not in fresh and c.last_review == now],
        ["card", "due", "reps", "lapses", "last_rating", "last_review"],
    )
    ReviewLog.objects.bulk_create(
        ReviewLog(
            card=card,
            rating=rating,
            reviewed_at=now,
            duration_ms=time_ms,
            correct=correct,
            source=source,
            due_before=due_before,
            due_after=due_after,
        )
        for card, rating, correct, time_ms, due_before, due_after in reviews
    )
    return [card for card, *_rest in reviews]


# --- authoring -----------------------------------------------------------------------------------


def question_mark_admin_edit(question: Question, *, now: datetime | None = None) -> None:
    """Re-render a question edited in the admin and remember the edit (load_content keeps it)."""
    from core.markdown import render_markdown
    from quizzes.loading import tags_index

    question.stem_html = render_markdown(question.stem_markdown).html
    question.tags_index = tags_index(list(question.tags or []))
    question.edited_in_admin_at = _now(now)
    question.save()
    for option in question.options.all():
        option.text_html = render_markdown(option.text).html
        option.explanation_html = render_markdown(option.explanation).html
        option.save(update_fields=["text_html", "explanation_html"])


# --- flashcards ----------------------------------------------------------------------------------

# New cards a learner meets per day (due cards always come first and are not capped).
NEW_FLASHCARDS_PER_DAY = 20
FLASHCARD_ID_OFFSET = 1_000_000_000  # FSRS card ids of flashcards never meet question ids


def flashcard_rate(
    user, flashcard_id: int, rating: int, *, now: datetime | None = None
) -> FlashcardCard:
    """Rate a flashcard Again/Hard/Good/Easy (1–4): FSRS schedules it like question cards."""
    from fsrs import Rating

    now = _now(now)
    if rating not in (1, 2, 3, 4):
        raise InvalidAnswer("Rate the card 1 (Again), 2 (Hard), 3 (Good) or 4 (Easy).")
    flashcard = Flashcard.objects.filter(pk=flashcard_id, published=True).first()
    if flashcard is None:
        raise InvalidAnswer("This flashcard does not exist or was withdrawn.")
    with transaction.atomic():
        card, _created = FlashcardCard.objects.select_for_update().get_or_create(
            user=user, flashcard=flashcard, defaults={"due": now}
        )
        due_before = card.due if card.reps else None
        updated = card_review(
            card.card or None,
            card_id=FLASHCARD_ID_OFFSET + flashcard.pk,
            rating=Rating(rating),
            now=now,
            duration_ms=None,
            desired_retention=desired_retention(user),
        )
        card.card = updated.to_dict()
        card.due = updated.due
        card.lapses += int(rating == 1 and card.reps > 0)
        card.reps += 1
        card.last_rating = rating
        card.last_review = now
        card.save()
        FlashcardLog.objects.create(
            card=card, rating=rating, reviewed_at=now, due_before=due_before, due_after=card.due
        )
    return card


# --- question reports ----------------------------------------------------------------------------


def question_report_create(
    user,
    attempt: Attempt,
    position: int,
    *,
    reason: str,
    comment: str,
    now: datetime | None = None,
) -> QuestionReport:
    """A learner reports the question at `position` of their attempt (once it is revealed)."""
    now = _now(now)
    item = AttemptItem.objects.filter(attempt=attempt, position=position).first()
    if item is None or attempt.user_id != user.pk:
        raise InvalidAnswer(f"This attempt has no question {position}.")
    if not selectors.item_revealed(attempt, item):
        raise InvalidAnswer(
            "Report a question after answering it (practice) or after submitting (exam)."
        )
    if reason not in ReportReason.values:
        raise InvalidAnswer("Choose what is wrong: the key is wrong, ambiguous, or outdated.")
    comment = (comment or "").strip()
    if not comment:
        raise InvalidAnswer("Say in a few words what is wrong, so an instructor can check it.")
    if len(comment) > 2000:
        raise InvalidAnswer(f"The comment is {len(comment)} characters; the limit is 2,000.")
    if QuestionReport.objects.filter(
        user=user, question_id=item.question_id, status=ReportStatus.OPEN
    ).exists():
        raise InvalidAnswer(
            "You already reported this question; an instructor will look at it soon."
        )
    return QuestionReport.objects.create(
        question_id=item.question_id,
        user=user,
        attempt=attempt,
        reason=reason,
        comment=comment,
        created_at=now,
    )


def question_report_resolve(
    report_id: int, instructor, *, resolution: str = "", now: datetime | None = None
) -> QuestionReport:
    """Close a report with a note of what was done (idempotent for a resolved report)."""
    now = _now(now)
    report = QuestionReport.objects.filter(pk=report_id).first()
    if report is None:
        raise InvalidAnswer("No such report.")
    if report.status == ReportStatus.RESOLVED:
        return report
    resolution = (resolution or "").strip()
    if len(resolution) > 2000:
        raise InvalidAnswer("The note is longer than 2,000 characters.")
    report.status = ReportStatus.RESOLVED
    report.resolution = resolution
    report.resolved_by = instructor
    report.resolved_at = now
    report.save(update_fields=["status", "resolution", "resolved_by", "resolved_at"])
    return report
