"""Limits hold for every place the sandbox can write, not only the source directory."""

from __future__ import annotations

import json
import os

import pytest

from simulator.sandbox import MIB, ShellSession
from simulator.standins import Channel
from simulator.standins import _channel as channel_module
from simulator.world import load_world
from tests.simulator.run.conftest import BASE_ENV, short_limits

pytestmark = pytest.mark.sandbox

WORLD = """
account: "111122223333"
region: eu-west-1
s3:
  buckets:
    bucket: {}
"""


@pytest.fixture
def channel():
    chan = Channel(load_world(WORLD))
    yield chan
    chan.close()


def test_filling_the_tool_journal_folder_hits_the_disk_limit(channel):
    # 16 MB files (file size limit 32 MB) into the writable journal mount, past 64 MB in all.
    session = ShellSession(
        env=BASE_ENV, limits=short_limits(wall_seconds=10), mounts=channel.mounts
    )
    session.start()
    try:
        lines: list[str] = []
        outcome = session.run(
            "cd /codebuild/pa/journal && for i in $(seq 1 12); do "
            "head -c 16M /dev/zero > f$i || break; sleep 0.1; done; echo wrote-all",
            on_line=lines.append,
        )
    finally:
        session.close()
    assert outcome.session_over
    assert outcome.reason and outcome.reason.startswith("disk limit")
    assert "wrote-all" not in lines


def test_blobs_stored_through_the_tools_have_a_total_budget(channel, monkeypatch):
    monkeypatch.setattr(channel_module, "_MAX_STORED_BYTES", 10_000)
    blobs = channel.journal_dir / "blobs"
    blobs.mkdir()
    (blobs / "blob-1").write_bytes(b"x" * 4000)
    entries = [
        {"op": "s3.put", "bucket": "bucket", "key": f"k{i}", "blob": "blob-1"} for i in range(5)
    ]
    text = "".join(json.dumps(e) + "\n" for e in entries)
    (channel.journal_dir / "journal.jsonl").write_text(text)
    assert channel.apply() == 2
    assert sorted(channel.world.state["s3"]["bucket"]["objects"]) == ["k0", "k1"]


@pytest.mark.skipif(
    os.geteuid() != 0,
    reason="the memory of all a build's processes is added up through its private host uid, "
    "which sessions get only when the worker runs as root",
)
def test_many_processes_together_hit_the_total_memory_limit():
    limits = short_limits(wall_seconds=15, total_memory_bytes=256 * MIB)
    session = ShellSession(env=BASE_ENV, limits=limits)
    session.start()
    try:
        hog = "python3 -c 'b = bytearray(100 * 1024 * 1024); import time; time.sleep(10)'"
        outcome = session.run(
            f"for i in 1 2 3 4; do {hog} & done; wait", on_line=lambda _line: None
        )
    finally:
        session.close()
    assert outcome.session_over
    assert outcome.reason and "together used more than 256 MB" in outcome.reason
    assert outcome.duration_s < 8
