"""Resolve the cross-app hooks named in settings (dashboard panels, topic links)."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from django.conf import settings
from django.utils.module_loading import import_string

from core.panels import Panel, TopicLink


@cache
def _resolve(dotted: str) -> Callable[..., Any] | None:
    # An app that has not written its hook yet simply contributes nothing.
    try:
        return import_string(dotted)
    except ImportError:
        return None


def dashboard_panels(request) -> list[Panel]:
    """Every app's dashboard panel for this request, in display order."""
    panels = []
    for dotted in settings.DASHBOARD_PANELS:
        func = _resolve(dotted)
        panel = func(request) if func else None
        if panel is not None:
            panels.append(panel)
    return sorted(panels, key=lambda p: p.order)


def topic_links(tags: list[str]) -> list[TopicLink]:
    """Quizzes and labs that share a topic tag with a lesson."""
    links: list[TopicLink] = []
    for dotted in settings.TOPIC_LINK_PROVIDERS:
        func = _resolve(dotted)
        if func:
            links.extend(func(tags))
    return links
