"""Full-text lesson index: SQLite FTS5 on the embedded default, PostgreSQL text search at scale."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import F, TextField, Value
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from core.exam import TOPIC_TAGS
from courses.models import Lesson

FTS_TABLE = "courses_lesson_fts"
MAX_TERMS = 12
# Private-use characters mark the matches inside snippets: the snippet is HTML-escaped first and
# only then are the markers turned into <mark>, so lesson text can never inject markup.
_HIT_START, _HIT_END = "\ue000", "\ue001"
# Words only (no quotes, operators, parentheses or underscores), so no user input can form
# FTS5 or tsquery syntax.
_TERM_RE = re.compile(r"[^\W_]+")
# English stemming on PostgreSQL, like FTS5's porter tokenizer on SQLite.
_PG_CONFIG = "english"


@dataclass(frozen=True)
class SearchHit:
    """One lesson matching a search, with a highlighted snippet of its text."""

    lesson_id: int
    title: str
    module_title: str
    url: str
    snippet: SafeString
    minutes: int


def search_terms(query: str) -> list[str]:
    """The words of a user's query, lower-cased, at most MAX_TERMS."""
    return [t.lower() for t in _TERM_RE.findall(query or "")][:MAX_TERMS]


def _tags_text(tags: list[str]) -> str:
    return " ".join(f"{tag} {TOPIC_TAGS.get(tag, '')}" for tag in tags)


def _highlight(snippet: str) -> SafeString:
    html = escape(snippet).replace(_HIT_START, "<mark>").replace(_HIT_END, "</mark>")
    return mark_safe(html)  # noqa: S308 — escaped above; only our own <mark> tags are added


def index_lessons(lessons: Iterable[Lesson]) -> None:
    """Write (or rewrite) the index entries of these lessons."""
    lessons = list(lessons)
    if not lessons:
        return
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.executemany(
                f"DELETE FROM {FTS_TABLE} WHERE rowid = %s",  # noqa: S608 — constant table name
                [(lesson.pk,) for lesson in lessons],
            )
            cursor.executemany(
                f"INSERT INTO {FTS_TABLE} (rowid, title, tags, body) VALUES (%s, %s, %s, %s)",  # noqa: S608
                [(ls.pk, ls.title, _tags_text(ls.tags), ls.body_text) for ls in lessons],
            )
    elif connection.vendor == "postgresql":
        for lesson in lessons:
            vector = (
                SearchVector(
                    Value(lesson.title, output_field=TextField()), weight="A", config=_PG_CONFIG
                )
                + SearchVector(
                    Value(_tags_text(lesson.tags), output_field=TextField()),
                    weight="B",
                    config=_PG_CONFIG,
                )
                + SearchVector(
                    Value(lesson.body_text, output_field=TextField()), weight="C", config=_PG_CONFIG
                )
            )
            Lesson.objects.filter(pk=lesson.pk).update(search_vector=vector)


def index_missing() -> int:
    """Index lessons that have no entry yet (e.g. rows that predate the index); returns how many."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT rowid FROM {FTS_TABLE}")  # noqa: S608
            indexed = {row[0] for row in cursor.fetchall()}
        missing = Lesson.objects.exclude(pk__in=indexed)
    elif connection.vendor == "postgresql":
        missing = Lesson.objects.filter(search_vector__isnull=True)
    else:
        return 0
    lessons = list(missing)
    index_lessons(lessons)
    return len(lessons)


def _hits(rows: list[tuple[int, str]]) -> list[SearchHit]:
    lessons = Lesson.objects.select_related("module").in_bulk([pk for pk, _ in rows])
    hits = []
    for pk, snippet in rows:
        lesson = lessons.get(pk)
        if lesson is None:
            continue
        hits.append(
            SearchHit(
                lesson_id=pk,
                title=lesson.title,
                module_title=lesson.module.title,
                url=lesson.get_absolute_url(),
                snippet=_highlight(snippet or ""),
                minutes=lesson.minutes,
            )
        )
    return hits


def _search_sqlite(terms: list[str], limit: int) -> list[SearchHit]:
    # Every term quoted (a phrase of one word) with a prefix star: "build"* "phase"*.
    match = " ".join(f'"{term}"*' for term in terms)
    sql = f"""
        SELECT l.id, snippet({FTS_TABLE}, 2, %s, %s, '…', 24)
        FROM {FTS_TABLE}
        JOIN courses_lesson l ON l.id = {FTS_TABLE}.rowid
        JOIN courses_module m ON m.id = l.module_id
        WHERE {FTS_TABLE} MATCH %s AND l.published AND m.published
        ORDER BY bm25({FTS_TABLE}, 10.0, 5.0, 1.0), l.id
        LIMIT %s
    """  # noqa: S608 — constant table name; user input only as parameters
    with connection.cursor() as cursor:
        cursor.execute(sql, [_HIT_START, _HIT_END, match, limit])
        rows = cursor.fetchall()
    return _hits(rows)


def _search_postgres(terms: list[str], limit: int) -> list[SearchHit]:
    # Terms are bare words, so this raw tsquery is always valid: build:* & phase:*.
    query = SearchQuery(
        " & ".join(f"{term}:*" for term in terms), search_type="raw", config=_PG_CONFIG
    )
    rows = (
        Lesson.objects.filter(published=True, module__published=True, search_vector=query)
        .annotate(
            rank=SearchRank(F("search_vector"), query),
            snippet=SearchHeadline(
                "body_text",
                query,
                config=_PG_CONFIG,
                start_sel=_HIT_START,
                stop_sel=_HIT_END,
                max_words=30,
                min_words=15,
                max_fragments=2,
                fragment_delimiter=" … ",
            ),
        )
        .order_by("-rank", "id")
        .values_list("id", "snippet")[:limit]
    )
    return _hits(list(rows))


def search(query: str, *, limit: int = 20) -> list[SearchHit]:
    """Published lessons matching every word of the query (prefixes too), best first."""
    terms = search_terms(query)
    if not terms:
        return []
    if connection.vendor == "postgresql":
        return _search_postgres(terms, limit)
    if connection.vendor == "sqlite":
        return _search_sqlite(terms, limit)
    raise NotImplementedError(f"lesson search does not support {connection.vendor}")
