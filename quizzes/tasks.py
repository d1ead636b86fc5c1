"""Celery tasks: finalise an exam at its deadline even when no browser is left to submit it."""

from __future__ import annotations

from celery import shared_task

from quizzes import services
from quizzes.models import Attempt


@shared_task(name="quizzes.attempt_expire")
def attempt_expire(attempt_id: int) -> str:
    """Scheduled with eta=deadline; a no-op when the attempt is finished or not yet due."""
    attempt = Attempt.objects.filter(pk=attempt_id).first()
    if attempt is None:
        return "missing"
    return services.attempt_expire_if_due(attempt).status


@shared_task(name="quizzes.attempts_expire_overdue")
def attempts_expire_overdue() -> int:
    """Safety net for a lost scheduled task: finalise every overdue attempt (run periodically)."""
    return services.attempts_expire_overdue()
