"""The quizzes app's links and cross-app hooks (named in settings): where URLs are built."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from core.exam import TOPIC_TAGS
from core.panels import Panel, TopicLink
from quizzes import selectors


def lesson_url(lesson_ref: str) -> str:
    """The study page of `<module>/<lesson>` (the courses route, or its documented path)."""
    module, _, lesson = lesson_ref.partition("/")
    for name in ("courses:lesson_detail", "courses:lesson"):
        try:
            return reverse(name, args=[module, lesson])
        except NoReverseMatch:
            continue
    return f"/study/{module}/{lesson}/"


def practice_url(tag: str) -> str:
    """Practice filtered to one topic tag."""
    return reverse("quizzes:home") + f"?tag={tag}"


def cheatsheet_url(slug: str) -> str:
    """A cheat sheet's page."""
    return reverse("quizzes:cheatsheet_detail", args=[slug])


def cheatsheet_links_by_slug(slugs: set[str]) -> dict[str, tuple[str, str]]:
    """slug → (url, title) for the published sheets among `slugs` (one query)."""
    return {
        slug: (cheatsheet_url(slug), title)
        for slug, title in selectors.cheatsheet_titles(slugs).items()
    }


def weak_topic_links(weakest: list[selectors.WeakTopic]) -> list[dict[str, Any]]:
    """The weakest topics with a link to their lesson (if any) and to practice on them."""
    return [
        {
            "topic": weak.topic,
            "lesson_url": lesson_url(weak.lesson_ref) if weak.lesson_ref else "",
            "practice_url": practice_url(weak.topic.key),
        }
        for weak in weakest
    ]


def dashboard_panel(request: HttpRequest) -> Panel | None:
    """The quizzes panel: readiness, trend, exam history, due cards, weakest topics."""
    user = request.user
    if not user.is_authenticated:
        return None
    context = selectors.dashboard_context(user)
    ready = context["readiness"]
    context["readiness"] = {**ready, "weakest": weak_topic_links(ready["weakest"])}
    return Panel(
        title="Quizzes and exam readiness",
        template="quizzes/_panel.html",
        context=context,
        order=20,
    )


def topic_links(tags: list[str]) -> list[TopicLink]:
    """A practice link per tag that has published questions (one query for all tags)."""
    return [
        TopicLink(
            kind="quiz",
            title=f"Practise {TOPIC_TAGS.get(tag, tag)}",
            url=practice_url(tag),
            detail=f"{count} question{'s' if count != 1 else ''}",
        )
        for tag, count in selectors.tag_question_counts(tags).items()
    ]


def cheatsheet_links(tags: list[str]) -> list[TopicLink]:
    """Lesson page links (TOPIC_LINK_PROVIDERS): the cheat sheets sharing a topic tag."""
    return [
        TopicLink(
            kind="cheat sheet",
            title=sheet.title,
            url=cheatsheet_url(sheet.slug),
            detail=sheet.summary,
        )
        for sheet in selectors.cheatsheets_for_tags(tags)
    ]
