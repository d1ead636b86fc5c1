"""Writes for accounts: role groups, sign-up, demo users."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import SignupWindow
from accounts.roles import INSTRUCTOR_APPS, INSTRUCTORS, LEARNERS
from core.roles import is_instructor  # noqa: F401  (kept here for callers of accounts)

User = get_user_model()

DEMO_USERS = (
    # (username, password, instructor?)
    ("learner", "learner-demo", False),
    ("instructor", "instructor-demo", True),
)


def roles_sync() -> None:
    """Create both groups and give instructors every permission on the content apps."""
    Group.objects.get_or_create(name=LEARNERS)
    instructors, _ = Group.objects.get_or_create(name=INSTRUCTORS)
    perms = Permission.objects.filter(content_type__app_label__in=INSTRUCTOR_APPS)
    instructors.permissions.set(perms)


@transaction.atomic
def user_create(*, username: str, password: str, email: str = "", instructor: bool = False):
    """Create a learner (default) or an instructor (staff + instructors group, not superuser)."""
    roles_sync()
    user = User.objects.create_user(username=username, password=password, email=email)
    user_set_role(user, instructor=instructor)
    return user


class SignupThrottled(Exception):
    """Too many sign-ups from one address; `wait_seconds` until the next is allowed."""

    def __init__(self, message: str, wait_seconds: int) -> None:
        super().__init__(message)
        self.message = message
        self.wait_seconds = wait_seconds


def client_address(request) -> str:
    """The client's address: the peer's, or behind PROXY_COUNT trusted proxies the one they
    recorded (each appends the address it got the request from; anything further left in
    X-Forwarded-For was written by the client and is not trusted)."""
    proxies = settings.PROXY_COUNT
    forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [a for a in forwarded if a]
    if proxies and len(forwarded) >= proxies:
        return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR") or "0.0.0.0"  # noqa: S104 - no peer: one bucket


def signup_allow(address: str, *, now=None) -> None:
    """Count one sign-up for a client address, or raise SignupThrottled when over the limit.

    The address's row is locked before counting (SELECT ... FOR UPDATE on PostgreSQL; SQLite
    serialises writers), so parallel sign-ups are counted one after the other. Call it inside the
    transaction that creates the account: a failed sign-up then counts nothing.
    """
    limit = settings.SIGNUPS_PER_ADDRESS
    window = timedelta(seconds=settings.SIGNUP_WINDOW_SECONDS)
    now = now or timezone.now()
    try:
        with transaction.atomic():
            SignupWindow.objects.get_or_create(address=address, defaults={"started_at": now})
    except IntegrityError:  # a parallel sign-up created the row first: it exists now
        pass
    row = SignupWindow.objects.select_for_update().get(address=address)
    if row.started_at + window <= now:
        row.started_at, row.count = now, 0
    if row.count >= limit:
        wait = int((row.started_at + window - now).total_seconds()) + 1
        minutes = max(1, round(wait / 60))
        raise SignupThrottled(
            f"Too many accounts were created from your network address recently (limit "
            f"{limit} an hour). Try again in about {minutes} minute{'s' if minutes > 1 else ''}, "
            "or log in to an account you already have.",
            wait,
        )
    row.count += 1
    row.save(update_fields=["started_at", "count"])


def user_set_role(user, *, instructor: bool) -> None:
    """Put a user in exactly one role group; instructors get staff access to the admin."""
    learners = Group.objects.get(name=LEARNERS)
    instructors = Group.objects.get(name=INSTRUCTORS)
    user.groups.add(instructors if instructor else learners)
    user.groups.remove(learners if instructor else instructors)
    user.is_staff = instructor
    user.is_superuser = False
    user.save(update_fields=["is_staff", "is_superuser"])


@transaction.atomic
def demo_users_ensure() -> list[str]:
    """Create or reset the demo accounts; refused outside local mode."""
    if not settings.LOCAL_MODE:
        raise PermissionDenied("Demo accounts exist only in local mode (PA_LOCAL_MODE=1).")
    roles_sync()
    created = []
    for username, password, instructor in DEMO_USERS:
        user, made = User.objects.get_or_create(username=username)
        user.set_password(password)
        user.save()
        user_set_role(user, instructor=instructor)
        if made:
            created.append(username)
    return created
