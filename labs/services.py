"""Writes for labs: drafts, hints, submissions, grading (called by the Celery task), regrades."""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import threading
import uuid
from collections import Counter
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import DatabaseError, connection, transaction
from django.db.models import Max, Q
from django.utils import timezone

from labs.models import (
    Draft,
    Grading,
    HintReveal,
    Lab,
    PausedBlob,
    PausedRun,
    QueueLock,
    Submission,
)
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
        Submission.objects.filter(pk=submission_id).update(enqueued_at=timezone.now())
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


def _lost_before(now) -> Any:
    """A running grading whose last sign of life is older than this is lost (worker died)."""
    return now - timedelta(seconds=settings.LAB_GRADING_LOST_SECONDS)


def _last_sign(sub: Submission, started) -> Any:
    """The latest of the claim time and the heartbeat (rows without a heartbeat: the claim)."""
    signs = [t for t in (sub.heartbeat_at, started) if t is not None]
    return max(signs) if signs else None


def _claim(submission_id: int) -> Submission | None:
    """Move a submission to RUNNING if it needs grading; None when there is nothing to do.

    Safe against duplicate deliveries: a finished submission or one waiting for an approval
    decision is left alone; one another worker is grading right now (its heartbeat is fresh)
    raises GradingBusy. The claim hands out a new run token: only its holder records a result.
    """
    now = timezone.now()
    with transaction.atomic():
        _queue_lock()  # always the queue first, then the row: one lock order, no deadlock
        sub = Submission.objects.select_for_update().filter(pk=submission_id).first()
        if sub is None:
            return None
        if sub.regrade_pending:
            return _claim_regrade(sub, now)
        if sub.finished:
            return None
        if sub.status == Submission.Status.AWAITING_APPROVAL and not sub.approval:
            return None
        lost = _lost_before(now)
        sign = _last_sign(sub, sub.started_at)
        if sub.status == Submission.Status.RUNNING and sign and sign > lost:
            # Another worker may still be on it (or died moments ago): look again once it would
            # be lost, rather than drop this delivery and leave the submission running forever.
            raise GradingBusy((sign - lost).total_seconds() + 1)
        sub.grading_attempts += 1
        if sub.grading_attempts > settings.LAB_MAX_GRADING_ATTEMPTS:
            sub.status = Submission.Status.ERROR
            sub.error_message = (
                "System error: grading stopped twice before it could finish (the grader crashed "
                "or was killed). Your files are saved; please submit again, and tell us if it "
                "happens again."
            )
            sub.finished_at = now
            sub.run_token = ""
            sub.save()
            _paused_drop(sub.pk)
            return None
        sub.status = Submission.Status.RUNNING
        sub.started_at = now
        sub.heartbeat_at = now
        sub.run_token = uuid.uuid4().hex
        sub.save(
            update_fields=["status", "started_at", "heartbeat_at", "run_token", "grading_attempts"]
        )
        return sub


def _claim_regrade(sub: Submission, now) -> Submission | None:
    """A regrade keeps the shown grade (status, score) until the new one is recorded."""
    lost = _lost_before(now)
    sign = _last_sign(sub, sub.regrade_started_at) if sub.regrade_started_at else None
    if sign and sign > lost:
        raise GradingBusy((sign - lost).total_seconds() + 1)
    sub.grading_attempts += 1
    if sub.grading_attempts > settings.LAB_MAX_GRADING_ATTEMPTS:
        # The old grade stays; the instructor sees the regrade did not finish.
        sub.regrade_pending = False
        sub.regrade_started_at = None
        sub.run_token = ""
        sub.error_message = (
            "The regrade stopped twice before it could finish; the grade shown is the previous one."
        )
        sub.save(
            update_fields=[
                "regrade_pending",
                "regrade_started_at",
                "run_token",
                "error_message",
                "grading_attempts",
            ]
        )
        return None
    sub.regrade_started_at = now
    sub.heartbeat_at = now
    sub.run_token = uuid.uuid4().hex
    sub.save(update_fields=["regrade_started_at", "heartbeat_at", "run_token", "grading_attempts"])
    return sub


# --- the fair queue ---------------------------------------------------------------------------
# Every piece of grading work publishes one wake-up message; whichever worker takes a message
# grades the *fairest* ready submission, not the one named in it. Learners take turns: fewest
# running plus waiting ahead first, then the learner served longest ago (regrades after every
# learner's own work), then the oldest job. A learner never runs more than
# LAB_RUNNING_PER_LEARNER at once; the rest wait in the database, so one learner's flood holds
# no worker, and the queue survives restarts on any broker.


def _queue_lock() -> None:
    """Serialise the pickers (a row lock on PostgreSQL; SQLite's write lock does the same)."""
    QueueLock.objects.select_for_update().get_or_create(pk=1)


def _running_q(lost) -> Q:
    alive = Q(heartbeat_at__gte=lost) | Q(heartbeat_at=None, started_at__gte=lost)
    regrade_alive = Q(heartbeat_at__gte=lost) | Q(heartbeat_at=None, regrade_started_at__gte=lost)
    return (Q(status=Submission.Status.RUNNING, regrade_pending=False) & alive) | (
        Q(regrade_pending=True, regrade_started_at__isnull=False) & regrade_alive
    )


def _ready_q(lost) -> Q:
    """Work a worker may take now: queued, decided, regrade asked, or a lost grading."""
    own = Q(regrade_pending=False)
    return (
        (own & Q(status=Submission.Status.QUEUED))
        | (own & Q(status=Submission.Status.AWAITING_APPROVAL) & ~Q(approval=""))
        | (own & Q(status=Submission.Status.RUNNING) & ~_running_q(lost))
        | Q(regrade_pending=True, regrade_started_at=None)
        | (Q(regrade_pending=True, regrade_started_at__isnull=False) & ~_running_q(lost))
    )


def _fair_order(now, *, limit: int = 500) -> list[int]:
    """Ready submissions in the order a free worker should take them (capped learners out)."""
    lost = _lost_before(now)
    running = Counter(Submission.objects.filter(_running_q(lost)).values_list("user_id", flat=True))
    ready = list(
        Submission.objects.filter(_ready_q(lost))
        .order_by("queued_at", "pk")
        .values_list("pk", "user_id", "regrade_pending")[:limit]
    )
    cap = settings.LAB_RUNNING_PER_LEARNER
    # A job's turn: its learner's running gradings plus the learner's jobs waiting before it,
    # so learners take turns (round robin) and the n-th of a flood waits behind everyone's first.
    # Equal turns: the learner served longest ago (or never) first, then the oldest job.
    served = dict(
        Submission.objects.filter(user_id__in={user for _pk, user, _r in ready})
        .values("user_id")
        .annotate(last=Max("started_at"))
        .values_list("user_id", "last")
    )
    never = now - timedelta(days=36500)
    ahead: Counter[int] = Counter()
    ranked = []
    for index, (pk, user, regrade) in enumerate(ready):
        if running[user] < cap:
            turn = running[user] + ahead[user]
            ranked.append((regrade, turn, served.get(user) or never, index, pk))
        ahead[user] += 1
    return [pk for *_rest, pk in sorted(ranked)]


def grading_claim_next(now=None) -> Submission | None:
    """Claim the fairest ready submission for this worker (None: nothing may run now)."""
    with transaction.atomic():
        _queue_lock()
        for pk in _fair_order(now or timezone.now())[:20]:
            try:
                sub = _claim(pk)
            except GradingBusy:  # picked up by a direct call meanwhile
                continue
            if sub is not None:
                return sub
    return None


def grading_claim(submission_id: int, *, exact: bool = False) -> Submission | None:
    """The task's claim: the fairest ready work, or exactly this submission (a retry).

    When nothing is ready and the named submission is running elsewhere, GradingBusy says when
    to look again (a redelivery after a worker died: it is taken over once lost).
    """
    if exact:
        return _claim(submission_id)
    sub = grading_claim_next()
    if sub is not None:
        return sub
    named = Submission.objects.filter(pk=submission_id).first()
    if named is not None and named.status == Submission.Status.RUNNING:
        sign = _last_sign(named, named.started_at)
        lost = _lost_before(timezone.now())
        if sign and sign > lost:
            raise GradingBusy((sign - lost).total_seconds() + 1)
    return None


def grading_wake() -> int | None:
    """After a grading: publish one wake-up if work is ready (a capped learner's next one)."""
    order = _fair_order(timezone.now(), limit=200)
    if not order:
        return None
    grading_enqueue(order[0])
    return order[0]


class _Heartbeat:
    """A thread stamping the running grading's row; it dies with the process that grades."""

    def __init__(self, pk: int, token: str) -> None:
        self.pk, self.token = pk, token
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._beat, name=f"pa-heartbeat-{pk}", daemon=True)

    def __enter__(self) -> _Heartbeat:
        if settings.LAB_GRADING_HEARTBEAT_SECONDS > 0:
            self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopped.set()
        if self.thread.is_alive():
            self.thread.join(timeout=5)

    def _beat(self) -> None:
        try:
            while not self.stopped.wait(settings.LAB_GRADING_HEARTBEAT_SECONDS):
                try:
                    Submission.objects.filter(pk=self.pk, run_token=self.token).update(
                        heartbeat_at=timezone.now()
                    )
                except DatabaseError:  # a busy database: the next beat tries again
                    logger.debug("heartbeat of submission %s skipped", self.pk, exc_info=True)
        finally:
            connection.close()  # this thread's own connection


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
    """Grade exactly this submission (tools, tests, a retry); idempotent and safe to redeliver."""
    sub = _claim(submission_id)
    if sub is None:
        return None
    return grading_run(sub)


def grading_run(sub: Submission) -> Submission | None:
    """Grade a claimed submission; records the result only if the claim is still ours.

    A regrade runs the files again from the start, with the learner's original approval
    decision given up front, and records a new grading beside the earlier ones.
    """
    from labs.grader import grade

    token = sub.run_token
    spec = LabSpec.from_dict(sub.lab.spec)
    regrade = sub.regrade_pending
    resume = paused_state_load(sub.pk) if sub.approval and not regrade else None
    sink = _NoSink() if regrade else _LogSink(sub, prefix=sub.log if resume else "")
    try:
        with _Heartbeat(sub.pk, token):
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
        mine = Submission.objects.filter(pk=sub.pk, run_token=token)
        if regrade:
            mine.update(regrade_started_at=None, run_token="")
        else:
            mine.update(status=Submission.Status.QUEUED, run_token="")
        raise
    sink.flush()
    with transaction.atomic():
        _queue_lock()  # the sweep and the blob clean-up take it first too
        sub = Submission.objects.select_for_update().get(pk=sub.pk)
        if sub.run_token != token:
            # Declared lost while we ran and taken over: the other run records the result.
            logger.warning("grading of submission %s finished after being taken over", sub.pk)
            return None
        if result.awaiting_approval and regrade:
            # No decision was ever made (the grading failed before it): the learner decides.
            sub.regrade_pending = False
        sub.findings = result.findings
        # The typed result with secret values redacted: nothing secret reaches the database.
        sub.outcome = result.outcome
        sub.pictures = result.pictures
        sub.log = result.log
        sub.run_token = ""
        refused = None
        if result.awaiting_approval:
            refused = paused_state_save(sub, result.paused_state or {})
        if result.awaiting_approval and refused is None:
            sub.status = Submission.Status.AWAITING_APPROVAL
        elif refused is not None:
            sub.status = Submission.Status.ERROR
            sub.error_message = refused
            sub.finished_at = timezone.now()
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
            _paused_drop(sub.pk)  # decided and graded: the paused state is no longer needed
        sub.regrade_pending = False
        sub.regrade_started_at = None
        sub.save()
    return sub


# --- paused pipelines: compact state -----------------------------------------------------------
_BLOB = "$pa-blob"  # {"$pa-blob": sha256} stands for a large string stored as a PausedBlob
_RAW = "$pa-raw"  # a dict of the state that itself looks like a reference, kept as it was


def _compact(value: Any, blobs: dict[str, bytes]) -> Any:
    """The state with every large string replaced by a reference (iterative: states nest)."""
    minimum = settings.LAB_PAUSED_BLOB_MIN_BYTES

    def one(item: Any) -> Any:
        if isinstance(item, str) and len(item) >= minimum:
            data = item.encode("utf-8", "surrogatepass")
            digest = hashlib.sha256(data).hexdigest()
            blobs[digest] = data
            return {_BLOB: digest}
        return item

    return _map_tree(value, one, wrap=True)


def _expand(value: Any, blobs: dict[str, bytes]) -> Any:
    def one(item: Any) -> Any:
        if isinstance(item, dict) and len(item) == 1 and _BLOB in item:
            return blobs[item[_BLOB]].decode("utf-8", "surrogatepass")
        return item

    return _map_tree(value, one, wrap=False)


def _map_tree(value: Any, leaf, *, wrap: bool) -> Any:
    """Rebuild a JSON tree bottom-up with `leaf` applied to every node, without recursion."""
    out: list[Any] = []
    # (node, built children or None): children are built before their parent.
    stack: list[tuple[Any, list[Any] | None]] = [(value, None)]
    while stack:
        node, done = stack.pop()
        if not wrap and isinstance(node, dict) and len(node) == 1 and _RAW in node:
            out.append(node[_RAW])  # kept as it was: not a reference, nothing inside either
            continue
        if isinstance(node, (dict, list)) and done is None:
            items = list(node.values()) if isinstance(node, dict) else list(node)
            stack.append((node, []))
            for item in reversed(items):
                stack.append((item, None))
            continue
        if isinstance(node, dict):
            count = len(node)
            children = [out.pop() for _ in range(count)][::-1]
            if not wrap:
                built: Any = dict(zip(node, children, strict=True))
                out.append(leaf(built))
                continue
            built = dict(zip(node, children, strict=True))
            if len(node) == 1 and (_BLOB in node or _RAW in node):
                built = {_RAW: built}
            out.append(built)
        elif isinstance(node, list):
            children = [out.pop() for _ in range(len(node))][::-1]
            out.append(leaf(children) if not wrap else children)
        else:
            out.append(leaf(node))
    return out[0]


def _paused_refusal(what: str, size: int, limit: int, *, advice: str = "") -> str:
    return (
        f"Your pipeline paused at the approval, but {what} is {size / 2**20:.1f} MB and the limit "
        f"is {limit / 2**20:.0f} MB, so it could not be kept for your decision. Make the build "
        f"store less (smaller artifacts, fewer objects){advice}, then run again."
    )


def paused_state_save(sub: Submission, state: dict[str, Any]) -> str | None:
    """Keep a paused pipeline's state compactly; a message for the learner when over a cap."""
    blobs: dict[str, bytes] = {}
    compact = _compact(state, blobs)
    state_bytes = len(json.dumps(compact, separators=(",", ":")))
    if state_bytes > settings.LAB_PAUSED_STATE_MAX_BYTES:
        return _paused_refusal(
            "the saved pipeline state (besides file contents)",
            state_bytes,
            settings.LAB_PAUSED_STATE_MAX_BYTES,
        )
    blob_bytes = sum(len(b) for b in blobs.values())
    if blob_bytes > settings.LAB_PAUSED_MAX_BYTES:
        return _paused_refusal(
            "what it stored (objects, artifacts)", blob_bytes, settings.LAB_PAUSED_MAX_BYTES
        )
    _queue_lock()  # blob garbage collection takes it too: no blob vanishes under us
    others = PausedBlob.objects.filter(runs__submission__user_id=sub.user_id).exclude(
        runs__submission_id=sub.pk
    )
    held = dict(others.values_list("sha256", "size").distinct())
    learner_bytes = sum(held.values()) + sum(len(b) for d, b in blobs.items() if d not in held)
    if learner_bytes > settings.LAB_PAUSED_MAX_BYTES_PER_LEARNER:
        return _paused_refusal(
            "what your paused pipelines hold together",
            learner_bytes,
            settings.LAB_PAUSED_MAX_BYTES_PER_LEARNER,
            advice=" or decide the approvals of your other paused pipelines first",
        )
    PausedRun.objects.filter(submission_id=sub.pk).delete()
    PausedBlob.objects.bulk_create(
        [PausedBlob(sha256=d, size=len(b), data=b) for d, b in blobs.items()],
        ignore_conflicts=True,  # shared with another submission: stored once
    )
    run = PausedRun.objects.create(
        submission_id=sub.pk, state=compact, state_bytes=state_bytes, blob_bytes=blob_bytes
    )
    # django-stubs types set()'s primary keys as int; PausedBlob's primary key is its sha256.
    run.blobs.set(list(blobs))  # type: ignore[arg-type]
    return None


def paused_state_load(submission_id: int) -> dict[str, Any] | None:
    """The paused state as the simulator saved it (None: nothing kept)."""
    run = PausedRun.objects.filter(submission_id=submission_id).first()
    if run is None:
        return None
    blobs = dict(run.blobs.values_list("sha256", "data"))
    return _expand(run.state, {d: bytes(b) for d, b in blobs.items()})


def _paused_drop(submission_id: int) -> None:
    """Forget a paused state and every blob no other paused state shares."""
    with transaction.atomic():
        if not PausedRun.objects.filter(submission_id=submission_id).exists():
            return
        _queue_lock()
        PausedRun.objects.filter(submission_id=submission_id).delete()
        PausedBlob.objects.filter(runs=None).delete()


def submission_fail(submission_id: int, message: str) -> None:
    """Record a system error the learner can read (used when retries are exhausted)."""
    Submission.objects.filter(pk=submission_id).exclude(status=Submission.Status.GRADED).update(
        status=Submission.Status.ERROR,
        error_message=message,
        finished_at=timezone.now(),
        run_token="",
    )
    _paused_drop(submission_id)


@transaction.atomic
def submission_decide_approval(submission: Submission, *, approve: bool) -> Submission:
    """The learner approves or rejects the paused pipeline; grading resumes from saved state."""
    sub = Submission.objects.select_for_update().get(pk=submission.pk)
    if sub.status != Submission.Status.AWAITING_APPROVAL or sub.approval:
        raise SubmissionRejected("This submission is not waiting for an approval.")
    sub.approval = "approved" if approve else "rejected"
    sub.grading_attempts = 0
    sub.queued_at = timezone.now()  # ready now: it takes its turn in the fair queue
    sub.save(update_fields=["approval", "grading_attempts", "queued_at"])
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
            queued_at=now,
        )
        for pk in ids:
            transaction.on_commit(functools.partial(grading_enqueue, pk))
    return len(ids)


def submissions_recover_stale(now=None) -> list[int]:
    """Queue again the gradings whose worker died and the work whose message was lost.

    Run by every worker's own timer (tasks.start_recovery_timer) and by beat. A grading whose
    heartbeat is older than LAB_GRADING_LOST_SECONDS is lost: it goes back to the queue (its
    run token is withdrawn, so the dead run can never record a result: exactly once). Ready work
    whose last wake-up is older than LAB_GRADING_STALE_SECONDS (broker down, message lost) gets a
    new one; and if ready work waits longer than the lost window, one wake-up goes out anyway.
    """
    now = now or timezone.now()
    lost = _lost_before(now)
    stale = now - timedelta(seconds=settings.LAB_GRADING_STALE_SECONDS)
    with transaction.atomic():
        _queue_lock()
        dead = ~_running_q(lost)
        lost_own = Submission.objects.filter(
            dead, status=Submission.Status.RUNNING, regrade_pending=False
        )
        lost_regrades = Submission.objects.filter(
            dead, regrade_pending=True, regrade_started_at__isnull=False
        )
        ids = sorted(
            set(lost_own.values_list("pk", flat=True))
            | set(lost_regrades.values_list("pk", flat=True))
        )
        lost_own.update(status=Submission.Status.QUEUED, run_token="", heartbeat_at=None)
        lost_regrades.update(regrade_started_at=None, run_token="", heartbeat_at=None)
        never_woken = Q(enqueued_at=None) & (
            Q(regrade_pending=False, status=Submission.Status.QUEUED, created_at__lt=stale)
            | Q(regrade_pending=False, queued_at__lt=stale)
            | Q(regrade_pending=True, regrade_requested_at__lt=stale)
        )
        waiting = Submission.objects.filter(
            _ready_q(lost), Q(enqueued_at__lt=stale) | never_woken
        ).exclude(pk__in=ids)
        ids += list(waiting.order_by("queued_at", "pk").values_list("pk", flat=True)[:200])
        if not ids:
            order = _fair_order(now, limit=200)
            if order and Submission.objects.filter(pk=order[0], queued_at__lt=lost).exists():
                ids = [order[0]]
    for pk in ids:
        grading_enqueue(pk)
    return ids
