"""Instructor pages: item statistics, per-domain results (sortable, CSV) and question previews."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from functools import wraps
from types import SimpleNamespace
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts.services import is_instructor
from core.markdown import render_markdown
from quizzes import selectors, services, stats
from quizzes.errors import QuizError
from quizzes.forms import ResolveForm
from quizzes.models import Question, ReportStatus


def instructor_required(view: Callable) -> Callable:
    """Staff in the instructors group only (anonymous users go to the login page)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        if not request.user.is_authenticated:
            from django.contrib.auth.views import redirect_to_login

            return redirect_to_login(request.get_full_path())
        if not is_instructor(request.user):
            raise PermissionDenied("Instructors only.")
        return view(request, *args, **kwargs)

    return wrapper


def _sorted_stats(request: HttpRequest) -> tuple[list[stats.ItemStat], str, bool]:
    key = request.GET.get("sort", "id")
    key = key if key in stats.SORT_KEYS else "id"
    descending = request.GET.get("dir") == "desc"
    rows = stats.sort_stats(stats.item_statistics(), key, descending)
    if request.GET.get("flagged") == "1":
        rows = [r for r in rows if r.flags]
    return rows, key, descending


@instructor_required
def item_stats(request: HttpRequest) -> HttpResponse:
    """Per-question statistics, sortable by any column (links, no JavaScript needed)."""
    rows, key, descending = _sorted_stats(request)
    columns = [
        ("id", "Question"),
        ("domain", "Domain"),
        ("responses", "Responses"),
        ("unanswered", "Unanswered"),
        ("facility", "Facility %"),
        ("discrimination", "Discrimination"),
        ("time", "Avg time (s)"),
        ("flags", "Flags"),
    ]
    reports = selectors.open_report_counts()
    stems = dict(Question.objects.values_list("pk", "stem_markdown"))
    for row in rows:
        row.open_reports = reports.get(row.question_id, 0)
        row.stem = " ".join(stems.get(row.question_id, "").split())[:140]
    if request.GET.get("reported") == "1":
        rows = [r for r in rows if r.open_reports]
    context = {
        "rows": rows,
        "reported_only": request.GET.get("reported") == "1",
        "open_reports": sum(reports.values()),
        "columns": columns,
        "sort": key,
        "descending": descending,
        "flagged_only": request.GET.get("flagged") == "1",
        "min_flag_responses": stats.MIN_RESPONSES_FOR_FLAGS,
        "nav_active": "quizzes",
    }
    return render(request, "quizzes/instructor/items.html", context)


def _csv_response(filename: str) -> tuple[HttpResponse, Any]:  # Any: csv's writer type is private
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response, csv.writer(response)


def _cell(value: object) -> object:
    # Spreadsheet formula injection: a cell starting with = + - @ is prefixed with a quote.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return "" if value is None else value


@instructor_required
def item_stats_csv(request: HttpRequest) -> HttpResponse:
    """The same rows as CSV, one column per option's choice rate."""
    rows, _key, _desc = _sorted_stats(request)
    response, writer = _csv_response("item-statistics.csv")
    writer.writerow(
        [
            "question",
            "domain",
            "difficulty",
            "responses",
            "facility_percent",
            "discrimination_x100",
            "avg_time_s",
            "flags",
            "option_rates",
        ]
    )
    for row in rows:
        rates = "; ".join(
            f"{'*' if o.correct else ''}{o.position + 1}:{o.rate}" for o in row.options
        )
        writer.writerow(
            [
                _cell(v)
                for v in (
                    row.external_id,
                    row.domain,
                    row.difficulty,
                    row.responses,
                    row.facility,
                    row.discrimination,
                    row.avg_time_s,
                    " | ".join(row.flags),
                    rates,
                )
            ]
        )
    return response


@instructor_required
def domain_stats(request: HttpRequest) -> HttpResponse:
    """Per-domain results across learners."""
    return render(
        request,
        "quizzes/instructor/domains.html",
        {"rows": stats.domain_statistics(), "nav_active": "quizzes"},
    )


@instructor_required
def domain_stats_csv(request: HttpRequest) -> HttpResponse:
    response, writer = _csv_response("domain-results.csv")
    writer.writerow(["domain", "learners", "responses", "percent_correct", "avg_time_s"])
    for row in stats.domain_statistics():
        writer.writerow(
            [
                _cell(v)
                for v in (
                    row.label,
                    row.learners,
                    row.responses,
                    row.percent_correct,
                    row.avg_time_s,
                )
            ]
        )
    return response


@instructor_required
def question_preview(request: HttpRequest, question_id: int) -> HttpResponse:
    """A question as a learner sees it, then with keys and explanations (for authors)."""
    question = get_object_or_404(Question.objects.prefetch_related("options"), pk=question_id)
    return render(
        request,
        "quizzes/instructor/preview.html",
        {"question": question, "options": list(question.options.all()), "nav_active": "quizzes"},
    )


def _int(value: str, default: int) -> int:
    return int(value) if value.strip().isdigit() else default


@instructor_required
@require_POST
def question_preview_live(request: HttpRequest) -> HttpResponse:
    """Render the admin form's unsaved question as a learner would see it (the live preview)."""
    data = request.POST
    try:
        tags = json.loads(data.get("tags") or "[]")
    except ValueError:
        tags = []
    question = Question(
        external_id=data.get("external_id", ""),
        domain=_int(data.get("domain", ""), 1),
        task=data.get("task", ""),
        tags=tags if isinstance(tags, list) else [],
        difficulty=data.get("difficulty", ""),
        type=data.get("type", Question.SINGLE),
        choose=_int(data.get("choose", ""), 1),
        lesson_ref=data.get("lesson_ref", ""),
        published=data.get("published") == "on",
    )
    question.stem_html = render_markdown(data.get("stem_markdown", "")).html
    options = []
    for n in range(min(_int(data.get("options-TOTAL_FORMS", "0"), 0), 20)):
        text = data.get(f"options-{n}-text", "").strip()
        if not text or data.get(f"options-{n}-DELETE") == "on":
            continue
        options.append(
            SimpleNamespace(
                text_html=render_markdown(text).html,
                correct=data.get(f"options-{n}-correct") == "on",
                explanation_html=render_markdown(data.get(f"options-{n}-explanation", "")).html,
            )
        )
    return render(
        request, "quizzes/instructor/_preview_body.html", {"question": question, "options": options}
    )


@instructor_required
def reports(request: HttpRequest) -> HttpResponse:
    """Learners' reports on questions (open first), each beside its item statistics."""
    status = request.GET.get("status", ReportStatus.OPEN)
    status = status if status in (*ReportStatus.values, "") else ReportStatus.OPEN
    rows = selectors.reports_for_instructors(status=status)
    item = {s.question_id: s for s in stats.item_statistics()} if rows else {}
    return render(
        request,
        "quizzes/instructor/reports.html",
        {
            "rows": [(r, item.get(r.question_id)) for r in rows],
            "status": status,
            "form": ResolveForm(),
            "nav_active": "quizzes",
        },
    )


@instructor_required
@require_POST
def report_resolve(request: HttpRequest, report_id: int) -> HttpResponse:
    """Resolve a report with a note."""
    form = ResolveForm(request.POST)
    note = form.cleaned_data["resolution"] if form.is_valid() else ""
    try:
        services.question_report_resolve(report_id, request.user, resolution=note)
    except QuizError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Report resolved.")
    return redirect("quizzes:reports")
