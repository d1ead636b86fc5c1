"""`{% load site_shell %}`: limits the page's scripts need, and message formatting."""

from __future__ import annotations

import re

from django import template
from django.conf import settings
from django.utils.html import escape
from django.utils.safestring import mark_safe

register = template.Library()


@register.simple_tag
def lab_max_file_bytes() -> int:
    """The per-file size limit of a lab submission (the editor says it before the server must)."""
    return int(settings.LAB_MAX_FILE_BYTES)


_BACKTICKS = re.compile(r"`([^`]+)`")


@register.filter
def code_spans(text: object) -> str:
    """Escape a plain message and show its `quoted names` as <code> (never raw backticks)."""
    escaped = escape(str(text))
    return mark_safe(_BACKTICKS.sub(r"<code>\1</code>", escaped))  # noqa: S308 (escaped above)
