"""Small value types that apps hand to the dashboard and to lesson pages."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Panel:
    """A dashboard panel: a template rendered with its own context."""

    title: str
    template: str
    context: dict[str, Any] = field(default_factory=dict)
    order: int = 100


@dataclass(frozen=True)
class TopicLink:
    """A link from a lesson to a quiz set or lab on the same topic."""

    kind: str  # "quiz" | "lab"
    title: str
    url: str
    detail: str = ""
