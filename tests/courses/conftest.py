"""Fixtures for the courses tests: a loaded content tree and a fixed topic-link provider."""

from __future__ import annotations

import pytest

from core.panels import TopicLink
from courses.models import Lesson

from .content import load, write_content


def fake_topic_links(tags: list[str]) -> list[TopicLink]:
    """A stand-in provider, so lesson pages do not depend on the quiz and lab apps' state."""
    return [TopicLink("quiz", f"Practice: {tag}", f"/quizzes/?tag={tag}") for tag in tags]


@pytest.fixture(autouse=True)
def _isolated_hooks(settings):
    settings.TOPIC_LINK_PROVIDERS = ["tests.courses.conftest.fake_topic_links"]
    settings.DASHBOARD_PANELS = ["courses.selectors.dashboard_panel"]


@pytest.fixture
def content_root(tmp_path):
    """A valid content tree on disk (not yet loaded)."""
    return write_content(tmp_path / "content")


@pytest.fixture
def loaded(db, content_root):
    """The content tree, loaded into the database."""
    load(content_root)
    return content_root


@pytest.fixture
def lesson(loaded) -> Lesson:
    """The first lesson of the course."""
    return Lesson.objects.get(module__slug="codebuild-basics", slug="buildspec-structure")
