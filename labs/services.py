"""Writes for labs: drafts, hints, submissions, grading (called by the Celery task), regrades."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from labs.models import Draft, Grading, HintReveal, Lab, Submission
from labs.spec import LabSpec

logger = logging.getLogger(__name__)


BROKER_DOWN_MESSAGE = (
    "Queued, grading will start shortly: the grading service could not be reached just now. "
    "Your submission is saved and will be graded automatically; there is no need to submit again."
)


class SubmissionRejected(Exception):
    """A submission that cannot be accepted, with a message for the learner."""

    def __init__(self, message: str, *, wait_seconds: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.wait_seconds = wait_seconds


def files_validate(lab: Lab, files: object) -> dict[str, str]:
    """Only the lab's editable files, as text, within the size cap."""
    editable = set(lab.spec["files"])
    if not isinstance(files, dict) or not files:
        raise SubmissionRejected("Send the files as a mapping of file name to text.")
    unknown = sorted(set(files) - editable)
    if unknown:
        raise SubmissionRejected(
            f"Unknown file(s) {', '.join(unknown)}; this lab edits {', '.join(sorted(editable))}."
        )
    cleaned = {}
    for name in sorted(editable):
        text = files.get(name, lab.spec["files"][name])
        if not isinstance(text, str):
            raise SubmissionRejected(f"{name} must be text.")
        if "\x00" in text:
            # Binary data, and PostgreSQL cannot store a NUL character in JSON anyway.
            line = text.count("\n", 0, text.index("\x00")) + 1
            raise SubmissionRejected(
                f"{name} contains a NUL character on line {line}: it must be a text file;"
                " remove that character (it often comes from pasting binary data)."
            )
        if len(text.encode("utf-8", "surrogatepass")) > settings.LAB_MAX_FILE_BYTES:
            raise SubmissionRejected(f"{name} is larger than {settings.LAB_MAX_FILE_BYTES} bytes.")
        cleaned[name] = text
    return cleaned


def draft_save(user, lab: Lab, files: object) -> Draft:
    """Save what the learner typed (nothing typed is lost on reload)."""
    cleaned = files_validate(lab, files)
    draft, _ = Draft.objects.update_or_create(user=user, lab=lab, defaults={"files": cleaned})
    return draft


def draft_files(user, lab: Lab) -> dict[str, str]:
    """The learner's draft, or the starter files."""
    draft = Draft.objects.filter(user=user, lab=lab).first()
    files = dict(lab.spec["files"])
    if draft:
        files.update({k: v for k, v in draft.files.items() if k in files})
    return files


def hint_reveal(user, lab: Lab, index: int) -> HintReveal:
    """Reveal a hint (idempotent); it costs its points on later submissions."""
    hints = lab.spec.get("hints", [])
    if not 0 <= index < len(hints):
        raise SubmissionRejected(f"This lab has no hint #{index + 1}.")
    reveal, _ = HintReveal.objects.get_or_create(user=user, lab=lab, index=index)
    return reveal


def hints_revealed(user, lab: Lab) -> list[int]:
    """Indexes of the hints this learner revealed."""
    return sorted(HintReveal.objects.filter(user=user, lab=lab).values_list("index", flat=True))


def _hint_penalty(user, lab: Lab) -> int:
    hints = lab.spec.get("hints", [])
    return sum(hints[i]["cost"] for i in hints_revealed(user, lab) if i < len(hints))


@transaction.atomic
def submission_create(user, lab: Lab, files: object) -> Submission:
    """Accept a "Run & grade": validate, rate-limit, record, and queue grading after commit."""
    cleaned = files_validate(lab, files)
    # Lock the learner's row before counting: parallel submissions then count one after the other
    # (counting first let 20 parallel ones all pass the limit), and get distinct numbers.
    get_user_model().objects.select_for_update().filter(pk=user.pk).first()
    window = timezone.now() - timedelta(seconds=60)
    recent = list(
        Submission.objects.filter(user=user, created_at__gte=window)
        .order_by("created_at")
        .values_list("created_at", flat=True)
    )
    if len(recent) >= settings.LAB_SUBMISSIONS_PER_MINUTE:
        wait = int((recent[0] + timedelta(seconds=60) - timezone.now()).total_seconds()) + 1
        raise SubmissionRejected(
            f"You can run {settings.LAB_SUBMISSIONS_PER_MINUTE} gradings a minute; "
            f"try again in {wait} s.",
            wait_seconds=wait,
        )
    number = (
        Submission.objects.filter(user=user, lab=lab).aggregate(n=Max("number"))["n"] or 0
    ) + 1
    submission = Submission.objects.create(
        user=user,
        lab=lab,
        number=number,
        files=cleaned,
        max_score=lab.max_points,
        hint_penalty=_hint_penalty(user, lab),
    )
    Draft.objects.update_or_create(user=user, lab=lab, defaults={"files": cleaned})
    transaction.on_commit(lambda: grading_enqueue(submission.pk, shown=submission))
    return submission


def grading_enqueue(submission_id: int, shown: Submission | None = None) -> None:
    """Queue the grading task (imported late: tasks import services); `shown` is the object the
    caller is about to show, told too when the broker is unreachable."""
    from labs.tasks import grade_submission

    try:
        grade_submission.delay(submission_id)
    except Exception:
        # Broker unreachable: the submission stays saved and queued; the beat recovery
        # (submissions_recover_stale) queues it once the broker is back. Tell the learner so.
        logger.exception("could not queue the grading of submission %s", submission_id)
        Submission.objects.filter(pk=submission_id, status=Submission.Status.QUEUED).update(
            log=BROKER_DOWN_MESSAGE
        )
        if shown is not None:
            shown.log = BROKER_DOWN_MESSAGE


class GradingBusy(Exception):
    """The submission is being graded right now; try again in `retry_in` seconds."""

    def __init__(self, retry_in: float) -> None:
        super().__init__(f"grading in progress; retry in {retry_in:.0f} s")
        self.retry_in = retry_in


def _claim(submission_id: int) -> Submission | None:
    """Move a submission to RUNNING if it needs grading; None when there is nothing to do.

    Safe against duplicate deliveries: a finished submission or one waiting for an approval
    decision is left alone; one another worker is grading right now raises GradingBusy.
    """
    now = timezone.now()
    with transaction.atomic():
        sub = Submission.objects.select_for_update().filter(pk=submission_id).first()
        if sub is None:
            return None
        if sub.regrade_pending:
            return _claim_regrade(sub, now)
        if sub.finished:
            return None
        if sub.status == Submission.Status.AWAITING_APPROVAL and not sub.approval:
            return None
        stale = now - timedelta(seconds=settings.LAB_GRADING_STALE_SECONDS)
        if sub.status == Submission.Status.RUNNING and sub.started_at and sub.started_at > stale:
            # Another worker may still be on it (or died moments ago): look again once it would
            # be stale, rather than drop this delivery and leave the submission running forever.
            raise GradingBusy((sub.started_at - stale).total_seconds() + 1)
        sub.grading_attempts += 1
        if sub.grading_attempts > settings.LAB_MAX_GRADING_ATTEMPTS:
            sub.status = Submission.Status.ERROR
            sub.error_message = (
                "System error: grading stopped twice before it could finish (the grader crashed "
                "or was killed). Your files are saved; please submit again, and tell us if it "
                "happens again."
            )
            sub.finished_at = now
            sub.save()
            return None
        sub.status = Submission.Status.RUNNING
        sub.started_at = now
        sub.save(update_fields=["status", "started_at", "grading_attempts"])
        return sub


def _claim_regrade(sub: Submission, now) -> Submission | None:
    """A regrade keeps the shown grade (status, score) until the new one is recorded."""
    stale = now - timedelta(seconds=settings.LAB_GRADING_STALE_SECONDS)
    if sub.regrade_started_at and sub.regrade_started_at > stale:
        raise GradingBusy((sub.regrade_started_at - stale).total_seconds() + 1)
    sub.grading_attempts += 1
    if sub.grading_attempts > settings.LAB_MAX_GRADING_ATTEMPTS:
        # The old grade stays; the instructor sees the regrade did not finish.
        sub.regrade_pending = False
        sub.regrade_started_at = None
        sub.error_message = (
            "The regrade stopped twice before it could finish; the grade shown is the previous one."
        )
        sub.save(
            update_fields=[
                "regrade_pending",
                "regrade_started_at",
                "error_message",
                "grading_attempts",
            ]
        )
        return None
    sub.regrade_started_at = now
    sub.save(update_fields=["regrade_started_at", "grading_attempts"])
    return sub


class _NoSink:
    """A regrade does not stream over the log the learner sees; it records its own."""

    def __call__(self, line: str) -> None:
        pass

    def flush(self) -> None:
        pass

    def picture(self, name: str, svg: str) -> None:
        pass


class _LogSink:
    """Collects log lines and flushes them to the row now and then, so the page can stream."""

    def __init__(self, submission: Submission, prefix: str = "") -> None:
        self.submission = submission
        self.lines: list[str] = [prefix] if prefix else []
        self.pictures: dict[str, str] = dict(submission.pictures or {})
        self.last_flush = timezone.now()

    def __call__(self, line: str) -> None:
        self.lines.append(line.rstrip("\n"))
        if (timezone.now() - self.last_flush).total_seconds() >= 0.25:
            self.flush()

    def flush(self) -> None:
        Submission.objects.filter(pk=self.submission.pk).update(log="\n".join(self.lines))
        self.last_flush = timezone.now()

    def picture(self, name: str, svg: str) -> None:
        """Show a picture while the run goes on (e.g. the pipeline turning green)."""
        self.pictures[name] = svg
        self.flush()
        Submission.objects.filter(pk=self.submission.pk).update(pictures=self.pictures)


def submission_grade(submission_id: int) -> Submission | None:
    """Grade a submission (the Celery task's body); idempotent and safe to redeliver.

    A regrade runs the files again from the start, with the learner's original approval
    decision given up front, and records a new grading beside the earlier ones.
    """
    from labs.grader import grade

    sub = _claim(submission_id)
    if sub is None:
        return None
    spec = LabSpec.from_dict(sub.lab.spec)
    regrade = sub.regrade_pending
    resume = sub.paused_state if sub.approval and not regrade else None
    sink = _NoSink() if regrade else _LogSink(sub, prefix=sub.log if resume else "")
    try:
        result = grade(
            spec,
            sub.files,
            approval=sub.approval or None,
            resume=resume,
            on_log=sink,
            on_picture=sink.picture,
        )
    except Exception:
        # Hand the submission back so the task's retry can claim it (attempts are counted).
        if regrade:
            Submission.objects.filter(pk=sub.pk).update(regrade_started_at=None)
        else:
            Submission.objects.filter(pk=sub.pk).update(status=Submission.Status.QUEUED)
        raise
    sink.flush()
    with transaction.atomic():
        sub = Submission.objects.select_for_update().get(pk=sub.pk)
        if result.awaiting_approval and regrade:
            # No decision was ever made (the grading failed before it): the learner decides.
            sub.regrade_pending = False
        sub.findings = result.findings
        # The typed result with secret values redacted: nothing secret reaches the database.
        sub.outcome = result.outcome
        sub.pictures = result.pictures
        sub.log = result.log
        if result.awaiting_approval:
            sub.status = Submission.Status.AWAITING_APPROVAL
            sub.paused_state = result.paused_state
        else:
            earned = sum(r["points"] for r in result.results if r["passed"])
            sub.max_score = result.max_points  # the lab's checks now (a regrade may change them)
            sub.results = result.results
            sub.score = max(0, earned - sub.hint_penalty)
            sub.percent = round(100 * sub.score / sub.max_score, 1) if sub.max_score else 0.0
            sub.status = Submission.Status.GRADED
            sub.finished_at = timezone.now()
            sub.error_message = ""
            kind = (
                Grading.Kind.REGRADE
                if regrade
                else (Grading.Kind.APPROVAL if sub.approval else Grading.Kind.SUBMIT)
            )
            Grading.objects.create(
                submission=sub,
                kind=kind,
                score=sub.score,
                max_score=sub.max_score,
                percent=sub.percent,
                results=sub.results,
                outcome=sub.outcome,
                findings=sub.findings,
                log=sub.log,
                requested_by_id=sub.regrade_requested_by_id if regrade else None,
            )
        sub.regrade_pending = False
        sub.regrade_started_at = None
        sub.save()
    return sub


def submission_fail(submission_id: int, message: str) -> None:
    """Record a system error the learner can read (used when retries are exhausted)."""
    Submission.objects.filter(pk=submission_id).exclude(status=Submission.Status.GRADED).update(
        status=Submission.Status.ERROR, error_message=message, finished_at=timezone.now()
    )


@transaction.atomic
def submission_decide_approval(submission: Submission, *, approve: bool) -> Submission:
    """The learner approves or rejects the paused pipeline; grading resumes from saved state."""
    sub = Submission.objects.select_for_update().get(pk=submission.pk)
    if sub.status != Submission.Status.AWAITING_APPROVAL or sub.approval:
        raise SubmissionRejected("This submission is not waiting for an approval.")
    sub.approval = "approved" if approve else "rejected"
    sub.grading_attempts = 0
    sub.save(update_fields=["approval", "grading_attempts"])
    transaction.on_commit(lambda: grading_enqueue(sub.pk))
    return sub


def lab_regrade_all(lab: Lab, *, by=None) -> int:
    """Queue a regrade of every finished submission of a lab (after a check changed).

    Nothing the learner sees changes until each new grade is recorded: status, score, the
    approval decision and `created_at` stay, so dashboards and rate limits are untouched.
    """
    now = timezone.now()
    with transaction.atomic():
        ids = list(
            Submission.objects.select_for_update()
            .filter(lab=lab, status__in=[Submission.Status.GRADED, Submission.Status.ERROR])
            .values_list("pk", flat=True)
        )
        Submission.objects.filter(pk__in=ids).update(
            regrade_pending=True,
            regrade_requested_at=now,
            regrade_requested_by=by if by is not None and by.is_authenticated else None,
            regrade_started_at=None,
            grading_attempts=0,
        )
        for pk in ids:
            transaction.on_commit(lambda pk=pk: grading_enqueue(pk))
    return len(ids)


def submissions_recover_stale() -> list[int]:
    """Re-queue gradings whose worker died (RUNNING too long) or whose message was lost.

    Run periodically (Celery beat). Duplicate deliveries are harmless: `_claim` lets exactly one
    grading through, so every submission is graded once even if the broker never redelivers.
    """
    stale = timezone.now() - timedelta(seconds=settings.LAB_GRADING_STALE_SECONDS)
    ids = list(
        Submission.objects.filter(
            Q(status=Submission.Status.RUNNING, started_at__lt=stale)
            | Q(status=Submission.Status.QUEUED, created_at__lt=stale)
            | Q(regrade_pending=True, regrade_started_at__lt=stale)
            | Q(regrade_pending=True, regrade_started_at=None, regrade_requested_at__lt=stale)
        ).values_list("pk", flat=True)
    )
    for pk in ids:
        grading_enqueue(pk)
    return ids
