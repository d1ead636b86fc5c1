"""Grading survives a worker killed mid-run: recovered within 60 s, graded once, nothing left."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import yaml
from django.db import connection

from core.content import LoadReport
from labs.loading import load_labs
from labs.models import Submission

pytestmark = [pytest.mark.integration, pytest.mark.sandbox]
ROOT = Path(__file__).resolve().parents[2]
SLOW_BUILDSPEC = (
    "version: 0.2\nphases:\n  build:\n    commands:\n      - sleep 4\n      - echo done\n"
)


def _slow_lab(root: Path) -> None:
    lab = root / "labs" / "slow-build"
    for sub in ("starter", "reference", "source"):
        (lab / sub).mkdir(parents=True)
    (lab / "starter" / "buildspec.yml").write_text(SLOW_BUILDSPEC.replace("echo done", "exit 1"))
    (lab / "reference" / "buildspec.yml").write_text(SLOW_BUILDSPEC)
    (lab / "source" / "README").write_text("nothing to build\n")
    (lab / "world.yaml").write_text('account: "123456789012"\nregion: us-east-1\n')
    spec = {
        "title": "Slow build", "summary": "Takes a few seconds.", "domain": 3, "task": "3.4",
        "tags": ["codebuild"], "difficulty": "easy", "minutes": 1, "objectives": ["wait"],
        "instructions": "Wait.",
        "scenario": {"kind": "build", "buildspec": "buildspec.yml", "source": "source",
                     "world": "world.yaml"},
        "files": {"buildspec.yml": "starter/buildspec.yml"},
        "reference": {"buildspec.yml": "reference/buildspec.yml"},
        "checks": [{"id": "ok", "type": "build_status", "equals": "SUCCEEDED", "points": 10}],
    }  # fmt: skip
    (lab / "lab.yaml").write_text(yaml.safe_dump(spec))


def _worker(queue_env: dict[str, str], *, beat: bool = False, schedule: Path | None = None):
    # The second worker embeds beat: its recovery sweep re-queues the grading the first lost,
    # whether or not the broker redelivers the unacknowledged message.
    extra = ["--beat", f"--schedule={schedule}"] if beat else []
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--concurrency=1",
         "--without-heartbeat", "--without-gossip", "--without-mingle", "--loglevel=INFO", *extra],
        cwd=ROOT, env=queue_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group, so we can kill it and its children
    )  # fmt: skip


def _wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def _processes_mentioning(text: str) -> list[int]:
    """Live processes whose command line names `text` (a run folder of the killed worker)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes().decode(errors="replace")
                state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
            except OSError:
                continue
            if text in cmdline and state != "Z":
                found.append(int(entry.name))
    return found


@pytest.mark.django_db(transaction=True)
def test_worker_killed_mid_grading_grades_exactly_once(tmp_path, learner):
    from labs import services

    _slow_lab(tmp_path)
    load_labs(tmp_path, LoadReport())
    db_name = connection.settings_dict["NAME"]
    # The workers' temp folder, readable by the sandboxes' uids (pytest's own is private).
    temp = Path(tempfile.mkdtemp(prefix="pa-itest-"))
    temp.chmod(0o755)
    env = {
        **os.environ,
        "TMPDIR": str(temp),
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": os.environ["DATABASE_URL"].rsplit("/", 1)[0] + f"/{db_name}",
        "PA_BROKER_VISIBILITY_TIMEOUT": "3",
        "PA_LAB_GRADING_STALE_SECONDS": "2",
        "PA_LAB_RECOVER_INTERVAL": "2",
    }
    # Purge leftovers so only our task is on the queue.
    from config.celery import app

    app.control.purge()
    first = _worker(env)
    try:
        from labs.models import Lab

        sub = services.submission_create(learner, Lab.objects.get(slug="slow-build"),
                                         {"buildspec.yml": SLOW_BUILDSPEC})  # fmt: skip
        _wait_for(
            lambda: Submission.objects.get(pk=sub.pk).status == "running", 60, "grading to start"
        )
        time.sleep(0.5)
        dead_folders = [p.name for p in temp.iterdir() if p.name.startswith("pa-wp-")]
        assert dead_folders  # the grading's pool process keeps its run folders there
        os.killpg(first.pid, signal.SIGKILL)  # the worker dies mid-grading
        killed_at = time.monotonic()
        first.wait(timeout=10)
        assert Submission.objects.get(pk=sub.pk).status == "running"
    finally:
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGKILL)
    second = _worker(env, beat=True, schedule=tmp_path / "beat-schedule")
    try:
        _wait_for(
            lambda: Submission.objects.get(pk=sub.pk).grading_attempts >= 2, 90, "a new claim"
        )
        assert time.monotonic() - killed_at <= 60  # recovered within 60 s of the death
        try:
            graded = _wait_for(
                lambda: Submission.objects.filter(pk=sub.pk, status="graded").first(), 90, "regrade"
            )
        except AssertionError:
            os.killpg(second.pid, signal.SIGKILL)
            output = second.communicate(timeout=10)[0].decode(errors="replace")[-4000:]
            row = Submission.objects.values("status", "grading_attempts", "error_message").get(
                pk=sub.pk
            )
            raise AssertionError(f"not regraded: {row}\nworker output:\n{output}") from None
        time.sleep(4)  # a duplicate delivery, if any, would show up as a third attempt
        graded.refresh_from_db()
        assert graded.status == "graded" and graded.percent == 100.0
        assert graded.grading_attempts == 2  # the lost run and the one that finished
        assert Submission.objects.filter(user=learner).count() == 1
        # Nothing of the killed run is left: no folder (the sweep removes a dead process's
        # own folder) and no process still working in one (sandbox, account server).
        _wait_for(lambda: not any((temp / name).exists() for name in dead_folders), 30, "clean-up")
        assert not [pid for name in dead_folders for pid in _processes_mentioning(name)]
    finally:
        os.killpg(second.pid, signal.SIGTERM)
        try:
            second.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(second.pid, signal.SIGKILL)
        shutil.rmtree(temp, ignore_errors=True)
