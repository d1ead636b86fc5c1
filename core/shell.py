"""Site-shell views that belong to no app: the favicon redirect and the instructor home."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.templatetags.static import static
from django.views.decorators.http import require_safe


@require_safe
def favicon(request: HttpRequest) -> HttpResponse:
    """/favicon.ico: browsers and feed readers ask for it whatever the page's <link> says."""
    return redirect(static("img/favicon.svg"), permanent=True)
