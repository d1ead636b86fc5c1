"""Mount hygiene: no host path where the sandbox can read it, every tmpfs capped and counted."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from simulator.sandbox import MIB, SRC_DIR
from simulator.sandbox._bwrap import STATE_DIR, STATE_TMPFS_BYTES
from tests.simulator.sandbox.conftest import run

pytestmark = pytest.mark.sandbox

REPO = str(Path(__file__).resolve().parents[3])


def mountinfo(session) -> list[tuple[str, str, str]]:
    """(root in its filesystem, mount point, super options) of every mount in the sandbox."""
    outcome, lines = run(session, "cat /proc/self/mountinfo")
    assert outcome.succeeded
    rows = []
    for line in lines:
        fields = line.split()
        dash = fields.index("-")
        rows.append((fields[3], fields[4], fields[dash + 3]))
    return rows


def test_mountinfo_names_no_host_temp_folder_or_repository(session_factory):
    session = session_factory()
    rows = mountinfo(session)
    points = {point for _root, point, _opts in rows}
    for name in ("passwd", "group", "hosts", "hostname"):
        assert f"/etc/{name}" not in points  # copied into the sandbox, not bind-mounted
    for root, point, _opts in rows:
        assert REPO not in root
        if point != SRC_DIR:  # the work tree is a bind of its host folder (see docs/sandbox.md)
            assert "pa-" not in root, (root, point)
    outcome, lines = run(session, "tr '\\0' ' ' < /proc/1/cmdline; echo; cat /etc/passwd")
    assert outcome.succeeded
    assert lines[0].startswith("/usr/bin/python3 -I -S /codebuild/driver.pyc ")
    assert "bwrap" not in lines[0] and "/tmp/" not in lines[0] and REPO not in lines[0]
    assert lines[1].startswith("root:x:0:0:")


def test_every_tmpfs_is_size_capped(session_factory):
    session = session_factory(tmp_bytes=24 * MIB)
    sizes = {point: opts for _root, point, opts in mountinfo(session) if point.startswith("/")}
    for point in ("/tmp", "/root", "/dev/shm"):
        assert f"size={24 * 1024}k" in sizes[point].split(","), (point, sizes[point])
    assert f"size={STATE_TMPFS_BYTES // 1024}k" in sizes[STATE_DIR].split(",")


def test_tmpfs_files_count_against_the_memory_budget(session_factory):
    if os.geteuid() != 0:
        pytest.skip("the memory of a session is measured per host uid, which needs root")
    session = session_factory(tmp_bytes=40 * MIB, total_memory_bytes=64 * MIB, wall_seconds=10)
    outcome, _ = run(
        session,
        "head -c 30M /dev/zero > /tmp/a && head -c 30M /dev/zero > /root/b "
        "&& head -c 30M /dev/zero > /dev/shm/c && sleep 5",
    )
    assert outcome.status == "FAILED" and outcome.session_over
    assert (outcome.reason or "").startswith("memory limit:")
    assert "tmpfs folders" in (outcome.reason or "")
