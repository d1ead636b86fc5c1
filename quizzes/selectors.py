"""Reads for quizzes: ownership, question pages, results, readiness, dashboard and topic links."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Q
from django.utils import timezone

from core.exam import DOMAINS, TASKS, TOPIC_TAGS, domain_label
from quizzes.models import (
    Attempt,
    AttemptItem,
    CheatSheet,
    ExamKind,
    Flashcard,
    FlashcardCard,
    FlashcardLog,
    Option,
    PracticeExam,
    Question,
    QuestionReport,
    ReportStatus,
    ReviewCard,
)

if TYPE_CHECKING:
    from quizzes.services import PracticeFilters

LETTERS = "ABCDEFGHIJ"
RECENT_ANSWERS = 200


# --- ownership: the ONE place that decides whether a learner may see an attempt -----------------


def attempt_get_for_user(user, attempt_id: int) -> Attempt | None:
    """The learner's own attempt, or None: another learner's id looks exactly like a missing one
    (the views answer 404 for both)."""
    return Attempt.objects.filter(pk=attempt_id, user_id=user.pk).first() if user.pk else None


def attempts_for_user(user, *, limit: int = 20) -> list[Attempt]:
    """The learner's latest attempts, newest first."""
    return list(
        Attempt.objects.filter(user_id=user.pk)
        .select_related("practice_exam")
        .order_by("-started_at")[:limit]
    )


# --- drawing questions ---------------------------------------------------------------------------


def practice_candidates(user, filters: PracticeFilters) -> set[int]:
    """Ids of published questions matching the practice filters for this learner."""
    queryset = Question.objects.filter(published=True)
    if filters.domains:
        queryset = queryset.filter(domain__in=filters.domains)
    if filters.difficulties:
        queryset = queryset.filter(difficulty__in=filters.difficulties)
    if filters.tags:
        any_tag = Q()
        for tag in filters.tags:
            any_tag |= Q(tags_index__contains=f"|{tag}|")
        queryset = queryset.filter(any_tag)
    if filters.skills:
        any_skill = Q()
        for code in filters.skills:
            any_skill |= Q(skills_index__contains=f"|{code}|")
        queryset = queryset.filter(any_skill)
    ids = set(queryset.values_list("id", flat=True))
    if filters.only_new:
        answered = AttemptItem.objects.filter(
            attempt__user_id=user.pk, answered_at__isnull=False
        ).values_list("question_id", flat=True)
        ids -= set(answered)
    if filters.only_wrong:
        ids &= wrong_question_ids(user)
    return ids


def wrong_question_ids(user) -> set[int]:
    """Questions whose latest scored answer by this learner was wrong."""
    latest: dict[int, bool] = {}
    for question_id, correct in (
        AttemptItem.objects.filter(attempt__user_id=user.pk, correct__isnull=False)
        .exclude(answered_at__isnull=True)
        .order_by("answered_at", "pk")
        .values_list("question_id", "correct")
    ):
        latest[question_id] = bool(correct)  # never None: filtered on correct__isnull=False
    return {qid for qid, correct in latest.items() if not correct}


def blueprint_pool(*, exclude: set[int] | None = None) -> dict[tuple[int, str], list[int]]:
    """Published question ids per (domain, task), the domain and task derived from content."""
    pool: dict[tuple[int, str], list[int]] = defaultdict(list)
    for pk, domain, task in Question.objects.filter(published=True).values_list(
        "pk", "domain", "task"
    ):
        if exclude and pk in exclude:
            continue
        pool[(domain, task)].append(pk)
    return dict(pool)


def skill_model():
    """core.Skill when the blueprint is installed (migrated), else None."""
    from django.apps import apps
    from django.db import connection

    try:
        model = apps.get_model("core", "Skill")
    except LookupError:
        return None
    if model._meta.db_table not in connection.introspection.table_names():
        return None
    return model


def task_weights() -> dict[str, float]:
    """Seats per task inside a domain follow the exam guide's content: the number of knowledge
    and skill items each task statement lists (core.Skill). Equal weights until it is loaded."""
    model = skill_model()
    if model is None:
        return {}
    counts = Counter(model.objects.filter(active=True).values_list("task", flat=True))
    return {task: float(n) for task, n in counts.items()}


def seen_question_ids(user) -> set[int]:
    """Every question that was ever part of one of the learner's attempts (shown or listed)."""
    return set(
        AttemptItem.objects.filter(attempt__user_id=user.pk)
        .values_list("question_id", flat=True)
        .distinct()
    )


def exam_pool() -> dict[int, list[int]]:
    """Published question ids per domain (one indexed query per domain)."""
    published = Question.objects.filter(published=True)
    return {
        domain: list(published.filter(domain=domain).values_list("id", flat=True))
        for domain in DOMAINS
    }


def due_question_ids(user, *, now: datetime, limit: int) -> list[int]:
    """Question ids of the learner's due cards (published questions), most overdue first."""
    return list(
        ReviewCard.objects.filter(user_id=user.pk, due__lte=now, question__published=True)
        .order_by("due", "pk")
        .values_list("question_id", flat=True)[:limit]
    )


def due_today_count(user, *, now: datetime | None = None) -> int:
    """Cards due by the end of today (the site's time zone), including those due now."""
    now = now or timezone.now()
    local = timezone.localtime(now)
    end_of_day = local.replace(hour=23, minute=59, second=59, microsecond=999999)
    return ReviewCard.objects.filter(
        user_id=user.pk, due__lte=end_of_day, question__published=True
    ).count()


def due_count(user, *, now: datetime | None = None) -> int:
    """Cards due now ("due today" = due by now: FSRS schedules to the minute)."""
    now = now or timezone.now()
    return ReviewCard.objects.filter(
        user_id=user.pk, due__lte=now, question__published=True
    ).count()


# --- what a page shows ---------------------------------------------------------------------------


@dataclass
class OptionView:
    """An option as shown in an attempt. `correct` and `explanation_html` stay None until the
    learner may see them, so no template or serializer can leak the key by accident."""

    letter: str
    text_html: str
    selected: bool
    correct: bool | None = None
    explanation_html: str | None = None


@dataclass
class NavEntry:
    position: int
    answered: bool
    flagged: bool
    correct: bool | None = None  # shown once revealed (practice/review answers, finished exams)

    @property
    def state(self) -> str:
        """For the grid's class and its text: right, wrong, answered, unanswered."""
        if self.correct is True:
            return "right"
        if self.correct is False and self.answered:
            return "wrong"
        return "answered" if self.answered else "unanswered"


@dataclass
class ItemView:
    """One question of an attempt, ready to render."""

    attempt: Attempt
    item: AttemptItem
    question: Question
    options: list[OptionView]
    revealed: bool
    nav: list[NavEntry] = field(default_factory=list)

    @property
    def is_multiple(self) -> bool:
        return self.question.type == Question.MULTIPLE

    @property
    def selected_letters(self) -> list[str]:
        return [o.letter for o in self.options if o.selected]


def item_revealed(attempt: Attempt, item: AttemptItem) -> bool:
    """Keys and explanations show after the attempt ends, or (practice/review) once answered."""
    if attempt.finished:
        return True
    return attempt.mode != Attempt.EXAM and item.answered_at is not None


def _option_views(
    item: AttemptItem, options: dict[int, Option], revealed: bool
) -> list[OptionView]:
    views = []
    for index, option_id in enumerate(item.option_order):
        option = options.get(option_id)
        if option is None:  # an option later removed from the bank: keep the letters aligned
            continue
        views.append(
            OptionView(
                letter=LETTERS[index],
                text_html=option.text_html,
                selected=option_id in item.selected,
                correct=option.correct if revealed else None,
                explanation_html=option.explanation_html if revealed else None,
            )
        )
    return views


def attempt_item_view(attempt: Attempt, position: int, *, with_nav: bool = True) -> ItemView | None:
    """The question at `position` with its options in this attempt's order (3 queries); None
    when the attempt has no such position."""
    item = (
        AttemptItem.objects.select_related("question")
        .filter(attempt=attempt, position=position)
        .first()
    )
    if item is None:
        return None
    options = {o.pk: o for o in Option.objects.filter(pk__in=item.option_order)}
    revealed = item_revealed(attempt, item)
    view = ItemView(attempt, item, item.question, _option_views(item, options, revealed), revealed)
    if with_nav:
        view.nav = attempt_nav(attempt)
    return view


def attempt_item_views(attempt: Attempt) -> list[ItemView]:
    """Every question of an attempt, each revealed only if allowed (2 queries)."""
    items = list(
        AttemptItem.objects.filter(attempt=attempt).select_related("question").order_by("position")
    )
    option_ids = [oid for item in items for oid in item.option_order]
    options = {o.pk: o for o in Option.objects.filter(pk__in=option_ids)}
    views = []
    for item in items:
        revealed = item_revealed(attempt, item)
        views.append(
            ItemView(attempt, item, item.question, _option_views(item, options, revealed), revealed)
        )
    return views


def attempt_nav(attempt: Attempt) -> list[NavEntry]:
    """Every position with answered/flagged marks (for the navigator and the review screen);
    right/wrong too where the learner may see it (practice and review answers)."""
    show = attempt.finished or attempt.mode != Attempt.EXAM
    return [
        NavEntry(position, answered is not None, flagged, correct if show else None)
        for position, answered, flagged, correct in AttemptItem.objects.filter(attempt=attempt)
        .order_by("position")
        .values_list("position", "answered_at", "flagged", "correct")
    ]


def attempt_first_open_position(attempt: Attempt) -> int:
    """Where to resume: the first unanswered question (or the first one)."""
    position = (
        AttemptItem.objects.filter(attempt=attempt, answered_at__isnull=True)
        .order_by("position")
        .values_list("position", flat=True)
        .first()
    )
    return position or 1


@dataclass
class DomainResult:
    number: int
    label: str
    correct: int
    total: int
    percent: float | None


@dataclass
class AttemptResult:
    attempt: Attempt
    items: list[ItemView]
    domains: list[DomainResult]
    total_time_ms: int


def attempt_result(attempt: Attempt) -> AttemptResult:
    """A finished attempt with every question revealed, per-domain scores and times (3 queries)."""
    if not attempt.finished:
        raise ValueError("attempt_result needs a finished attempt")
    views = attempt_item_views(attempt)
    domains = []
    for number in DOMAINS:
        score = attempt.domain_scores.get(str(number), {})
        if score.get("total"):
            domains.append(
                DomainResult(
                    number,
                    domain_label(number),
                    score["correct"],
                    score["total"],
                    score.get("percent"),
                )
            )
    return AttemptResult(attempt, views, domains, sum(v.item.time_spent_ms for v in views))


# --- dashboard -----------------------------------------------------------------------------------


@dataclass
class Accuracy:
    key: str
    label: str
    correct: int
    total: int

    @property
    def percent(self) -> int:
        return round(100 * self.correct / self.total) if self.total else 0


@dataclass(frozen=True)
class WeakTopic:
    """A topic the learner gets wrong most, and the lesson most of those questions point to."""

    topic: Accuracy
    lesson_ref: str  # "<module>/<lesson>", or "" when none of its questions names one


# A lab graded p % counts like LAB_WEIGHT answers with p % of them right, for each skill (and
# its task and domain) the lab exercises: evidence of doing, not only of choosing an option.
LAB_WEIGHT = 3
# A lab at or above this best score is passed (the labs app's pass mark, labs.selectors).
LAB_PASS_PERCENT = 90
# Fewer answers than this on a domain, task or skill: shown, but marked "too few to tell".
MIN_EVIDENCE = 5


@dataclass
class Readiness:
    """Evidence for one domain, task or skill: answers (right/total) plus labs."""

    key: str
    label: str
    correct: float = 0
    total: float = 0
    answers: int = 0
    labs: list[tuple[str, float]] = field(default_factory=list)  # (lab title, best %)

    @property
    def percent(self) -> int:
        return round(100 * self.correct / self.total) if self.total else 0

    @property
    def enough(self) -> bool:
        return self.answers + LAB_WEIGHT * len(self.labs) >= MIN_EVIDENCE


def skill_labels() -> dict[str, str]:
    """Skill id → its short text (empty until the exam guide is loaded)."""
    model = skill_model()
    if model is None:
        return {}
    return dict(model.objects.values_list("code", "text"))


def lab_evidence(user) -> list[tuple[str, int, str, list[str], float]]:
    """(lab title, domain, task, skills, best %) for each lab the learner had graded.

    The best is over every grading ever recorded (a regrade adds one and never takes a result
    away), as the lab pages show it. Reads `Lab.skills` where the labs app has it; before that
    a lab counts for its task only.
    """
    try:
        from django.apps import apps

        lab_model = apps.get_model("labs", "Lab")
        submission_model = apps.get_model("labs", "Submission")
    except LookupError:
        return []
    try:
        grading_model = apps.get_model("labs", "Grading")
    except LookupError:
        grading_model = None
    has_skills = "skills" in {f.name for f in lab_model._meta.get_fields()}
    best: dict[int, float] = {}
    scores = list(
        submission_model.objects.filter(
            user_id=user.pk, status="graded", percent__isnull=False
        ).values_list("lab_id", "percent")
    )
    if grading_model is not None:
        scores += list(
            grading_model.objects.filter(
                submission__user_id=user.pk, percent__isnull=False
            ).values_list("submission__lab_id", "percent")
        )
    for lab_id, percent in scores:
        if percent is not None:  # filtered out in the query; the row type cannot say so
            best[lab_id] = max(best.get(lab_id, 0.0), float(percent))
    if not best:
        return []
    fields = ["pk", "title", "domain", "task"] + (["skills"] if has_skills else [])
    rows = []
    for values in lab_model.objects.filter(pk__in=list(best)).values_list(*fields):
        pk, title, domain, task = values[:4]
        skills = list(values[4] or []) if has_skills else []
        rows.append((title, domain, task, skills, best[pk]))
    return rows


def readiness(user) -> dict:
    """Readiness per domain, task statement and skill, from the learner's latest answers in any
    mode (exam, practice, review; unanswered exam questions are not answers) and graded labs."""
    rows = list(
        AttemptItem.objects.filter(attempt__user_id=user.pk, correct__isnull=False)
        .exclude(answered_at__isnull=True)
        .exclude(selected=[])
        .order_by("-answered_at")
        .values_list(
            "question__domain",
            "question__task",
            "question__tags",
            "question__skills",
            "question__lesson_ref",
            "correct",
        )[:RECENT_ANSWERS]
    )
    labels = skill_labels()
    per_domain = {d: Readiness(str(d), domain_label(d)) for d in DOMAINS}
    per_task: dict[str, Readiness] = {}
    per_skill: dict[str, Readiness] = {}
    per_tag: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    tag_lessons: dict[str, Counter] = defaultdict(Counter)

    def task_bucket(task: str) -> Readiness:
        if task not in per_task:
            per_task[task] = Readiness(task, f"{task} {TASKS.get(task, '')}")
        return per_task[task]

    def skill_bucket(code: str) -> Readiness:
        if code not in per_skill:
            per_skill[code] = Readiness(code, f"{code} {labels.get(code, '')}".strip())
        return per_skill[code]

    for domain, task, tags, skills, lesson_ref, answered_right in rows:
        correct = bool(answered_right)  # never None: filtered on correct__isnull=False
        buckets = [per_domain[domain], task_bucket(task)]
        buckets += [skill_bucket(code) for code in skills or []]
        for bucket in buckets:
            bucket.correct += int(correct)
            bucket.total += 1
            bucket.answers += 1
        for tag in tags or []:
            per_tag[tag][0] += int(correct)
            per_tag[tag][1] += 1
            if lesson_ref:
                tag_lessons[tag][lesson_ref] += 1
    labs = lab_evidence(user)
    for title, domain, task, skills, percent in labs:
        # A lab is evidence for its own task and domain and for those of every item it proves
        # (a StackSets lab of task 3.4 may prove a 3.3 item), each bucket counted once.
        tasks = dict.fromkeys([task, *(".".join(code.split(".")[:2]) for code in skills)])
        domains = dict.fromkeys([domain, *(_domain_of(code) for code in skills)])
        buckets = [task_bucket(t) for t in tasks if t in TASKS]
        buckets += [skill_bucket(code) for code in dict.fromkeys(skills)]
        buckets += [per_domain[d] for d in domains if d in per_domain]
        for bucket in buckets:
            bucket.correct += LAB_WEIGHT * percent / 100
            bucket.total += LAB_WEIGHT
            bucket.labs.append((title, percent))
    tasks_sorted = sorted(per_task.values(), key=lambda r: [int(x) for x in r.key.split(".")])
    skills_sorted = sorted(
        per_skill.values(),
        key=lambda r: [int(x) if x.isdigit() else x for x in r.key.replace(".", " ").split()],
    )
    weakest_skills = sorted(
        (r for r in per_skill.values() if r.enough and r.percent < 100),
        key=lambda r: (r.percent, -r.total, r.key),
    )[:5]
    weakest = sorted(
        (
            Accuracy(tag, TOPIC_TAGS.get(tag, tag), c, t)
            for tag, (c, t) in per_tag.items()
            if t >= 2 and c < t
        ),
        key=lambda a: (a.percent, -a.total, a.key),
    )[:5]
    weak_topics = [
        WeakTopic(a, tag_lessons[a.key].most_common(1)[0][0] if tag_lessons[a.key] else "")
        for a in weakest
    ]
    model = skill_model()
    guide_skills = model.objects.filter(active=True).count() if model is not None else 0
    return {
        "answers": len(rows),
        "labs": len(labs),
        "labs_passed": sum(1 for lab in labs if lab[4] >= LAB_PASS_PERCENT),
        "lab_pass_percent": LAB_PASS_PERCENT,
        "guide_skills": guide_skills,
        "domains": list(per_domain.values()),
        "tasks": tasks_sorted,
        "skills": skills_sorted,
        "weakest_skills": weakest_skills,
        "weakest": weak_topics,
        "min_evidence": MIN_EVIDENCE,
        "lab_weight": LAB_WEIGHT,
    }


def _domain_of(code: str) -> int | None:
    head = code.split(".")[0]
    return int(head) if head.isdigit() else None


def trend_points(user, *, limit: int = 12) -> list[tuple[str, float]]:
    """(date, raw %) of the latest finished attempts, oldest first."""
    rows = list(
        Attempt.objects.filter(user_id=user.pk)
        .exclude(status=Attempt.IN_PROGRESS)
        .exclude(raw_percent__isnull=True)
        .order_by("-submitted_at")
        .values_list("submitted_at", "raw_percent")[:limit]
    )
    return [
        (when.strftime("%d %b"), pct)
        for when, pct in reversed(rows)
        if when is not None and pct is not None  # finished attempts have both
    ]


def trend_svg(points: list[tuple[str, float]], *, width: int = 260, height: int = 80) -> str:
    """An inline SVG polyline of the accuracy trend (no JavaScript needed)."""
    if len(points) < 2:
        return ""
    pad = 6
    step = (width - 2 * pad) / (len(points) - 1)

    def y(pct: float) -> float:
        return round(height - pad - (height - 2 * pad) * pct / 100, 1)

    coords = " ".join(f"{round(pad + i * step, 1)},{y(p)}" for i, (_d, p) in enumerate(points))
    dots = "".join(
        f'<circle cx="{round(pad + i * step, 1)}" cy="{y(p)}" r="3">'
        f"<title>{label}: {p:.0f} %</title></circle>"
        for i, (label, p) in enumerate(points)
    )
    pass_y = y(70)
    return (
        f'<svg class="trend" viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-label="Accuracy of your last {len(points)} sets, from {points[0][1]:.0f} % '
        f'to {points[-1][1]:.0f} %">'
        f'<line x1="0" x2="{width}" y1="{pass_y}" y2="{pass_y}" class="trend-pass"/>'
        f'<polyline points="{coords}" fill="none" class="trend-line"/>{dots}</svg>'
    )


def dashboard_context(user) -> dict[str, Any]:
    """What the quizzes dashboard panel shows: readiness, trend, exam history, due cards."""
    exams = list(
        Attempt.objects.filter(user_id=user.pk, mode=Attempt.EXAM)
        .select_related("practice_exam")
        .order_by("-started_at")[:5]
    )
    return {
        "readiness": readiness(user),
        "queue": daily_queue(user),
        "trend_svg": trend_svg(trend_points(user)),
        "exams": exams,
        "due": due_count(user),
        "due_today": due_today_count(user),
    }


def tag_question_counts(tags: list[str]) -> dict[str, int]:
    """Published questions per topic tag, for the tags that have any (one query for all)."""
    if not tags:
        return {}
    counts = Question.objects.filter(published=True).aggregate(
        **{
            f"t{i}": Count("id", filter=Q(tags_index__contains=f"|{tag}|"))
            for i, tag in enumerate(tags)
        }
    )
    return {tag: counts[f"t{i}"] for i, tag in enumerate(tags) if counts[f"t{i}"]}


def bank_summary() -> dict:
    """Published questions per domain and per tag (for the practice form)."""
    per_domain = dict(
        Question.objects.filter(published=True).values_list("domain").annotate(n=Count("id"))
    )
    return {"domains": [(d, domain_label(d), per_domain.get(d, 0)) for d in DOMAINS]}


# --- the daily queue: question cards and flashcards ----------------------------------------------


@dataclass(frozen=True)
class CardFilters:
    """Which flashcards a session draws from (empty = all)."""

    domain: int | None = None
    task: str = ""
    skill: str = ""
    tag: str = ""

    def query(self) -> str:
        parts = []
        if self.domain:
            parts.append(f"domain={self.domain}")
        for key in ("task", "skill", "tag"):
            if getattr(self, key):
                parts.append(f"{key}={getattr(self, key)}")
        return "&".join(parts)


def flashcards_filtered(filters: CardFilters):
    queryset = Flashcard.objects.filter(published=True)
    if filters.domain:
        queryset = queryset.filter(domain=filters.domain)
    if filters.task:
        queryset = queryset.filter(task=filters.task)
    if filters.skill:
        queryset = queryset.filter(skills_index__contains=f"|{filters.skill}|")
    if filters.tag:
        queryset = queryset.filter(tags_index__contains=f"|{filters.tag}|")
    return queryset


def _start_of_day(now: datetime) -> datetime:
    return timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)


def new_flashcards_left(user, *, now: datetime, per_day: int) -> int:
    """New cards the learner may still meet today (first ratings since local midnight)."""
    met = FlashcardLog.objects.filter(
        card__user_id=user.pk, due_before__isnull=True, reviewed_at__gte=_start_of_day(now)
    ).count()
    return max(0, per_day - met)


@dataclass
class FlashcardSession:
    """The next card to show, and how many are due and new under the filters."""

    card: Flashcard | None
    is_new: bool
    due: int
    new_available: int
    new_left_today: int


def flashcard_next(user, filters: CardFilters, *, now: datetime, per_day: int) -> FlashcardSession:
    """Due cards first (most overdue), then new ones up to the daily allowance."""
    cards = flashcards_filtered(filters)
    due_qs = FlashcardCard.objects.filter(
        user_id=user.pk, due__lte=now, flashcard__in=cards
    ).order_by("due", "pk")
    due = due_qs.count()
    new_qs = cards.exclude(cards__user_id=user.pk).order_by("domain", "task", "external_id")
    new_available = new_qs.count()
    left = new_flashcards_left(user, now=now, per_day=per_day)
    first_due = due_qs.select_related("flashcard").first()
    if first_due is not None:
        return FlashcardSession(first_due.flashcard, False, due, new_available, left)
    card = new_qs.first() if left else None
    return FlashcardSession(card, card is not None, due, new_available, left)


def flashcards_due_count(user, *, now: datetime | None = None) -> int:
    now = now or timezone.now()
    return FlashcardCard.objects.filter(
        user_id=user.pk, due__lte=now, flashcard__published=True
    ).count()


def daily_queue(user, *, now: datetime | None = None) -> dict[str, int]:
    """One queue, two kinds of card: missed questions (FSRS) and flashcards (FSRS)."""
    questions = due_count(user, now=now)
    flashcards = flashcards_due_count(user, now=now)
    return {"questions": questions, "flashcards": flashcards, "total": questions + flashcards}


def flashcard_facets() -> dict:
    """Domains, tasks and skills that have published flashcards (for the filter form)."""
    rows = list(Flashcard.objects.filter(published=True).values_list("domain", "task", "skills"))
    labels = skill_labels()
    domains = Counter(d for d, _t, _s in rows)
    tasks = Counter(t for _d, t, _s in rows)
    skills = Counter(code for _d, _t, codes in rows for code in codes)
    return {
        "total": len(rows),
        "domains": [(d, domain_label(d), domains[d]) for d in DOMAINS if domains[d]],
        "tasks": [(t, f"{t} {TASKS.get(t, '')}", n) for t, n in sorted(tasks.items())],
        "skills": [
            (code, f"{code} {labels.get(code, '')}".strip(), n)
            for code, n in sorted(skills.items(), key=lambda kv: _skill_sort(kv[0]))
        ],
    }


def _skill_sort(code: str) -> list:
    return [int(x) if x.isdigit() else x for x in code.replace(".", " ").split()]


# --- cheat sheets --------------------------------------------------------------------------------


def cheatsheets_published() -> list[CheatSheet]:
    return list(CheatSheet.objects.filter(published=True).order_by("order", "title"))


def cheatsheet_get(slug: str) -> CheatSheet | None:
    """A published cheat sheet, or None (the view answers 404)."""
    return CheatSheet.objects.filter(slug=slug, published=True).first()


def cheatsheet_titles(slugs: set[str]) -> dict[str, str]:
    """slug → title for the published sheets among `slugs` (one query)."""
    return dict(
        CheatSheet.objects.filter(slug__in=[s for s in slugs if s], published=True).values_list(
            "slug", "title"
        )
    )


def cheatsheets_for_tags(tags: list[str], *, limit: int = 4) -> list[CheatSheet]:
    """Published cheat sheets sharing a topic tag, in their order (at most `limit`)."""
    if not tags:
        return []
    any_tag = Q()
    for tag in tags:
        any_tag |= Q(tags_index__contains=f"|{tag}|")
    return list(CheatSheet.objects.filter(any_tag, published=True).order_by("order")[:limit])


# --- question reports ----------------------------------------------------------------------------


def reports_for_instructors(*, status: str = ReportStatus.OPEN) -> list[QuestionReport]:
    """Reports with their question and reporter, newest first (all when status is empty)."""
    queryset = QuestionReport.objects.select_related("question", "user", "resolved_by")
    if status:
        queryset = queryset.filter(status=status)
    return list(queryset.order_by("-created_at")[:500])


def open_report_counts() -> dict[int, int]:
    """Open reports per question id (for the item statistics)."""
    return dict(
        QuestionReport.objects.filter(status=ReportStatus.OPEN)
        .values_list("question_id")
        .annotate(n=Count("id"))
    )


def user_reported(user, question_id: int) -> bool:
    return QuestionReport.objects.filter(
        user_id=user.pk, question_id=question_id, status=ReportStatus.OPEN
    ).exists()


# --- exams on the quizzes page -------------------------------------------------------------------


@dataclass
class PracticeExamRow:
    """A named practice exam with this learner's history on it."""

    exam: PracticeExam
    attempts: int
    last_percent: float | None
    best_percent: float | None
    running: Attempt | None


def practice_exam_rows(user) -> list[PracticeExamRow]:
    """Every named practice exam with the learner's attempts, last and best score."""
    history: dict[int, list[Attempt]] = defaultdict(list)
    for attempt in Attempt.objects.filter(
        user_id=user.pk, mode=Attempt.EXAM, kind=ExamKind.NAMED
    ).order_by("started_at"):
        if attempt.practice_exam_id is not None:
            history[attempt.practice_exam_id].append(attempt)
    rows = []
    for exam in PracticeExam.objects.order_by("number"):
        done = [a for a in history[exam.pk] if a.finished]
        scores = [a.raw_percent for a in done if a.raw_percent is not None]
        running = next((a for a in history[exam.pk] if not a.finished), None)
        rows.append(
            PracticeExamRow(
                exam,
                len(scores),
                scores[-1] if scores else None,
                max(scores) if scores else None,
                running,
            )
        )
    return rows


def unseen_count(user) -> int:
    """Published questions the learner has never met (the final exam's pool)."""
    return Question.objects.filter(published=True).exclude(pk__in=seen_question_ids(user)).count()


def practice_exam_history(attempt: Attempt) -> list[Attempt]:
    """The learner's finished attempts at the same named practice exam, oldest first."""
    if attempt.kind != ExamKind.NAMED or attempt.practice_exam_id is None:
        return []
    return list(
        Attempt.objects.filter(
            user_id=attempt.user_id,
            practice_exam_id=attempt.practice_exam_id,
            kind=ExamKind.NAMED,
        )
        .exclude(status=Attempt.IN_PROGRESS)
        .order_by("submitted_at")
    )
