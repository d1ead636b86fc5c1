"""Template filters for quiz pages: clocks and durations."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def clock(seconds: int | None) -> str:
    """Seconds as H:MM:SS (or MM:SS under an hour)."""
    if seconds is None:
        return ""
    seconds = max(0, int(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


@register.filter
def ms_clock(milliseconds: int | None) -> str:
    """Milliseconds as MM:SS."""
    if milliseconds is None:
        return ""
    return clock(round(milliseconds / 1000))


@register.filter
def get_item(mapping, key):
    """`{{ labels|get_item:code }}`: a dict lookup by a variable key ('' when missing)."""
    if not mapping:
        return ""
    return mapping.get(key, "")
