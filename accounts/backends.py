"""Log-in guard: django-axes' lock-out per account and address, plus a cap per address."""

from __future__ import annotations

from typing import Any

from axes.backends import AxesStandaloneBackend
from axes.exceptions import AxesBackendPermissionDenied
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest
from django.utils import timezone

from accounts.services import client_address


def address_failures(address: str) -> int:
    """Failed log-ins from one address within the cool-off, whatever usernames they tried."""
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    total = AccessAttempt.objects.filter(ip_address=address, attempt_time__gte=since).aggregate(
        n=Sum("failures_since_start")
    )["n"]
    return int(total or 0)


class LoginGuardBackend(AxesStandaloneBackend):
    """Refuse a log-in before any password is checked when the account is locked out from this
    address (django-axes), or when the address has failed too often across usernames.

    axes counts per (username, address), so a flood guessing over many usernames was never
    locked out, and each guess cost a password hash (~1 s of CPU here) on the web worker.
    """

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().authenticate(request, username, password, **kwargs)  # raises when locked out
        assert request is not None  # axes refused a request-less call above
        if address_failures(client_address(request)) >= settings.LOGIN_FAILURES_PER_ADDRESS:
            request.axes_locked_out = True  # type: ignore[attr-defined]  # axes' lock-out page
            raise AxesBackendPermissionDenied("too many failed log-ins from this address")
