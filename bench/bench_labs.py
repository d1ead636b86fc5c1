"""Lab grading: gradings per minute on one real worker, and Run → first log line → final grade."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.stats import percentile

ROOT = Path(__file__).resolve().parents[1]
# Comma-separated; the Terraform pipeline lab runs the notes' pipeline through simulator.forms.
LABS = os.environ.get("PA_BENCH_LAB", "complete-pipeline,terraform-pipeline").split(",")
RUNS = int(os.environ.get("PA_BENCH_LAB_RUNS", "8"))

DRIVER = r"""
import os, sys, time, json
import django
django.setup()
from django.core.management import call_command
from django.contrib.auth import get_user_model
from labs import services
from labs.models import Lab, Submission

call_command("migrate", verbosity=0)
call_command("load_content", verbosity=0)
lab = Lab.objects.get(slug=sys.argv[1])
runs = int(sys.argv[2])
User = get_user_model()
users = [User.objects.get_or_create(username=f"bench{i}")[0] for i in range(runs)]
results = []
started = time.perf_counter()
for user in users:
    t0 = time.perf_counter()
    sub = services.submission_create(user, lab, lab.spec["reference"])
    first_log = None
    decided = False
    while True:
        row = Submission.objects.values("status", "log").get(pk=sub.pk)
        now = time.perf_counter()
        if first_log is None and row["log"]:
            first_log = now - t0
        if row["status"] == "awaiting_approval" and not decided:
            services.submission_decide_approval(Submission.objects.get(pk=sub.pk), approve=True)
            decided = True
        if row["status"] in ("graded", "error"):
            break
        time.sleep(0.02)
    final = Submission.objects.get(pk=sub.pk)
    results.append({"first_log": first_log or (now - t0), "final": now - t0,
                    "status": final.status, "percent": final.percent})
total = time.perf_counter() - started
print(json.dumps({"results": results, "total": total}))
"""


BROKERS = os.environ.get("PA_BENCH_BROKERS", "filesystem://,redis://127.0.0.1:6379/15").split(",")


def main() -> None:
    """Measure on each broker: the embedded default and, when reachable, Redis."""
    for broker in BROKERS:
        if broker.startswith("redis://") and not _redis_up(broker):
            print(f"(skipping {broker}: not reachable)")
            continue
        _measure(broker)


def _redis_up(url: str) -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except Exception:
        return False


def _measure(broker: str) -> None:
    """Start one worker (concurrency 1) on a private SQLite DB and the broker, and measure."""

    with tempfile.TemporaryDirectory(prefix="pa-bench-labs-") as tmp:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.local",
            "DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite3",
            "CELERY_BROKER_URL": broker,
            "PA_VAR_DIR": tmp,
            "PA_LAB_SUBMISSIONS_PER_MINUTE": "1000",
        }
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True
        )
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "--concurrency=1",
             "--loglevel=WARNING", "--without-heartbeat", "--without-gossip", "--without-mingle"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            time.sleep(3)  # worker start-up is not part of a grading
            for lab in LABS:
                out = subprocess.run(
                    [sys.executable, "-c", DRIVER, lab, str(RUNS)],
                    cwd=ROOT, env=env, capture_output=True, text=True, timeout=900,
                )  # fmt: skip
                _report(lab, broker, out)
        finally:
            worker.terminate()
            worker.wait(timeout=30)


def _report(lab: str, broker: str, out: subprocess.CompletedProcess[str]) -> None:
    """Print one lab's figures from the driver's JSON line."""
    import json

    if out.returncode != 0:
        print(f"lab benchmark failed:\n{out.stderr[-3000:]}")
        return
    data = json.loads(out.stdout.strip().splitlines()[-1])
    results = data["results"]
    first = [r["first_log"] * 1000 for r in results]
    final = [r["final"] * 1000 for r in results]
    statuses = {(r["status"], r["percent"]) for r in results}
    kind = broker.split(":", 1)[0]
    print(f"lab {lab!r}, {len(results)} sequential submissions of the reference, one worker "
          f"(concurrency 1, {kind} broker, SQLite); outcomes: {sorted(statuses)}")  # fmt: skip
    print(f"  Run → first log line: p50 {statistics.median(first):.0f} ms  "
          f"p99 {percentile(first, 99):.0f} ms")  # fmt: skip
    print(f"  Run → final grade:    p50 {statistics.median(final):.0f} ms  "
          f"p99 {percentile(final, 99):.0f} ms")  # fmt: skip
    print(f"  throughput: {60 * len(results) / data['total']:.1f} gradings per minute")
