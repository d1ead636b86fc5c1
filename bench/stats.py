"""Small helpers for benchmarks: timing loops and percentiles."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def percentile(samples: list[float], pct: float) -> float:
    """Nearest-rank percentile of a list of numbers."""
    ordered = sorted(samples)
    rank = max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def time_calls(func: Callable[[], object], *, repeat: int, warmup: int = 3) -> list[float]:
    """Call func repeatedly; return each call's wall time in milliseconds."""
    for _ in range(warmup):
        func()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        func()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def summary_ms(samples: list[float]) -> str:
    """'p50 1.23 ms  p99 4.56 ms  (n=…)' for a list of millisecond samples."""
    return (
        f"p50 {statistics.median(samples):.3f} ms  p99 {percentile(samples, 99):.3f} ms"
        f"  (n={len(samples)})"
    )
