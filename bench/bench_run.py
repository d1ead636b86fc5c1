"""Benchmark the run side: the Node/Docker buildspec end to end, and the sandbox's own overhead."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.stats import summary_ms, time_calls
from simulator.codebuild import BuildOptions, build
from simulator.sandbox import ShellSession
from simulator.world import load_world

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "simulator" / "run" / "fixtures"
ENV = {"PATH": "/usr/bin:/bin", "HOME": "/root"}
BUILD_GOAL_MS = 1000.0

# For contrast, cited rather than measured: CodeBuild on-demand machines are created for each
# build and destroyed afterwards ("reserved capacity ... ready to process builds immediately"),
# https://docs.aws.amazon.com/codebuild/latest/userguide/fleets.html; a third-party write-up
# reports about 60 s of provisioning for a 30 s build on on-demand compute,
# https://barkingiguana.com/writing/choosing-codebuild-compute-on-demand-reserved-or-lambda/
AWS_CONTRAST = (
    "on AWS the same build first waits for an on-demand machine: provisioning alone is "
    "tens of seconds (about 60 s reported for a 30 s build; see the sources in bench_run.py)"
)


def _node_build() -> None:
    world = load_world(FIXTURES / "node-world.yml")
    result = build(
        (FIXTURES / "node-buildspec.yml").read_text(),
        FIXTURES / "node-app",
        world,
        BuildOptions(artifact_bucket="artifact-store"),
    )
    if result.status != "SUCCEEDED":
        raise SystemExit(f"benchmark build did not succeed:\n{result.log}")


def _phase_breakdown() -> str:
    world = load_world(FIXTURES / "node-world.yml")
    result = build(
        (FIXTURES / "node-buildspec.yml").read_text(),
        FIXTURES / "node-app",
        world,
        BuildOptions(artifact_bucket="artifact-store"),
    )
    return "  ".join(f"{p.name} {p.duration_ms}" for p in result.phases if p.duration_ms)


def main() -> None:
    # As a grading worker does at start (labs/tasks.py): the account zygote with every
    # service loaded, so no sample pays its one-time warm-up.
    from simulator.account import prewarm

    prewarm()
    samples = time_calls(_node_build, repeat=5, warmup=1)
    p50 = statistics.median(samples)
    verdict = "meets" if p50 <= BUILD_GOAL_MS else "misses"
    # Other processes on a shared 2-core machine stretch every wall-time figure: say how busy.
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"node/docker buildspec end to end: {summary_ms(samples)}  (load average {load})")
    print(f"  goal <= {BUILD_GOAL_MS:.0f} ms: {verdict} it (p50 {p50:.0f} ms)")
    print(f"  phases (ms): {_phase_breakdown()}")
    print(f"  {AWS_CONTRAST}")
    _pipelines()
    print("in-process check of the three forms:")
    _forms_in_process()

    with ShellSession(env=ENV) as session:
        in_session = time_calls(
            lambda: session.run("true", on_line=lambda _line: None), repeat=200, warmup=5
        )

    def fresh() -> None:
        with ShellSession(env=ENV) as one:
            one.run("true", on_line=lambda _line: None)

    fresh_samples = time_calls(fresh, repeat=20, warmup=2)
    host = time_calls(lambda: subprocess.run(["true"], check=True), repeat=200, warmup=5)
    print(f"`true` in a running sandbox shell (0.2): {summary_ms(in_session)}")
    print(f"`true` in a fresh sandbox (0.1, hooks):  {summary_ms(fresh_samples)}")
    print(f"`true` on the host (subprocess):         {summary_ms(host)}")
    overhead = statistics.median(fresh_samples) - statistics.median(host)
    print(f"  sandbox start-up overhead per fresh command: {overhead:.1f} ms")
    started = time.perf_counter()
    with ShellSession(env=ENV) as session:
        session.run("for i in $(seq 200); do /bin/true; done", on_line=lambda _line: None)
    per_exec = (time.perf_counter() - started) * 1000 / 200
    print(f"  process start inside the sandbox (200 x /bin/true): {per_exec:.2f} ms each")


# -- pipelines with the real CLI in the loop (pipeline forms) ---------------------------------
ROOT = Path(__file__).resolve().parent.parent
SIX_STAGE = ROOT / "simulator" / "codepipeline" / "examples" / "six_stage"
NOTES = ROOT / "tests" / "simulator" / "forms" / "notes"
PIPELINE_GOAL_S = 3.0


def _cli(*args: str) -> float:
    """Wall time of one `python -m simulator ...` (start-up included); it must exit 0."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "simulator", *args], capture_output=True, text=True, cwd=ROOT
    )
    took = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"`simulator {' '.join(args)}` failed:\n{done.stdout}\n{done.stderr}")
    return took


def _pipelines() -> None:
    six = [
        _cli(
            "pipeline", "--pipeline", str(SIX_STAGE / "pipeline.json"),
            "--source", f"GitHub_Source={SIX_STAGE / 'source'}",
            "--world", str(SIX_STAGE / "world.yml"), "--approve", "yes", "--format", "json",
        )
        for _ in range(3)
    ]  # fmt: skip
    best, median = min(six), statistics.median(six)
    verdict = "meets" if median <= PIPELINE_GOAL_S else "misses"
    print(
        f"six-stage pipeline, CLI end to end (a fresh process each: start-up, account server "
        f"and every sandbox included): median {median:.2f} s, best {best:.2f} s, "
        f"worst {max(six):.2f} s of 3"
    )
    print(f"  goal <= {PIPELINE_GOAL_S:.0f} s: {verdict} it (median)")
    print("the notes' pipeline in its three forms (CLI end to end, best of 2):")
    for name in ("pipeline.tf", "pipeline.yaml", "pipeline.json"):
        world = NOTES / "world.yml"
        extra: list[str] = []
        if name == "pipeline.json":
            extra = ["--world", str(_json_world())]
        else:
            extra = ["--world", str(world)]
        runs = [
            _cli(
                "pipeline", "--pipeline", str(NOTES / name),
                "--source", f"GitHub_Source={NOTES / 'source'}", *extra, "--approve", "yes",
                "--format", "json",
            )
            for _ in range(2)
        ]  # fmt: skip
        checks = min(_cli("check", str(NOTES / name)) for _ in range(3))
        print(f"  {name:14} run {min(runs):.2f} s   check {checks * 1000:.0f} ms")


def _json_world() -> Path:
    """The notes' world with the deployment group the JSON form cannot declare itself."""
    import yaml

    data = yaml.safe_load((NOTES / "world.yml").read_text())
    data["codedeploy"] = yaml.safe_load((NOTES / "codedeploy.yml").read_text())
    path = Path(tempfile.gettempdir()) / "pa-bench-notes-world.yml"
    path.write_text(yaml.safe_dump(data))
    return path


def _forms_in_process() -> None:
    from simulator import check

    for name in ("pipeline.tf", "pipeline.yaml", "pipeline.json"):
        text = (NOTES / name).read_text()
        samples = time_calls(lambda t=text, n=name: check(t, "pipeline", filename=n), repeat=200)
        print(f"  check() of the notes' {name:14} {summary_ms(samples)}")
