"""`{% load site_shell %}`: settings the page's scripts need (limits), without a view change."""

from __future__ import annotations

from django import template
from django.conf import settings

register = template.Library()


@register.simple_tag
def lab_max_file_bytes() -> int:
    """The per-file size limit of a lab submission (the editor says it before the server must)."""
    return int(settings.LAB_MAX_FILE_BYTES)
