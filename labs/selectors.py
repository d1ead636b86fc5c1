"""Reads for labs: catalogue with best scores, ownership-checked submissions, statistics."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Max, QuerySet

from core.exam import DOMAINS, TASKS
from core.panels import Panel
from labs.models import Grading, Lab, Submission

# A lab counts as passed (proof of its skills, for readiness) from this best percent: the band
# that every correct answer written differently reaches (validate_lab's "alternatives" band).
PASS_PERCENT = 90


@dataclass(frozen=True)
class SkillRow:
    """An exam-guide item a lab proves: its id and its short text from the guide."""

    code: str
    text: str


@dataclass(frozen=True)
class LabCard:
    """A published lab as the catalogue shows it: its facts, the learner's best and its skills."""

    slug: str
    title: str
    summary: str
    domain: int
    task: str
    difficulty: str
    minutes: int
    order: int
    skills: list[str]
    tags: list[str]
    best: float | None  # the learner's best percent; None before their first grade
    state: str  # "new" | "started" | "done" (100 %)
    passed: bool  # best >= PASS_PERCENT: counts as proof of its skills in readiness
    skill_rows: list[SkillRow]
    task_label: str


@dataclass
class DomainGroup:
    """The labs of one exam domain, for the catalogue."""

    number: int
    title: str
    weight: int
    labs: list[LabCard] = field(default_factory=list)

    @property
    def passed(self) -> int:
        return sum(1 for lab in self.labs if lab.passed)


def skill_texts(codes: Iterable[str]) -> dict[str, str]:
    """Skill id -> its short text from the exam guide (core.Skill); unknown ids map to ""."""
    from core.models import Skill

    wanted = set(codes)
    if not wanted:
        return {}
    found = dict(Skill.objects.filter(code__in=wanted).values_list("code", "text"))
    return {code: found.get(code, "") for code in wanted}


def _skill_key(code: str) -> list[str | int]:
    """Guide order: "3.4.k2" < "3.4.s1" < "3.4.s10" (knowledge items before skills)."""
    key: list[str | int] = []
    for part in code.split("."):
        head, digits = part.rstrip("0123456789"), part[len(part.rstrip("0123456789")) :]
        key += [head, int(digits) if digits else 0]
    return key


def skill_rows(lab: Lab, texts: dict[str, str] | None = None) -> list[SkillRow]:
    """The exam-guide items a lab proves, id and guide text, in guide order."""
    codes: list[str] = list(lab.skills or [])
    texts = skill_texts(codes) if texts is None else texts
    return [SkillRow(code, texts.get(code, "")) for code in sorted(codes, key=_skill_key)]


def task_label(lab: Lab) -> str:
    """The lab's task statement: its id and title ("3.4 Deploy code ...")."""
    return f"{lab.task} {TASKS.get(lab.task, '')}".strip()


def labs_by_domain(labs: list[LabCard], *, skill: str = "") -> list[DomainGroup]:
    """The labs grouped by exam domain (every domain listed, in order), each group by task and
    order; with `skill`, only labs that prove that exam-guide item."""
    groups = {n: DomainGroup(n, name, weight) for n, (name, weight) in DOMAINS.items()}
    for lab in labs:
        if skill and skill not in lab.skills:
            continue
        groups[lab.domain].labs.append(lab)
    for group in groups.values():
        group.labs.sort(key=lambda lab: (_skill_key(lab.task), lab.order, lab.slug))
    return list(groups.values())


def published_labs() -> list[Lab]:
    """Every published lab, in catalogue order."""
    return list(Lab.objects.filter(published=True))


def skill_choices(labs: list[Lab]) -> list[SkillRow]:
    """Every exam-guide item some lab proves, in guide order (the catalogue's skill filter)."""
    texts = skill_texts({code for lab in labs for code in lab.skills or []})
    return [SkillRow(code, texts[code]) for code in sorted(texts, key=_skill_key)]


def lab_list(
    *,
    user=None,
    domain: int | None = None,
    difficulty: str = "",
    status: str = "",
) -> list[LabCard]:
    """Published labs as catalogue cards with the user's best percent, filtered."""
    labs = published_labs()
    best = best_percents(user) if user is not None and user.is_authenticated else {}
    texts = skill_texts({code for lab in labs for code in lab.skills or []})
    result: list[LabCard] = []
    for lab in labs:
        mine = best.get(lab.id)
        state = "done" if mine == 100 else ("started" if mine is not None else "new")
        if domain and lab.domain != domain:
            continue
        if difficulty and lab.difficulty != difficulty:
            continue
        if status and state != status:
            continue
        result.append(
            LabCard(
                slug=lab.slug,
                title=lab.title,
                summary=lab.summary,
                domain=lab.domain,
                task=lab.task,
                difficulty=lab.difficulty,
                minutes=lab.minutes,
                order=lab.order,
                skills=list(lab.skills or []),
                tags=list(lab.tags or []),
                best=mine,
                state=state,
                passed=mine is not None and mine >= PASS_PERCENT,
                skill_rows=skill_rows(lab, texts),
                task_label=task_label(lab),
            )
        )
    return result


def best_percents(user) -> dict[int, float]:
    """Lab id -> the learner's best percent over every grading ever recorded (a regrade adds a
    record and never takes a result away, so this never goes down)."""
    best: dict[int, float] = {}
    graded = (
        Submission.objects.filter(user=user, status=Submission.Status.GRADED)
        .values("lab_id")
        .annotate(best=Max("percent"))
    )
    history = (
        Grading.objects.filter(submission__user=user)
        .values("submission__lab_id")
        .annotate(best=Max("percent"))
    )
    for lab_id, value in [(r["lab_id"], r["best"]) for r in graded] + [
        (r["submission__lab_id"], r["best"]) for r in history
    ]:
        if value is not None:
            best[lab_id] = max(best.get(lab_id, value), value)
    return best


def labs_done_skills(user) -> dict[str, int]:
    """Skill id -> how many labs proving it the learner passed (best >= PASS_PERCENT)."""
    counts: dict[str, int] = {}
    best = best_percents(user) if user is not None and user.is_authenticated else {}
    for lab in Lab.objects.filter(pk__in=[k for k, v in best.items() if v >= PASS_PERCENT]):
        for skill in lab.skills or []:
            counts[skill] = counts.get(skill, 0) + 1
    return counts


def regrade_progress(lab: Lab) -> dict[str, int]:
    """Regrade all: how many submissions still wait for their new grade, of how many queued."""
    queued = Submission.objects.filter(lab=lab, regrade_requested_at__isnull=False)
    latest = queued.aggregate(at=Max("regrade_requested_at"))["at"]
    if latest is None:
        return {"total": 0, "pending": 0, "done": 0}
    batch = queued.filter(regrade_requested_at=latest)
    pending = batch.filter(regrade_pending=True).count()
    total = batch.count()
    return {"total": total, "pending": pending, "done": total - pending}


def submission_history(submission: Submission) -> list[Grading]:
    """Every grading of a submission, oldest first."""
    return list(submission.gradings.all())


def lab_get(slug: str) -> Lab | None:
    """A published lab, or None (the views answer 404)."""
    return Lab.objects.filter(slug=slug, published=True).first()


def submission_get_for_user(user, submission_id: int) -> Submission | None:
    """THE ownership check: a learner sees only their own submissions (None for others' ids).

    Instructors may open any submission (read-only in the views).
    """
    qs = Submission.objects.select_related("lab", "user")
    if not (user.is_staff or user.is_superuser):
        qs = qs.filter(user=user)
    return qs.filter(pk=submission_id).first()


def submissions_for_lab(user, lab: Lab) -> QuerySet[Submission]:
    """The learner's own submissions of one lab, newest first."""
    return Submission.objects.filter(user=user, lab=lab).order_by("-number")


def queue_position(submission: Submission) -> int:
    """How many queued submissions are ahead of this one (0 = next)."""
    if submission.status != Submission.Status.QUEUED:
        return 0
    return Submission.objects.filter(
        status__in=[Submission.Status.QUEUED, Submission.Status.RUNNING],
        created_at__lt=submission.created_at,
    ).count()


def lab_statistics(lab: Lab) -> dict[str, Any]:
    """Score distribution (10 buckets), most-failed checks and counts for instructors."""
    graded = list(
        Submission.objects.filter(lab=lab, status=Submission.Status.GRADED).values(
            "percent", "results", "user_id"
        )
    )
    buckets = [0] * 10
    failed: Counter[str] = Counter()
    for row in graded:
        buckets[min(int((row["percent"] or 0) // 10), 9)] += 1
        for result in row["results"]:
            if not result.get("passed"):
                failed[result.get("title") or result["id"]] += 1
    peak = max(buckets) or 1
    return {
        "graded": len(graded),
        "learners": len({row["user_id"] for row in graded}),
        "buckets": [
            {
                "label": f"{i * 10}–{i * 10 + 9 if i < 9 else 100} %",
                "count": n,
                "width": 100 * n / peak,
            }
            for i, n in enumerate(buckets)
        ],
        "most_failed": failed.most_common(10),
        "errors": Submission.objects.filter(lab=lab, status=Submission.Status.ERROR).count(),
        "pending": Submission.objects.filter(
            lab=lab, status__in=[Submission.Status.QUEUED, Submission.Status.RUNNING]
        ).count(),
    }


def dashboard_panel(request) -> Panel | None:
    """Lab progress on the dashboard: labs completed and the latest submissions."""
    if not request.user.is_authenticated:
        return None
    best = best_percents(request.user)
    published = set(Lab.objects.filter(published=True).values_list("id", flat=True))
    mine = [percent for lab_id, percent in best.items() if lab_id in published]
    recent = Submission.objects.filter(user=request.user).select_related("lab")[:5]
    return Panel(
        title="Labs",
        template="labs/_dashboard.html",
        context={
            "done": sum(1 for percent in mine if percent == 100),
            "passed": sum(1 for percent in mine if percent >= PASS_PERCENT),
            "pass_percent": PASS_PERCENT,
            "total": len(published),
            "recent": list(recent),
        },
        order=30,
    )


def labs_for_tags(tags: list[str]) -> list[Lab]:
    """Published labs sharing a topic tag with a lesson, in catalogue order."""
    wanted = set(tags)
    return [lab for lab in Lab.objects.filter(published=True) if wanted & set(lab.tags)]


def domain_name(number: int) -> str:
    """Domain label for templates."""
    return DOMAINS.get(number, ("?", 0))[0]
