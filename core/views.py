"""Home, dashboard, health check (database and broker) and the styled error pages."""

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
    """Database and broker checks for load balancers: 200 when both answer, else 503."""
    checks = {"database": _database_ok(), "broker": _broker_ok()}
    healthy = all(state == "ok" for state in checks.values())
    response = JsonResponse({"status": "ok" if healthy else "unavailable", **checks})
    if not healthy:
        response.status_code = 503
        response["Retry-After"] = "5"
    return response


def _database_ok() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as exc:  # any failure is "down", with the reason for the operator
        return f"error: {type(exc).__name__}: {exc}"
    return "ok"


def _broker_ok() -> str:
    """Connect to the Celery broker once, briefly (never the default retries)."""
    from config.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=2)
    except Exception as exc:
        return f"error: {type(exc).__name__}: {exc}"
    return "ok"


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
