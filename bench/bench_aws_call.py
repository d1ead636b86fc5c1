"""Benchmark one `aws` call inside a build: the real AWS CLI through the warm in-sandbox server.

The call goes: the learner's `aws` client -> the warm awscli server in the sandbox (fork) ->
botocore -> the account socket -> our front on the host -> moto. Measured from the host side
of the sandbox driver (one `session.run` per call), which includes the shell's own overhead.
"""

from __future__ import annotations

import statistics
import time

from bench.stats import percentile, summary_ms
from simulator.sandbox import ShellSession
from simulator.standins import Channel
from simulator.standins._channel import TOOLS_PATH
from simulator.world import load_world

GOAL_MS = 150.0
WORLD = """
account: "111122223333"
region: eu-west-1
parameters:
  /bench/url: {value: https://bench.example}
"""
COMMAND = "aws ssm get-parameter --name /bench/url --query Parameter.Value --output text"


def _wait_for_warm_server(session: ShellSession) -> None:
    for _ in range(100):
        if session.run("test -S /tmp/.pa-awsd-$(id -u)/sock", on_line=lambda _l: None).succeeded:
            return
        time.sleep(0.05)


def main() -> None:
    world = load_world(WORLD)
    channel = Channel(world)
    env = {
        "PATH": f"{TOOLS_PATH}:/usr/bin:/bin",
        "HOME": "/root",
        "AWS_DEFAULT_REGION": "eu-west-1",
        **channel.env(),
    }
    cold = []
    for _ in range(3):  # the first call of a fresh shell starts the warm server and waits
        first = ShellSession(env=env, mounts=channel.mounts)
        first.start()
        try:
            started = time.perf_counter()
            first.run(f"{COMMAND} >/dev/null", on_line=lambda _l: None)
            cold.append((time.perf_counter() - started) * 1000)
        finally:
            first.close()
    session = ShellSession(env=env, mounts=channel.mounts)
    session.start()
    try:
        channel.start(session)
        _wait_for_warm_server(session)
        empty = []
        for _ in range(20):
            started = time.perf_counter()
            session.run("true", on_line=lambda _l: None)
            empty.append((time.perf_counter() - started) * 1000)
        samples = []
        for _ in range(5):
            session.run(COMMAND, on_line=lambda _l: None)  # warm-up
        for _ in range(40):
            started = time.perf_counter()
            outcome = session.run(COMMAND, on_line=lambda _l: None)
            samples.append((time.perf_counter() - started) * 1000)
            assert outcome.succeeded
        channel.apply()
    finally:
        session.close()
        world.close()
    p50 = statistics.median(samples)
    print(f"aws call in a build (warm server):   {summary_ms(samples)}")
    print(f"  goal: p50 <= {GOAL_MS:.0f} ms -> {'met' if p50 <= GOAL_MS else 'NOT met'}")
    print(f"an empty command in the same shell:  {summary_ms(empty)}")
    print(
        f"first aws call of a shell (starts the warm server): p50 {statistics.median(cold):.0f} ms "
        f"p99 {percentile(cold, 99):.0f} ms (n={len(cold)})"
    )
