"""No orphaned beat: killing a worker that embeds beat (`make run`) leaves no process behind."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _children(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            # The parent pid is the 2nd field after the parenthesised command name.
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.add(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_killed_worker_takes_its_embedded_beat_with_it(tmp_path) -> None:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test",
           "PA_VAR_DIR": str(tmp_path)}  # fmt: skip
    env.pop("CELERY_BROKER_URL", None)  # the filesystem broker under tmp_path
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--beat",
         f"--schedule={tmp_path / 'schedule'}", "--concurrency=1", "--without-heartbeat",
         "--without-gossip", "--without-mingle", "--loglevel=INFO"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )  # fmt: skip
    children: set[int] = set()
    try:
        deadline = time.monotonic() + 60
        while len(children) < 2 and time.monotonic() < deadline:  # the pool child and beat
            time.sleep(0.5)
            children = _children(worker.pid)
        assert len(children) >= 2, "the worker did not start its pool and beat"
        worker.send_signal(signal.SIGKILL)  # as the OOM killer or `kill -9` would
        worker.wait(timeout=10)
        deadline = time.monotonic() + 10
        while any(_alive(c) for c in children) and time.monotonic() < deadline:
            time.sleep(0.2)
        survivors = [c for c in children if _alive(c)]
        assert survivors == [], "processes outlived their worker (an orphaned beat)"
    finally:
        if worker.poll() is None:
            worker.kill()
        for pid in children:  # only our own children still alive (never a recycled pid)
            if _alive(pid):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)


# A worker killed while its beat child is still starting: the child sets up its death signal
# only after the worker is gone (it was re-parented meanwhile) and must stop anyway.
SLOW_BEAT = r"""
import os, sys, time
import config.celery  # the app, as `celery -A config worker --beat` loads it
from celery.signals import beat_embedded_init
child = os.fork()
if child == 0:
    time.sleep(2)  # the beat child still starting when its worker is killed
    beat_embedded_init.send(sender=None)
    time.sleep(60)  # beat's loop
    os._exit(0)
print(child, flush=True)
time.sleep(120)
"""


def test_beat_still_starting_when_its_worker_is_killed_stops_too() -> None:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    worker = subprocess.Popen(
        [sys.executable, "-c", SLOW_BEAT], cwd=ROOT, env=env, stdout=subprocess.PIPE,
        text=True, start_new_session=True,
    )  # fmt: skip
    assert worker.stdout is not None
    beat = int(worker.stdout.readline())
    try:
        worker.kill()  # SIGKILL before the beat child reached its start-up hook
        worker.wait(timeout=10)
        deadline = time.monotonic() + 15
        while _alive(beat) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not _alive(beat), "beat outlived its worker (killed while beat was starting)"
    finally:
        if _alive(beat):
            with contextlib.suppress(ProcessLookupError):
                os.kill(beat, signal.SIGKILL)
