"""The labs app's cross-app hooks (named in settings): links from lessons to labs on their topic."""

from __future__ import annotations

from django.urls import reverse

from core.panels import TopicLink
from labs import selectors


def topic_links(tags: list[str]) -> list[TopicLink]:
    """Labs sharing a topic tag with a lesson, linked to their pages."""
    return [
        TopicLink("lab", lab.title, reverse("labs:lab_detail", args=[lab.slug]), lab.difficulty)
        for lab in selectors.labs_for_tags(tags)
    ]
