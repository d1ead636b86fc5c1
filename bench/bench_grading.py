"""Grading time per lab, in process: check, run and judge the reference (p50/p99 per lab)."""

from __future__ import annotations

import os
import time
from pathlib import Path

from django.conf import settings

from bench.stats import percentile

RUNS = int(os.environ.get("PA_BENCH_GRADING_RUNS", "5"))


def main() -> None:
    """Each lab's reference graded RUNS times (pipelines approved up front)."""
    from labs.grader import grade
    from labs.spec import parse_lab

    labs_dir = Path(settings.CONTENT_ROOT) / "labs"
    print(f"{'lab':26} {'p50':>8} {'p99':>8}  percent  (runs: {RUNS})")
    for lab_dir in sorted(p for p in labs_dir.iterdir() if (p / "lab.yaml").is_file()):
        spec = parse_lab(lab_dir)
        times, percent = [], None
        for _ in range(RUNS):
            started = time.perf_counter()
            result = grade(spec, spec.reference, approval="approved")
            times.append(time.perf_counter() - started)
            percent = result.percent
        print(
            f"{spec.slug:26} {percentile(times, 50) * 1000:6.0f}ms "
            f"{percentile(times, 99) * 1000:6.0f}ms  {percent:g} %",
            flush=True,
        )
