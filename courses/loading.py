"""`load_content` loader for study modules: validate every file, then upsert by slug."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path

from django.utils import timezone

from core.content import ContentErrors, LoadReport
from core.guide import skill_rows, skills_index
from courses import search
from courses.models import Lesson, Module
from courses.services import lesson_render
from courses.validation import LessonSource, ModuleSource, read_modules

# The note core.diagrams puts above a diagram it could not render.
_FALLBACK_RE = re.compile(r"Diagram not rendered \((.*?)\); its source follows")


def _kept(report: LoadReport, what: str, path: str) -> None:
    report.count(f"{what}s kept (edited in admin)")
    report.warn(f"kept admin edit of {what} {path}; use --force to overwrite")


def _apply_module(src: ModuleSource, module: Module | None, report: LoadReport) -> Module:
    now = timezone.now()
    if module is None:
        module = Module(slug=src.slug)
        report.count("modules created")
    elif module.edited_in_admin and not report.force:
        _kept(report, "module", src.slug)
        return module
    elif not report.force and module.source_hash == src.source_hash and module.published:
        report.count("modules unchanged")
        return module
    else:
        report.count("modules updated")
    module.title = src.title
    module.summary = src.summary
    module.order = src.order
    module.domain = src.domain
    module.published = True
    module.source_hash = src.source_hash
    module.loaded_at = now
    module.edited_in_admin = False
    module.save()
    return module


def _apply_lesson(
    src: LessonSource, module: Module, lesson: Lesson | None, skills: dict, report: LoadReport
) -> Lesson | None:
    """Create or update one lesson; returns it when its indexed text may have changed."""
    path = f"{module.slug}/{src.slug}"
    if lesson is None:
        lesson = Lesson(module=module, slug=src.slug)
        report.count("lessons created")
    elif lesson.edited_in_admin and not report.force:
        _kept(report, "lesson", path)
        return None
    elif not report.force and lesson.source_hash == src.source_hash and lesson.published:
        report.count("lessons unchanged")
        return None
    else:
        report.count("lessons updated")
    lesson.title = src.title
    lesson.order = src.order
    lesson.domain = src.domain
    lesson.task = src.task
    lesson.skills = src.skills
    lesson.skills_index = skills_index(src.skills)
    lesson.tags = src.tags
    lesson.minutes = src.minutes
    lesson.body_markdown = src.body
    lesson_render(lesson)
    for reason in _FALLBACK_RE.findall(lesson.body_html):
        report.warn(f"{src.path}: dot diagram shown as source: {unescape(reason)}")
    lesson.published = True
    lesson.source_hash = src.source_hash
    lesson.loaded_at = timezone.now()
    lesson.edited_in_admin = False
    lesson.save()
    lesson.skill_links.set([skills[code] for code in src.skills])
    return lesson


def _unpublish(obj: Module | Lesson, what: str, path: str, report: LoadReport) -> None:
    if not obj.published:
        return
    if obj.edited_in_admin and not report.force:
        _kept(report, what, path)
        return
    # Unpublish, never delete: learners' progress hangs on the row.
    obj.published = False
    obj.edited_in_admin = False
    obj.save(update_fields=["published", "edited_in_admin"])
    report.count(f"{what}s unpublished")


def load_modules(root: Path, report: LoadReport) -> None:
    """Load content/modules into the database; ContentErrors (and no writes) on any bad file.

    Runs inside load_all's transaction. An object saved in the admin since its last load is
    kept as the instructor left it (a warning says so) unless report.force is set; force also
    re-renders unchanged files (e.g. after installing graphviz).
    """
    modules_dir = Path(root) / "modules"
    if not modules_dir.is_dir():
        report.warn(f"{modules_dir} does not exist: no study modules loaded")
        return
    sources, errors, warnings = read_modules(modules_dir)
    if errors:
        raise ContentErrors(errors)
    for warning in warnings:
        report.warn(warning)
    skills = skill_rows(Path(root), report) if any(src.lessons for src in sources) else {}

    existing = {m.slug: m for m in Module.objects.all()}
    to_index: list[Lesson] = []
    for src in sources:
        module = _apply_module(src, existing.get(src.slug), report)
        lessons = {lesson.slug: lesson for lesson in module.lessons.all()}
        for lesson_src in src.lessons:
            changed = _apply_lesson(
                lesson_src, module, lessons.get(lesson_src.slug), skills, report
            )
            if changed is not None:
                to_index.append(changed)
        on_disk = {lesson_src.slug for lesson_src in src.lessons}
        for slug, lesson in lessons.items():
            if slug not in on_disk:
                _unpublish(lesson, "lesson", f"{module.slug}/{slug}", report)

    on_disk = {src.slug for src in sources}
    for slug, module in existing.items():
        if slug not in on_disk:
            _unpublish(module, "module", slug, report)

    search.index_lessons(to_index)
    search.index_missing()
