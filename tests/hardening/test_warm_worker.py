"""A grading pool process warms the grader when it starts, not during a learner's grading:
the account server's parent, cfn-lint and one build in the sandbox."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from labs import tasks

ROOT = Path(__file__).resolve().parents[2]


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                stat = (entry / "stat").read_text()
                if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry.name))
    return found


def _cmdline(pid: int) -> str:
    try:
        return (Path("/proc") / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


@pytest.mark.sandbox  # the warm-up runs one build in the sandbox
def test_a_started_pool_process_holds_a_warm_account_parent(tmp_path) -> None:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test",
           "PA_VAR_DIR": str(tmp_path), "PA_LAB_WARM_WORKER": "1"}  # fmt: skip
    env.pop("CELERY_BROKER_URL", None)  # the filesystem broker under tmp_path
    log = tmp_path / "worker.log"
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--concurrency=1",
         "--without-heartbeat", "--without-gossip", "--without-mingle", "--loglevel=INFO"],
        cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    zygotes: list[int] = []
    try:
        deadline = time.monotonic() + 150
        warm = None
        while warm is None and time.monotonic() < deadline and worker.poll() is None:
            time.sleep(0.5)
            warm = re.search(r"grader warm in process (\d+)", log.read_text())
        assert warm, log.read_text()[-3000:]
        pool = int(warm.group(1))
        zygotes = [c for c in _children(pool) if "simulator.account._zygote" in _cmdline(c)]
        assert len(zygotes) == 1  # later runs fork their account server from it
        time.sleep(2)
        assert "Timed out waiting for UP message" not in log.read_text()
        assert pool in _children(worker.pid)  # the warm process was kept, not replaced
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(worker.pid, signal.SIGTERM)
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(timeout=10)
    deadline = time.monotonic() + 10
    while any(Path(f"/proc/{z}").exists() and "_zygote" in _cmdline(z) for z in zygotes):
        assert time.monotonic() < deadline, "the account parent outlived its worker"
        time.sleep(0.2)


def test_warm_up_is_off_unless_the_setting_asks(settings, monkeypatch) -> None:
    import simulator

    monkeypatch.setattr(simulator, "load_world", lambda text: pytest.fail("warmed"))
    settings.LAB_WARM_WORKER = False
    assert tasks.warm_grader() is False


def test_a_failing_warm_up_leaves_the_process_serving(settings, monkeypatch, caplog) -> None:
    import simulator

    def broken(text):
        raise RuntimeError("moto missing")

    monkeypatch.setattr(simulator, "load_world", broken)
    settings.LAB_WARM_WORKER = True
    with caplog.at_level("ERROR"):
        assert tasks.warm_grader() is False
    assert "could not warm up the grader" in caplog.text
