"""Worker process hooks: the beat embedded in a worker dies with it, never left as an orphan."""

from __future__ import annotations

import ctypes
import os
import signal

from celery.signals import beat_embedded_init

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>: signal this process when its parent dies


def die_with_parent(sig: int = signal.SIGTERM) -> bool:
    """Ask Linux to send `sig` to this process when its parent exits (even by SIGKILL)."""
    parent = os.getppid()
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0) != 0:
            return False
    except (OSError, AttributeError):  # not Linux: `make run` still stops the process group
        return False
    if os.getppid() != parent:  # the parent died before the request took effect
        os.kill(os.getpid(), sig)
    return True


@beat_embedded_init.connect(weak=False)
def _beat_dies_with_worker(sender=None, **kwargs) -> None:
    # `worker --beat` runs beat in a child process; if the worker is killed (-9, OOM), that
    # child would go on scheduling with nobody to run the tasks, and a restarted worker would
    # start a second beat. SIGTERM lets beat save its schedule and exit.
    die_with_parent(signal.SIGTERM)
