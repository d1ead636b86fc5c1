"""Celery tasks for labs: grading runs on the worker, never in the web process."""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import threading
from pathlib import Path
from typing import Any

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from celery.signals import worker_process_init, worker_process_shutdown, worker_ready
from django.conf import settings
from django.db import close_old_connections

from labs import services

logger = logging.getLogger(__name__)


@shared_task(
    bind=True,
    name="labs.grade_submission",
    acks_late=True,  # a worker killed mid-grading leaves the message to be redelivered
    reject_on_worker_lost=True,
    max_retries=1,
)
def grade_submission(self, submission_id: int, exact: bool = False) -> None:
    """A wake-up: grade the fairest ready submission (or exactly `submission_id` on a retry).

    An exception retries that same submission once, then it ends as system error.
    """
    try:
        sub = services.grading_claim(submission_id, exact=exact)
    except services.GradingBusy as busy:
        # A redelivery while the first grading may still run: check again when it would be lost.
        grade_submission.apply_async((submission_id,), countdown=busy.retry_in)
        return
    if sub is None:
        return
    try:
        services.grading_run(sub)
    except SoftTimeLimitExceeded:
        services.submission_fail(sub.pk, "System error: grading took longer than the time limit.")
    except Exception as exc:
        logger.exception("grading of submission %s failed", sub.pk)
        if self.request.retries < settings.LAB_MAX_GRADING_ATTEMPTS - 1:
            raise self.retry(exc=exc, countdown=1, args=(sub.pk,), kwargs={"exact": True}) from exc
        services.submission_fail(
            sub.pk,
            "System error: the grader failed twice on this submission. Your files are saved; "
            "please try again later.",
        )
    finally:
        # A learner held back by the per-learner cap needs a wake-up once this one is done.
        try:
            services.grading_wake()
        except Exception:  # the sweep catches up; never lose the grading's own outcome
            logger.exception("could not wake the grading queue")


@shared_task(name="labs.recover_stale_gradings")
def recover_stale_gradings() -> int:
    """Beat task: re-queue gradings lost with a killed worker or a lost message."""
    return len(services.submissions_recover_stale())


_recovery_timer: threading.Thread | None = None


@worker_ready.connect(weak=False)
def start_recovery_timer(sender=None, **kwargs) -> threading.Thread | None:
    """Each worker sweeps for lost gradings on its own timer (beat may have died with another
    worker): a grading whose worker died is queued again within about LOST + SWEEP seconds."""
    global _recovery_timer
    if sender is None:  # not a real worker starting (a test sending the signal by hand)
        return None
    if _recovery_timer is not None and _recovery_timer.is_alive():
        return _recovery_timer
    stop = threading.Event()
    _recovery_timer = threading.Thread(
        target=recovery_loop, args=(stop,), name="pa-grading-sweep", daemon=True
    )
    _recovery_timer.start()
    return _recovery_timer


def recovery_loop(stop: threading.Event, rounds: int | None = None) -> None:
    """Sweep now and then every LAB_GRADING_SWEEP_SECONDS until `stop` (or `rounds` sweeps)."""
    done = 0
    while rounds is None or done < rounds:
        try:
            found = services.submissions_recover_stale()
            if found:
                logger.info("grading sweep queued again: %s", found)
            remove_dead_process_folders()
        except Exception:  # the database may be busy or briefly down: try again next round
            logger.exception("grading sweep failed")
        finally:
            close_old_connections()
        done += 1
        if stop.wait(settings.LAB_GRADING_SWEEP_SECONDS):
            return


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


# Each pool process keeps every run folder it creates inside its own folder, named by its pid:
# when a process dies mid-grading (killed, out of memory), the sweep removes exactly its
# folders, at once, without touching those of gradings still running in other processes.
WORKER_TEMP_PREFIX = "pa-wp-"
_base_temp: Path | None = None


@worker_process_init.connect(weak=False)
def private_temp_dir(sender=None, **kwargs) -> Path:
    """Point this pool process's temp folder at <temp>/pa-wp-<pid>-…/ (caches included)."""
    global _base_temp
    _base_temp = Path(tempfile.gettempdir())
    path = Path(tempfile.mkdtemp(prefix=f"{WORKER_TEMP_PREFIX}{os.getpid()}-", dir=_base_temp))
    path.chmod(0o755)  # sandboxes run as other uids and must reach the folders bound for them
    tempfile.tempdir = str(path)
    return path


@worker_process_shutdown.connect(weak=False)
def remove_private_temp_dir(sender=None, **kwargs) -> None:
    """A pool process that ends normally removes its own folder."""
    from simulator import remove_sandbox_leftovers

    if _base_temp is None:
        return
    tempfile.tempdir = None
    remove_sandbox_leftovers(
        temp_dir=_base_temp,
        prefixes=(f"{WORKER_TEMP_PREFIX}{os.getpid()}-",),
        older_than_seconds=0,
    )


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process holds that pid now
        return True
    return True


def remove_dead_process_folders(base: Path | str | None = None) -> list[str]:
    """Remove the folders of pool processes that are gone (called by every sweep)."""
    from simulator import remove_sandbox_leftovers

    base = Path(base or tempfile.gettempdir())
    dead = []
    try:
        names = os.listdir(base)
    except OSError:
        return []
    for name in names:
        if not name.startswith(WORKER_TEMP_PREFIX):
            continue
        pid = name[len(WORKER_TEMP_PREFIX) :].split("-", 1)[0]
        if pid.isdigit() and not _alive(int(pid)):
            dead.append(name)
    removed: list[str] = []
    for name in dead:
        found = remove_sandbox_leftovers(temp_dir=base, prefixes=(name,), older_than_seconds=0)
        removed.extend(found.removed)
    if removed:
        logger.info("removed the folders of dead grading processes: %s", removed)
    return removed


WARM_WORLD = 'account: "111122223333"\nregion: us-east-1\n'
# One sandboxed command that reaches the account: the sandbox, the tools' channel and the warm
# `aws` start once here, not in a learner's first build.
WARM_BUILDSPEC = (
    "version: 0.2\nphases:\n  build:\n    commands:\n      - aws sts get-caller-identity\n"
)
WARM_TEMPLATE = "Resources:\n  Topic:\n    Type: AWS::SNS::Topic\n"


def _warm_build(simulator: Any) -> None:
    """Run one tiny build in the sandbox (its folders land in this process's own folder)."""
    source = Path(tempfile.mkdtemp(prefix="pa-warm-"))
    try:
        (source / "README").write_text("warm-up\n")
        world = simulator.load_world(WARM_WORLD)
        try:
            result = simulator.build(WARM_BUILDSPEC, source, world, simulator.BuildOptions())
        finally:
            world.close()
        if result.status != simulator.BuildStatus.SUCCEEDED:
            raise RuntimeError(f"warm-up build {result.status}: {result.reason}")
    finally:
        shutil.rmtree(source, ignore_errors=True)


@worker_process_init.connect(weak=False)
def warm_grader(sender=None, **kwargs) -> bool:
    """Start this pool process's account-server parent, load cfn-lint and run one tiny build in
    the sandbox before any grading.

    Connected after private_temp_dir, so what it creates lands in the process's own folder.
    Cold, the first grading of a process paid both (20 s and 6 s on a busy 2-core machine):
    a learner's wait, now the process's start (CELERY_WORKER_PROC_ALIVE_TIMEOUT allows it).
    """
    if not settings.LAB_WARM_WORKER:
        return False
    import simulator

    try:
        world = simulator.load_world(WARM_WORLD)
        try:
            world.account()  # starts the zygote that forks every later run's account server
        finally:
            world.close()
        simulator.check(WARM_TEMPLATE, "template", filename="warm-up.yaml")
        _warm_build(simulator)
    except Exception:  # a grading pays the start-up instead; never keep the process from serving
        logger.exception("could not warm up the grader in process %s", os.getpid())
        return False
    logger.info("grader warm in process %s", os.getpid())
    return True
