"""Site-shell views that belong to no app: the favicon redirect and the instructor home."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_safe

from accounts.services import is_instructor
from core import instructor


@require_safe
def favicon(request: HttpRequest) -> HttpResponse:
    """/favicon.ico: browsers and feed readers ask for it whatever the page's <link> says."""
    return redirect(static("img/favicon.svg"), permanent=True)


@require_safe
@login_required
def landing(request: HttpRequest) -> HttpResponse:
    """Where a log-in lands: instructors on their home, learners on their dashboard."""
    if is_instructor(request.user):
        return redirect("core:instructor_home")
    return redirect("core:dashboard")


@require_safe
@login_required
def instructor_home(request: HttpRequest) -> HttpResponse:
    """Instructors: content health, flagged items, lab statistics, reports and regrade links."""
    if not is_instructor(request.user):
        raise PermissionDenied("Instructors only.")
    items, flagged_total = instructor.flagged_items()
    reports, open_total = instructor.open_reports()
    context = {
        "health": instructor.content_health(),
        "items": items,
        "flagged_total": flagged_total,
        "labs": instructor.lab_rows(),
        "reports": reports,
        "open_total": open_total,
        "links": {
            "items": _url("quizzes:item_stats"),
            "domains": _url("quizzes:domain_stats"),
            "reports": _url("quizzes:reports"),
        },
        "nav_active": "instructor",
    }
    return render(request, "core/instructor_home.html", context)


def _url(name: str) -> str:
    try:
        return reverse(name)
    except NoReverseMatch:  # that app's page is not there (yet): the section says so instead
        return ""
