"""Faults as clear, retryable answers: oversized API bodies (413), an unavailable database (503);
checks made during a request answer within 2 s."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string

import simulator

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5
"""What a client is told to wait when the database is busy (SQLite lock waits are 20 s)."""
UNAVAILABLE = (
    "The site's database is busy or unavailable right now. Nothing you sent was lost: "
    f"try again in {RETRY_AFTER_SECONDS} seconds."
)


def is_api(request: HttpRequest) -> bool:
    """API clients get JSON errors, never an HTML page."""
    return request.path.startswith("/api/")


def api_body_limit() -> int:
    """Largest request body the API reads (Django's own cap on bodies held in memory)."""
    return int(settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0)


def too_large(request: HttpRequest, size: int | None) -> HttpResponse:
    limit = api_body_limit()
    said = f"{size:,} bytes" if size else "too large"
    message = (
        f"The request body is {said}; the API accepts at most {limit:,} bytes. "
        "Send smaller files (each lab file is capped far below this)."
    )
    if is_api(request):
        return JsonResponse({"detail": message, "max_bytes": limit}, status=413)
    return HttpResponse(message, status=413, content_type="text/plain; charset=utf-8")


def unavailable(request: HttpRequest) -> HttpResponse:
    if is_api(request):
        response: HttpResponse = JsonResponse(
            {"detail": UNAVAILABLE, "wait_seconds": RETRY_AFTER_SECONDS}, status=503
        )
    else:
        body: str
        try:
            body = render_to_string("503.html", {"message": UNAVAILABLE})
        except Exception:  # the template itself may need what is down: fall back to text
            body = UNAVAILABLE
        response = HttpResponse(body, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


WARM_UP_TEMPLATE = "Resources:\n  Topic:\n    Type: AWS::SNS::Topic\n"


def warm_checkers() -> None:
    """Load cfn-lint once while the web process starts (the middleware is built at boot).

    The first template check in a process imports cfn-lint and its schemas (1-4 s, more on a
    busy machine) before the budgeted child starts: without this, that cost landed on a
    learner's request (11.7 s in the load test) instead of the worker's start.
    """
    try:
        simulator.check(WARM_UP_TEMPLATE, "template", filename="warm-up.yaml")
    except Exception:  # never stop the site from starting: the first check pays instead
        log.exception("could not warm up the template checker")


class ServiceFaultMiddleware:
    """Refuse oversized API bodies before anything reads them; turn an unavailable or locked
    database into a 503 with Retry-After instead of a 500."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response
        if settings.WEB_WARM_CHECKERS:
            warm_checkers()

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if is_api(request):
            try:
                size = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                size = 0
            limit = api_body_limit()
            if limit and size > limit:
                return too_large(request, size)
        # Checks of learner files made while answering a request give cfn-lint at most this
        # long (a template too slow for it gets a finding); graders wait longer.
        with simulator.wall_limit(settings.WEB_CHECK_WALL_SECONDS):
            return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, RequestDataTooBig):
            return too_large(request, None)
        if isinstance(exception, OperationalError):
            # "database is locked" (SQLite), a refused or lost connection, a lock timeout
            # (PostgreSQL): all pass; the client may retry the same request.
            log.warning(
                "database unavailable on %s %s: %s", request.method, request.path, exception
            )
            return unavailable(request)
        return None
