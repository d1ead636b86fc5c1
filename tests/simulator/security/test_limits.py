"""Limits hold for every place the sandbox can write, not only the source directory."""

from __future__ import annotations

import os

import pytest

from simulator.sandbox import MIB, ShellSession
from simulator.standins import Channel
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
