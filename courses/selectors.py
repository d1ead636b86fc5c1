"""Reads for the study pages and the dashboard: modules, lessons, progress, search."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, Sum

from accounts.services import is_instructor
from core.panels import Panel
from courses import search
from courses.models import Lesson, LessonProgress, Module
from courses.search import SearchHit


@dataclass(frozen=True)
class ModuleRow:
    """A module on the module list with the viewer's progress through it."""

    module: Module
    lesson_count: int
    done_count: int
    minutes: int

    @property
    def percent(self) -> int:
        return round(100 * self.done_count / self.lesson_count) if self.lesson_count else 0


@dataclass(frozen=True)
class LessonRow:
    """A lesson on a module page, with whether the viewer has done it."""

    lesson: Lesson
    done: bool


def _published_lessons():
    return Lesson.objects.filter(published=True, module__published=True)


def module_rows(user) -> list[ModuleRow]:
    """Published modules in course order with lesson counts and, for a learner, done counts."""
    published = Q(lessons__published=True)
    annotations = {
        "lesson_count": Count("lessons", filter=published, distinct=True),
    }
    if user.is_authenticated:
        annotations["done_count"] = Count(
            "lessons__progress",
            filter=published
            & Q(lessons__progress__user=user, lessons__progress__done_at__isnull=False),
            distinct=True,
        )
    # Explicit order: Django ignores Meta.ordering in aggregate (GROUP BY) queries.
    modules = (
        Module.objects.filter(published=True).annotate(**annotations).order_by("order", "slug")
    )
    minutes = dict(
        _published_lessons()
        .values("module_id")
        .annotate(total=Sum("minutes"))
        .values_list("module_id", "total")
    )
    return [
        ModuleRow(
            m, getattr(m, "lesson_count", 0), getattr(m, "done_count", 0), minutes.get(m.pk) or 0
        )
        for m in modules
    ]


def _may_preview(user) -> bool:
    return is_instructor(user)


def module_for_viewer(slug: str, user) -> Module | None:
    """A module by slug; unpublished ones only for instructors (None for everyone else)."""
    module = Module.objects.filter(slug=slug).first()
    if module is None or (not module.published and not _may_preview(user)):
        return None
    return module


def module_lessons(module: Module, user, *, preview: bool = False) -> list[LessonRow]:
    """The module's lessons in order with done ticks (all lessons when an instructor previews)."""
    lessons = module.lessons.all() if preview else module.lessons.filter(published=True)
    done: set[int] = set()
    if user.is_authenticated:
        done = set(
            LessonProgress.objects.filter(
                user=user, lesson__module=module, done_at__isnull=False
            ).values_list("lesson_id", flat=True)
        )
    return [LessonRow(lesson, lesson.pk in done) for lesson in lessons.order_by("order", "slug")]


def lesson_for_viewer(module_slug: str, lesson_slug: str, user) -> Lesson | None:
    """A lesson with its module; unpublished lesson or module → None unless an instructor."""
    lesson = (
        Lesson.objects.select_related("module")
        # The page shows the rendered HTML; the source, plain text and vector stay in the DB.
        .defer("body_markdown", "body_text", "search_vector")
        .filter(module__slug=module_slug, slug=lesson_slug)
        .first()
    )
    if lesson is None:
        return None
    if not (lesson.published and lesson.module.published) and not _may_preview(user):
        return None
    return lesson


@dataclass(frozen=True)
class Neighbour:
    """The previous or next lesson in the whole course."""

    title: str
    module_slug: str
    slug: str


def course_neighbours(lesson: Lesson) -> tuple[Neighbour | None, Neighbour | None]:
    """Previous and next published lesson across the whole course (one query)."""
    sequence = list(
        _published_lessons()
        .order_by("module__order", "module__slug", "order", "slug")
        .values_list("pk", "title", "module__slug", "slug")
    )
    index = next((i for i, row in enumerate(sequence) if row[0] == lesson.pk), None)
    if index is None:  # an instructor previewing an unpublished lesson
        return None, None
    prev_row = sequence[index - 1] if index > 0 else None
    next_row = sequence[index + 1] if index + 1 < len(sequence) else None
    return (
        Neighbour(*prev_row[1:]) if prev_row else None,
        Neighbour(*next_row[1:]) if next_row else None,
    )


def resume_lesson(user) -> Lesson | None:
    """Where "Resume" goes: the lesson last opened if it is not done yet, else the next lesson
    not done after it in course order (wrapping to the start); None when none was opened yet
    or every published lesson is done."""
    if not user.is_authenticated:
        return None
    last = (
        LessonProgress.objects.filter(
            user=user,
            last_viewed_at__isnull=False,
            lesson__published=True,
            lesson__module__published=True,
        )
        .select_related("lesson__module")
        .order_by("-last_viewed_at")
        .first()
    )
    if last is None:
        return None
    if last.done_at is None:
        return last.lesson
    sequence = list(
        _published_lessons()
        .order_by("module__order", "module__slug", "order", "slug")
        .values_list("pk", flat=True)
    )
    done = set(
        LessonProgress.objects.filter(user=user, done_at__isnull=False).values_list(
            "lesson_id", flat=True
        )
    )
    index = sequence.index(last.lesson_id) if last.lesson_id in sequence else -1
    for pk in sequence[index + 1 :] + sequence[: index + 1]:
        if pk not in done:
            return Lesson.objects.select_related("module").get(pk=pk)
    return None


def lesson_search(query: str, *, limit: int = 20) -> list[SearchHit]:
    """Published lessons matching the query, best first, with highlighted snippets."""
    return search.search(query, limit=limit)


def dashboard_panel(request) -> Panel | None:
    """The dashboard's study panel: overall and per-module progress and a resume link."""
    user = request.user
    if not user.is_authenticated:
        return None
    rows = module_rows(user)
    total = sum(row.lesson_count for row in rows)
    done = sum(row.done_count for row in rows)
    return Panel(
        title="Study progress",
        template="courses/_dashboard_panel.html",
        context={
            "rows": rows,
            "total": total,
            "done": done,
            "percent": round(100 * done / total) if total else 0,
            "resume": resume_lesson(user),
            "all_done": bool(total) and done == total,
        },
        order=10,
    )
