"""Function engine: cold and warm invocation p50 (plain, and traced with X-Ray plus an EMF line),
and the grading time of the xray-emf-troubleshoot lab's reference."""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from pathlib import Path

from bench.stats import percentile

RUNS = int(os.environ.get("PA_BENCH_FN_RUNS", "20"))
GRADINGS = int(os.environ.get("PA_BENCH_FN_GRADINGS", "5"))
LAB = "xray-emf-troubleshoot"

PLAIN = """
import boto3
ssm = boto3.client("ssm")

def handler(event, context):
    return ssm.get_parameter(Name="/app/colour")["Parameter"]["Value"]
"""

TRACED = """
import json, time
import boto3
from aws_xray_sdk.core import patch, xray_recorder
patch(["boto3"])
ssm = boto3.client("ssm")

def handler(event, context):
    with xray_recorder.in_subsegment("read-colour") as subsegment:
        subsegment.put_annotation("attempt", event.get("n", 0))
        value = ssm.get_parameter(Name="/app/colour")["Parameter"]["Value"]
    print(json.dumps({"_aws": {"Timestamp": int(time.time() * 1000), "CloudWatchMetrics": [
        {"Namespace": "Bench", "Dimensions": [["Service"]], "Metrics": [{"Name": "Reads"}]}]},
        "Service": "bench", "Reads": 1}))
    return value
"""


def _line(label: str, samples: list[float]) -> str:
    return (
        f"{label:34} p50 {statistics.median(samples):7.0f} ms  "
        f"p99 {percentile(samples, 99):7.0f} ms  (n={len(samples)})"
    )


def _invocations(code: str, tracing: str) -> tuple[list[float], list[float]]:
    """(cold, warm) wall times in ms of invocations of one handler, each with one SSM call."""
    from simulator.lambdas import FunctionEnv, FunctionSpec
    from simulator.world import load_world

    with tempfile.TemporaryDirectory(prefix="pa-bench-fn-") as folder:
        root = Path(folder)
        root.chmod(0o755)
        (root / "app.py").write_text(code)
        (root / "app.py").chmod(0o644)
        world = load_world("parameters:\n  /app/colour: blue\n")
        spec = FunctionSpec("bench", "app.handler", root, tracing=tracing)
        cold: list[float] = []
        warm: list[float] = []
        try:
            with FunctionEnv(world, {"bench": spec}) as env:
                env.invoke("bench", {})  # pays the account server's first start
                for n in range(RUNS):
                    env.close()  # the next invocation starts a new execution environment
                    started = time.perf_counter()
                    invocation = env.invoke("bench", {"n": n})
                    cold.append((time.perf_counter() - started) * 1000)
                    assert invocation.ok and invocation.cold_start, invocation
                for n in range(RUNS):
                    started = time.perf_counter()
                    invocation = env.invoke("bench", {"n": n})
                    warm.append((time.perf_counter() - started) * 1000)
                    assert invocation.ok and not invocation.cold_start, invocation
                    if tracing == "Active":
                        assert invocation.segments and invocation.metrics, invocation
        finally:
            world.close()
    return cold, warm


def main() -> None:
    from django.conf import settings

    from labs.grader import grade
    from labs.spec import parse_lab

    for label, code, tracing in (
        ("plain (1 SSM call)", PLAIN, "PassThrough"),
        ("traced (X-Ray subsegment + EMF)", TRACED, "Active"),
    ):
        cold, warm = _invocations(code, tracing)
        print(_line(f"cold invocation, {label}", cold), flush=True)
        print(_line(f"warm invocation, {label}", warm), flush=True)

    spec = parse_lab(Path(settings.CONTENT_ROOT) / "labs" / LAB)
    times: list[float] = []
    for _ in range(GRADINGS):
        started = time.perf_counter()
        result = grade(spec, spec.reference)
        times.append((time.perf_counter() - started) * 1000)
        assert result.percent == 100, result.percent
    print(_line(f"{LAB} reference grading", times), flush=True)
