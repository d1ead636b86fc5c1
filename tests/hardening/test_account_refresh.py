"""After a command writes to the account, the host's refresh costs what changed, not the account.

The host refreshes its view of the simulated account after every command that wrote to it. With
many objects in S3, a refresh that reads every object again costs seconds per command (a build
that copies one file per command then spends its time limit on the host), and holds every
small object's text again.
"""

from __future__ import annotations

import time

from simulator import load_world

OBJECTS = 300
WORLD = (
    'account: "111122223333"\nregion: eu-west-1\ns3:\n  buckets:\n    big:\n      objects:\n'
    + "".join(f'        "k{i}": "{"x" * 2000}"\n' for i in range(OBJECTS))
)


def test_one_written_object_is_refreshed_without_reading_the_others() -> None:
    world = load_world(WORLD)
    try:
        world.account()
        world.sync()
        assert len(world.state["s3"]["big"]["objects"]) == OBJECTS
        seconds = []
        for n in range(3):
            # What `aws s3 cp` in one build command does, then the host's refresh after it.
            world.account().call(
                "s3_put", bucket="big", key=f"new{n}", data_b64="eA==", metadata={}
            )
            started = time.monotonic()
            world.sync()
            seconds.append(time.monotonic() - started)
            assert f"new{n}" in world.state["s3"]["big"]["objects"]
        assert max(seconds) < 1.0, seconds  # one object changed: not 300 read again
    finally:
        world.close()


def test_a_command_that_wrote_nothing_costs_no_refresh() -> None:
    world = load_world(WORLD)
    try:
        world.account()
        world.sync()
        started = time.monotonic()
        assert world.sync() == 0  # no new calls
        assert time.monotonic() - started < 0.5
    finally:
        world.close()
