"""`{% load academy %}`: labels for exam facts and small formatting helpers."""

from __future__ import annotations

from django import template
from django.utils.html import format_html

from core.exam import DOMAINS, TASKS, TOPIC_TAGS

register = template.Library()


@register.filter
def domain_label(number: int) -> str:
    """3 → 'Domain 3: Deployment'."""
    name = DOMAINS.get(number, ("Unknown domain", 0))[0]
    return f"Domain {number}: {name}"


@register.filter
def task_label(key: str) -> str:
    """'3.4' → 'Task 3.4: Deploy code by using AWS CI/CD services'."""
    return f"Task {key}: {TASKS[key]}" if key in TASKS else f"Task {key}"


@register.filter
def tag_label(tag: str) -> str:
    """'codebuild' → 'AWS CodeBuild' (the tag itself when unknown)."""
    return TOPIC_TAGS.get(tag, tag)


@register.filter
def percent(part: int, whole: int) -> int:
    """Whole-number percentage of part in whole; 0 when whole is 0."""
    try:
        return round(100 * int(part) / int(whole)) if int(whole) else 0
    except (TypeError, ValueError):
        return 0


@register.simple_tag
def progress_bar(done: int, total: int, label: str = "") -> str:
    """An accessible progress bar (role=progressbar) followed by its text equivalent."""
    pct = percent(done, total)
    return format_html(
        '<div class="progress-meter"><div class="progress" role="progressbar" aria-valuemin="0"'
        ' aria-valuemax="100" aria-valuenow="{}" aria-label="{}"><span style="width: {}%">'
        '</span></div><span class="progress-text">{} of {} done</span></div>',
        pct,
        label or "Progress",
        pct,
        done,
        total,
    )


@register.filter
def first_undone(rows: list) -> object | None:
    """The first published row (with `.done` and `.lesson`) not yet done; None when all are done."""
    for row in rows or ():
        if not getattr(row, "done", False) and getattr(row.lesson, "published", True):
            return row
    return None
