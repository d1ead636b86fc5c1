"""Site-shell views that belong to no app: the favicon redirect and the log-in landing."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.templatetags.static import static
from django.views.decorators.http import require_safe

from core.roles import is_instructor


@require_safe
def favicon(request: HttpRequest) -> HttpResponse:
    """/favicon.ico: browsers and feed readers ask for it whatever the page's <link> says."""
    return redirect(static("img/favicon.svg"), permanent=True)


@require_safe
@login_required
def landing(request: HttpRequest) -> HttpResponse:
    """Where a log-in lands: instructors on their home, learners on their dashboard."""
    if is_instructor(request.user):
        return redirect("instructor:home")
    return redirect("core:dashboard")
