"""Full-text lesson search (FTS5 on SQLite, tsvector on PostgreSQL): matches, snippets, safety."""

from __future__ import annotations

import pytest
from django.db import connection
from django.urls import reverse

from courses.models import Lesson, Module
from courses.search import search_terms
from courses.selectors import lesson_search
from courses.services import lesson_save_from_admin

from .content import load, write_lesson

pytestmark = pytest.mark.django_db


def titles(query: str) -> list[str]:
    return [hit.title for hit in lesson_search(query)]


def test_finds_words_in_body_title_and_tags(loaded):
    assert titles("skipped") == ["Build phases and failures"]
    assert titles("appspec") == ["Appspec hooks"]
    # A tag's label is indexed too: "AWS CodeDeploy" for the codedeploy tag.
    assert titles("codedeploy") == ["Appspec hooks"]


def test_every_word_must_match_and_prefixes_match(loaded):
    assert titles("lifecycle hooks") == ["Appspec hooks"]
    assert titles("lifecycle buildspec") == []
    assert titles("lifecyc") == ["Appspec hooks"]


def test_stemming_matches_other_word_forms(loaded):
    assert "Build phases and failures" in titles("fail")
    assert "Appspec hooks" in titles("scripting") or "Appspec hooks" in titles("script")


def test_title_matches_rank_first(loaded):
    hits = titles("phases")
    assert hits[0] == "Build phases and failures"
    assert set(hits) == {"Build phases and failures", "Buildspec structure"}


def test_snippet_highlights_matches_and_escapes_lesson_text(loaded, content_root):
    write_lesson(
        content_root,
        "codebuild-basics",
        "tricky",
        "Tricky text",
        3,
        "codebuild",
        "Never echo `<img src=x onerror=alert(1)>` into logs; zebrafish are fine.",
    )
    load(content_root)
    [hit] = lesson_search("zebrafish")
    assert "<mark>zebrafish</mark>" in hit.snippet
    assert "<img" not in hit.snippet and "&lt;img" in hit.snippet
    assert hit.url == reverse("courses:lesson_detail", args=["codebuild-basics", "tricky"])


@pytest.mark.parametrize(
    "query",
    [
        '"',
        "AND(",
        "NOT",
        "*",
        "phases OR",
        ")(",
        "title:x",
        "a' OR 1=1 --",
        "build_phase",
        "ü",
        " ",
    ],
)
def test_hostile_or_odd_queries_never_raise(loaded, query):
    assert isinstance(lesson_search(query), list)


def test_query_terms_are_words_only():
    assert search_terms('"build" AND( phase*') == ["build", "and", "phase"]
    assert search_terms("") == []


def test_unpublished_lessons_and_modules_are_not_found(loaded):
    Lesson.objects.filter(slug="build-phases").update(published=False)
    assert titles("skipped") == []
    Module.objects.filter(slug="codedeploy-basics").update(published=False)
    assert titles("appspec") == []


def test_changed_lessons_are_reindexed(loaded, content_root):
    write_lesson(content_root, "codebuild-basics", "build-phases", "Renamed", 2, "codebuild", "Q.")
    load(content_root)
    assert titles("skipped") == []
    lesson = Lesson.objects.get(slug="build-phases")
    lesson.body_markdown = "Now about quokkas."
    lesson_save_from_admin(lesson, changed=True)
    assert titles("quokkas") == ["Renamed"]


def test_search_page(client, loaded):
    response = client.get(reverse("courses:search"), {"q": "skipped"})
    assert response.status_code == 200 and response.context["nav_active"] == "study"
    html = response.content.decode()
    assert "1 lesson found for “skipped”." in html
    assert "<mark>skipped</mark>" in html
    assert 'role="search"' in html and '<label for="lesson-search"' in html


def test_search_page_with_hostile_and_empty_input(client, loaded):
    response = client.get(reverse("courses:search"), {"q": '"AND(<script>'})
    assert response.status_code == 200
    main = response.content.split(b'<main id="main"', 1)[1].split(b"</main>", 1)[0]
    assert b"<script>" not in main  # the query is escaped wherever it is echoed
    assert b"&lt;script&gt;" in main
    assert client.get(reverse("courses:search")).status_code == 200
    assert client.get(reverse("courses:search"), {"q": "x" * 5000}).status_code == 200


def test_diagram_labels_are_not_indexed_but_prose_is(loaded, content_root, settings, tmp_path):
    settings.DIAGRAM_CACHE_DIR = tmp_path / "diagrams"
    body = "Prose about wombats.\n\n```dot\ndigraph { quetzal -> axolotl }\n```\n"
    write_lesson(content_root, "codebuild-basics", "diagram", "Diagram", 3, "codebuild", body)
    load(content_root)
    assert "<svg" in Lesson.objects.get(slug="diagram").body_html
    assert titles("wombats") == ["Diagram"]
    assert titles("quetzal") == []


def test_the_backend_index_exists():
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT sql FROM sqlite_master WHERE name = 'courses_lesson_fts'")
            assert "USING fts5" in cursor.fetchone()[0]
        else:
            cursor.execute(
                "SELECT indexdef FROM pg_indexes WHERE indexname = 'courses_lesson_search_gin'"
            )
            assert "USING gin (search_vector)" in cursor.fetchone()[0]
