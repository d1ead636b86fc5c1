"""Reads for labs: catalogue with best scores, ownership-checked submissions, statistics."""

from __future__ import annotations

from collections import Counter

from django.db.models import Max, QuerySet
from django.http import Http404
from django.urls import reverse

from core.exam import DOMAINS
from core.panels import Panel, TopicLink
from labs.models import Grading, Lab, Submission


def lab_list(*, user=None, domain: int | None = None, difficulty: str = "", status: str = ""):
    """Published labs with the user's best percent (`best`) and attempt count, filtered."""
    labs = list(Lab.objects.filter(published=True))
    best = best_percents(user) if user is not None and user.is_authenticated else {}
    result = []
    for lab in labs:
        lab.best = best.get(lab.id)
        lab.state = "done" if lab.best == 100 else ("started" if lab.best is not None else "new")
        if domain and lab.domain != domain:
            continue
        if difficulty and lab.difficulty != difficulty:
            continue
        if status and lab.state != status:
            continue
        result.append(lab)
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
    """Skill id -> how many labs proving it the learner finished at 90 % or more (readiness)."""
    counts: dict[str, int] = {}
    best = best_percents(user) if user is not None and user.is_authenticated else {}
    for lab in Lab.objects.filter(pk__in=[k for k, v in best.items() if v >= 90]):
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


def lab_get(slug: str) -> Lab:
    """A published lab, or 404."""
    try:
        return Lab.objects.get(slug=slug, published=True)
    except Lab.DoesNotExist as exc:
        raise Http404("No such lab") from exc


def submission_get_for_user(user, submission_id: int) -> Submission:
    """THE ownership check: a learner sees only their own submissions (others' ids are 404).

    Instructors may open any submission (read-only in the views).
    """
    qs = Submission.objects.select_related("lab", "user")
    if not (user.is_staff or user.is_superuser):
        qs = qs.filter(user=user)
    try:
        return qs.get(pk=submission_id)
    except (Submission.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("No such submission") from exc


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


def lab_statistics(lab: Lab) -> dict:
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
    labs = lab_list(user=request.user)
    recent = Submission.objects.filter(user=request.user).select_related("lab")[:5]
    return Panel(
        title="Labs",
        template="labs/_dashboard.html",
        context={
            "done": sum(1 for lab in labs if lab.state == "done"),
            "total": len(labs),
            "recent": list(recent),
        },
        order=30,
    )


def topic_links(tags: list[str]) -> list[TopicLink]:
    """Labs sharing a topic tag with a lesson."""
    wanted = set(tags)
    return [
        TopicLink("lab", lab.title, reverse("labs:lab_detail", args=[lab.slug]), lab.difficulty)
        for lab in Lab.objects.filter(published=True)
        if wanted & set(lab.tags)
    ]


def domain_name(number: int) -> str:
    """Domain label for templates."""
    return DOMAINS.get(number, ("?", 0))[0]
