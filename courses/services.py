"""Writes for study content: rendering, admin saves and learners' progress."""

from __future__ import annotations

import re
from html import unescape

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.html import strip_tags

from core.markdown import render_markdown
from courses import search
from courses.models import Lesson, LessonProgress, Module

_PERMALINK_RE = re.compile(r'<a class="heading-anchor"[^>]*>#</a>')
# Diagram SVGs hold node ids and edge titles ("a->b"): noise in search snippets.
_SVG_RE = re.compile(r"<svg\b.*?</svg>", re.DOTALL)


def lesson_render(lesson: Lesson) -> None:
    """Fill body_html, toc_html and body_text from body_markdown (does not save)."""
    rendered = render_markdown(lesson.body_markdown)
    lesson.body_html = rendered.html
    lesson.toc_html = rendered.toc_html
    # Heading permalinks ("#") are markup, not words: drop them from the searchable text.
    text = _SVG_RE.sub(" ", _PERMALINK_RE.sub("", rendered.html))
    lesson.body_text = " ".join(unescape(strip_tags(text)).split())


@transaction.atomic
def lesson_save_from_admin(lesson: Lesson, *, changed: bool) -> Lesson:
    """Save an instructor's edit: re-render, remember the edit (load_content keeps it), index."""
    lesson_render(lesson)
    if changed:
        lesson.edited_in_admin = True
        lesson.edited_in_admin_at = timezone.now()
    lesson.save()
    search.index_lessons([lesson])
    return lesson


@transaction.atomic
def module_save_from_admin(module: Module, *, changed: bool) -> Module:
    """Save an instructor's edit of a module and remember it for load_content."""
    if changed:
        module.edited_in_admin = True
        module.edited_in_admin_at = timezone.now()
    module.save()
    # A retitled module changes nothing in the lesson index (module titles are not indexed).
    return module


def progress_record_view(user, lesson: Lesson) -> LessonProgress | None:
    """Remember that a signed-in learner opened a lesson (for "resume where you left off")."""
    if not user.is_authenticated:
        return None
    now = timezone.now()
    progress = LessonProgress.objects.filter(user=user, lesson=lesson).first()
    if progress is not None:
        LessonProgress.objects.filter(pk=progress.pk).update(last_viewed_at=now)
        progress.last_viewed_at = now
        return progress
    try:
        with transaction.atomic():
            return LessonProgress.objects.create(user=user, lesson=lesson, last_viewed_at=now)
    except IntegrityError:
        # A parallel request (second tab) created it first; that one counts.
        return LessonProgress.objects.get(user=user, lesson=lesson)


@transaction.atomic
def progress_set_done(user, lesson: Lesson, *, done: bool) -> LessonProgress:
    """Mark a lesson done (keeping the first completion time) or not done again."""
    progress, _ = LessonProgress.objects.select_for_update().get_or_create(
        user=user, lesson=lesson, defaults={"last_viewed_at": timezone.now()}
    )
    if done and progress.done_at is None:
        progress.done_at = timezone.now()
    elif not done:
        progress.done_at = None
    progress.save(update_fields=["done_at"])
    return progress
