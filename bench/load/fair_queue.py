"""Fair-queue figure: learner B's wait for a first grading while learner A floods the queue.

Runs the real claim code (labs.services.grading_claim_next) on a throw-away test database with
a virtual clock: WORKERS slots, every grading takes GRADING_SECONDS; A submits FLOOD at t=0,
B submits one at t=1 s. Prints B's wait next to what a first-in-first-out queue would give.
"""

from __future__ import annotations

import heapq
import os

WORKERS = int(os.environ.get("PA_BENCH_FAIR_WORKERS", "2"))
FLOOD = int(os.environ.get("PA_BENCH_FAIR_FLOOD", "20"))
GRADING_SECONDS = float(os.environ.get("PA_BENCH_FAIR_GRADING_SECONDS", "5"))


def _simulate() -> tuple[float, float, int]:
    """(B's wait, A's last start, gradings) on the fair queue, in virtual seconds."""
    from django.test import override_settings
    from django.utils import timezone

    from accounts.services import user_create
    from labs import services
    from labs.models import Lab, Submission

    spec = {"files": {"f.yml": "x"}, "scenario": {"kind": "check"}, "checks": [], "hints": []}
    lab = Lab.objects.create(slug="fair-bench", title="-", summary="-", domain=1, task="1.1",
                             difficulty="easy", minutes=1, spec=spec, source_hash="-")  # fmt: skip
    a = user_create(username="bench-a", password="pw-bench-123456")
    b = user_create(username="bench-b", password="pw-bench-123456")
    submitted: dict[int, float] = {}

    def submit(user, number: int, at: float) -> None:
        sub = Submission.objects.create(user=user, lab=lab, number=number, files={}, max_score=0)
        submitted[sub.pk] = at

    events: list[tuple[float, int, str, int]] = []  # (time, order, kind, pk)
    for n in range(FLOOD):
        submit(a, n + 1, 0.0)
    heapq.heappush(events, (1.0, 0, "b-submits", 0))
    started: dict[int, float] = {}
    busy: list[tuple[float, int]] = []
    now, order = 0.0, 1
    with override_settings(LAB_RUNNING_PER_LEARNER=1):
        while True:
            while len(busy) < WORKERS:
                sub = services.grading_claim_next()
                if sub is None:
                    break
                started[sub.pk] = now
                heapq.heappush(busy, (now + GRADING_SECONDS, sub.pk))
            upcoming = [t for t in (events[0][0] if events else None, busy[0][0] if busy else None)
                        if t is not None]  # fmt: skip
            if not upcoming:
                break
            now = min(upcoming)
            if events and events[0][0] == now:
                heapq.heappop(events)
                submit(b, 1, now)
                order += 1
                continue
            _, pk = heapq.heappop(busy)
            Submission.objects.filter(pk=pk).update(
                status=Submission.Status.GRADED, finished_at=timezone.now(), run_token=""
            )
    b_pk = max(pk for pk in submitted if submitted[pk] == 1.0)
    last_a = max(t for pk, t in started.items() if pk != b_pk)
    return started[b_pk] - submitted[b_pk], last_a, len(started)


def main() -> None:
    from django.db import connection
    from django.test.utils import setup_test_environment, teardown_test_environment

    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        wait, last_a, count = _simulate()
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()
    fifo = max(0.0, -(-FLOOD // WORKERS) * GRADING_SECONDS - 1.0)
    print(
        f"fair queue: {WORKERS} workers, {GRADING_SECONDS:g} s per grading, A floods {FLOOD}, "
        f"B submits 1 a second later: B waits {wait:.1f} s (first-in-first-out: {fifo:.1f} s); "
        f"A's last starts at {last_a:.0f} s; {count} gradings",
        flush=True,
    )


if __name__ == "__main__":
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    django.setup()
    main()
