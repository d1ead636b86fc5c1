"""What the instructor home shows: content health, item and lab statistics, reports (read only).

The instructor app is the top layer: it reads the content apps through their public read
functions (selectors, stats) and models' plain fields; nothing here writes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.urls import NoReverseMatch, reverse


@dataclass
class HealthRow:
    """One kind of content: how many are live, hidden, and pinned by an admin edit."""

    label: str
    published: int
    total: int
    pinned: list[tuple[str, str]] = field(default_factory=list)  # (name, admin change URL)


@dataclass
class FlaggedItem:
    """A question whose statistics look wrong, with its text so it can be judged at a glance."""

    external_id: str
    stem: str
    flags: list[str]
    facility: float | None
    responses: int
    open_reports: int
    preview_url: str
    admin_url: str


@dataclass
class LabRow:
    """One lab's grading at a glance; the most-failed check is None when nothing failed."""

    title: str
    graded: int
    learners: int
    errors: int
    pending: int
    most_failed: tuple[str, int] | None
    submissions_url: str


def _url(name: str, *args) -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:  # an app's page that does not exist (yet): no link
        return ""


def content_health() -> list[HealthRow]:
    """Modules, lessons, questions and labs: published of total, and admin edits kept by loads."""
    from courses.models import Lesson, Module
    from labs.models import Lab
    from quizzes.models import Question

    rows = []
    for label, model, admin in (
        ("Modules", Module, "admin:courses_module_change"),
        ("Lessons", Lesson, "admin:courses_lesson_change"),
    ):
        pinned = [(str(o), _url(admin, o.pk)) for o in model.objects.filter(edited_in_admin=True)]
        rows.append(
            HealthRow(
                label,
                model.objects.filter(published=True).count(),
                model.objects.count(),
                pinned,
            )
        )
    questions = Question.objects.exclude(edited_in_admin_at=None)
    pinned = [
        (q.external_id, _url("admin:quizzes_question_change", q.pk))
        for q in questions
        if q.admin_edit_pending
    ]
    rows.append(
        HealthRow(
            "Questions",
            Question.objects.filter(published=True).count(),
            Question.objects.count(),
            pinned,
        )
    )
    rows.append(HealthRow("Labs", Lab.objects.filter(published=True).count(), Lab.objects.count()))
    return rows


def flagged_items(limit: int = 10) -> tuple[list[FlaggedItem], int]:
    """Questions with a statistics flag or an open report (reported first), and how many."""
    from quizzes import selectors, stats
    from quizzes.models import Question

    reports = selectors.open_report_counts()
    rows = [r for r in stats.item_statistics() if r.flags or reports.get(r.question_id)]
    rows.sort(key=lambda r: (-reports.get(r.question_id, 0), -len(r.flags), r.external_id))
    stems = dict(
        Question.objects.filter(pk__in=[r.question_id for r in rows[:limit]]).values_list(
            "pk", "stem_markdown"
        )
    )
    items = [
        FlaggedItem(
            external_id=r.external_id,
            stem=_excerpt(stems.get(r.question_id, "")),
            flags=list(r.flags),
            facility=r.facility,
            responses=r.responses,
            open_reports=reports.get(r.question_id, 0),
            preview_url=_url("quizzes:question_preview", r.question_id),
            admin_url=_url("admin:quizzes_question_change", r.question_id),
        )
        for r in rows[:limit]
    ]
    return items, len(rows)


def _excerpt(markdown: str, length: int = 160) -> str:
    """The question's text on one line, Markdown punctuation that would show as-is removed."""
    text = " ".join(markdown.replace("`", "").replace("**", "").split())
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


def lab_rows() -> list[LabRow]:
    """Every lab with graded counts and its most-failed check (None when none failed)."""
    from labs import selectors
    from labs.models import Lab

    rows = []
    for lab in Lab.objects.order_by("domain", "title"):
        stats = selectors.lab_statistics(lab)
        failed = stats["most_failed"]
        rows.append(
            LabRow(
                title=lab.title,
                graded=stats["graded"],
                learners=stats["learners"],
                errors=stats["errors"],
                pending=stats["pending"],
                most_failed=tuple(failed[0]) if failed else None,
                submissions_url=_url("labs:lab_submissions", lab.slug),
            )
        )
    return rows


def open_reports(limit: int = 5) -> tuple[list, int]:
    """The newest open question reports and how many are open."""
    from quizzes import selectors

    reports = selectors.reports_for_instructors()
    return list(reports[:limit]), len(reports)
