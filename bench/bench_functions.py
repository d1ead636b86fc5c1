"""Function engine: cold and warm invocation p50 (plain: one SSM call; traced: the same with the
X-Ray SDK, boto3 patched, one subsegment and one EMF line), and the grading time of the
xray-emf-troubleshoot lab's reference."""

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


def _invocations() -> dict[str, list[float]]:
    """Wall times in ms of cold and warm invocations of both handlers (one SSM call each),
    alternating plain and traced so that both see the same load from other work."""
    from simulator.lambdas import FunctionEnv, FunctionSpec
    from simulator.world import load_world

    samples: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory(prefix="pa-bench-fn-") as folder:
        specs = {}
        for name, code, tracing in (("plain", PLAIN, "PassThrough"), ("traced", TRACED, "Active")):
            root = Path(folder) / name
            root.mkdir()
            root.chmod(0o755)
            (root / "app.py").write_text(code)
            (root / "app.py").chmod(0o644)
            specs[name] = FunctionSpec(name, "app.handler", root, tracing=tracing)
        world = load_world("parameters:\n  /app/colour: blue\n")
        try:
            with FunctionEnv(world, specs) as env:
                for name in specs:
                    env.invoke(name, {})  # pays the account server's first start
                for n in range(RUNS):
                    for name in specs:
                        env.close()  # the next invocation starts a new execution environment
                        started = time.perf_counter()
                        invocation = env.invoke(name, {"n": n})
                        samples.setdefault(f"cold invocation, {name}", []).append(
                            (time.perf_counter() - started) * 1000
                        )
                        assert invocation.ok and invocation.cold_start, invocation
                for name in specs:
                    env.invoke(name, {})  # both environments up again
                for n in range(RUNS):
                    for name in specs:
                        started = time.perf_counter()
                        invocation = env.invoke(name, {"n": n})
                        samples.setdefault(f"warm invocation, {name}", []).append(
                            (time.perf_counter() - started) * 1000
                        )
                        assert invocation.ok and not invocation.cold_start, invocation
                        if name == "traced":
                            assert invocation.segments and invocation.metrics, invocation
        finally:
            world.close()
    return samples


def main() -> None:
    from django.conf import settings

    from labs.grader import grade
    from labs.spec import parse_lab

    for label, samples in sorted(_invocations().items()):
        print(_line(label, samples), flush=True)

    spec = parse_lab(Path(settings.CONTENT_ROOT) / "labs" / LAB)
    times: list[float] = []
    for _ in range(GRADINGS):
        started = time.perf_counter()
        result = grade(spec, spec.reference)
        times.append((time.perf_counter() - started) * 1000)
        assert result.percent == 100, result.percent
    print(_line(f"{LAB} reference grading", times), flush=True)
