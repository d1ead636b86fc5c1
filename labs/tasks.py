"""Celery tasks for labs: grading runs on the worker, never in the web process."""

from __future__ import annotations

import logging

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from celery.signals import worker_ready
from django.conf import settings

from labs import services

logger = logging.getLogger(__name__)


@shared_task(
    bind=True,
    name="labs.grade_submission",
    acks_late=True,  # a worker killed mid-grading leaves the message to be redelivered
    reject_on_worker_lost=True,
    max_retries=1,
)
def grade_submission(self, submission_id: int) -> None:
    """Grade one submission; an exception retries once, then the submission ends as system error."""
    try:
        services.submission_grade(submission_id)
    except services.GradingBusy as busy:
        # A redelivery while the first grading may still run: check again when it would be stale.
        grade_submission.apply_async((submission_id,), countdown=busy.retry_in)
    except SoftTimeLimitExceeded:
        services.submission_fail(
            submission_id, "System error: grading took longer than the time limit."
        )
    except Exception as exc:
        logger.exception("grading of submission %s failed", submission_id)
        if self.request.retries < settings.LAB_MAX_GRADING_ATTEMPTS - 1:
            raise self.retry(exc=exc, countdown=1) from exc
        services.submission_fail(
            submission_id,
            "System error: the grader failed twice on this submission. Your files are saved; "
            "please try again later.",
        )


@shared_task(name="labs.recover_stale_gradings")
def recover_stale_gradings() -> int:
    """Beat task: re-queue gradings lost with a killed worker or a lost message."""
    return len(services.submissions_recover_stale())


@worker_ready.connect(weak=False)
def remove_sandbox_leftovers(sender=None, **kwargs) -> int:
    """At worker start, remove the folders runs killed with an earlier worker left behind."""
    from simulator import remove_sandbox_leftovers as remove

    found = remove()
    if found.removed or found.failed:
        logger.info(
            "sandbox leftovers: removed %d folder(s), could not remove %d",
            len(found.removed),
            len(found.failed),
        )
    return len(found.removed)
