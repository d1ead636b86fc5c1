"""API plumbing shared by the apps: the exception handler and throttle classes."""

from __future__ import annotations

from rest_framework.throttling import UserRateThrottle
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc, context):
    """DRF's handler, plus a `wait_seconds` field on throttled responses so clients can say when."""
    response = drf_exception_handler(exc, context)
    if response is not None and getattr(exc, "wait", None) is not None:
        response.data["wait_seconds"] = int(exc.wait + 0.999)
    return response


class WriteThrottle(UserRateThrottle):
    """Throttle for API writes (answers, attempts)."""

    scope = "writes"


class CheckThrottle(UserRateThrottle):
    """Throttle for the configuration checker the editor calls while typing."""

    scope = "check"


class SubmissionThrottle(UserRateThrottle):
    """Throttle for lab submissions (each one costs a sandboxed run)."""

    scope = "submissions"
