"""The instructor home view: content health, flagged items, lab statistics, reports."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_safe

from core.roles import is_instructor
from instructor import panels


@require_safe
@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Instructors: content health, flagged items, lab statistics, reports and regrade links."""
    if not is_instructor(request.user):
        raise PermissionDenied("Instructors only.")
    items, flagged_total = panels.flagged_items()
    reports, open_total = panels.open_reports()
    context = {
        "health": panels.content_health(),
        "items": items,
        "flagged_total": flagged_total,
        "labs": panels.lab_rows(),
        "reports": reports,
        "open_total": open_total,
        "links": {
            "items": _url("quizzes:item_stats"),
            "domains": _url("quizzes:domain_stats"),
            "reports": _url("quizzes:reports"),
        },
        "nav_active": "instructor",
    }
    return render(request, "instructor/home.html", context)


def _url(name: str) -> str:
    try:
        return reverse(name)
    except NoReverseMatch:  # that app's page is not there (yet): the section says so instead
        return ""
