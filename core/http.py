"""Typed request helpers for views."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def request_user(request: HttpRequest) -> User:
    """The signed-in user of a view behind `login_required` (never the anonymous user)."""
    user = request.user
    if not user.is_authenticated:  # a view without login_required called this: a bug
        raise PermissionError("request_user() needs a signed-in user")
    return user
