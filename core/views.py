"""Home, dashboard, health check and the styled error pages."""

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_safe

from core.hooks import dashboard_panels


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    """Landing page; signed-in users go straight to their dashboard."""
    if request.user.is_authenticated:
        return redirect("core:dashboard")
    return render(request, "core/home.html")


@require_safe
@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """The learner's dashboard: one panel per app (progress, quizzes, labs)."""
    return render(
        request,
        "core/dashboard.html",
        {"panels": dashboard_panels(request), "nav_active": "dashboard"},
    )


@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness and database check for load balancers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """Styled 404; API clients get JSON in the API's error shape instead of an HTML page."""
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"detail": f"No API endpoint or object at {request.path}: check the URL and the id."},
            status=404,
        )
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    """Styled 500 (no context processors that could fail again)."""
    return render(request, "500.html", status=500)
