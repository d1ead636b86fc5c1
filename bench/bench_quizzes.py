"""Exam assembly from a 10,000-question bank and scoring a 65-answer attempt: p50 and p99.

Runs against a throwaway SQLite database (in a temp folder), never the development database.
"""

from __future__ import annotations

import os
import random
import shutil
import tempfile
import time
from pathlib import Path

BANK_SIZE = 10_000
REPEAT = 60


def _use_scratch_database() -> Path:
    from django.conf import settings
    from django.db import connections

    folder = Path(tempfile.mkdtemp(prefix="pa-bench-quizzes-"))
    database = dict(settings.DATABASES["default"])
    database.update(
        ENGINE="django.db.backends.sqlite3",
        NAME=str(folder / "bench.sqlite3"),
        # The same SQLite set-up as the site (WAL, synchronous=NORMAL, immediate transactions).
        OPTIONS={
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
        },
        CONN_MAX_AGE=0,
    )
    settings.DATABASES["default"] = database
    connections["default"].close()
    del connections["default"]
    return folder


def _build_bank(size: int) -> None:
    from core.exam import TASKS
    from quizzes.models import Option, Question

    rng = random.Random(42)
    weights = [32, 26, 24, 18]
    questions = []
    for n in range(size):
        domain = rng.choices([1, 2, 3, 4], weights)[0]
        multiple = n % 4 == 3
        questions.append(
            Question(
                external_id=f"bench-{n:05d}",
                domain=domain,
                task=next(k for k in TASKS if k.startswith(f"{domain}.")),
                tags=["codebuild"],
                tags_index="|codebuild|",
                difficulty="medium",
                type="multiple" if multiple else "single",
                choose=2 if multiple else 1,
                stem_markdown=f"Stem {n}",
                stem_html=f"<p>Stem {n}</p>",
                source_file="questions/bench.yaml",
            )
        )
    Question.objects.bulk_create(questions, batch_size=2000)
    options = []
    for question in Question.objects.only("id", "type"):
        n_options, n_correct = (5, 2) if question.type == "multiple" else (4, 1)
        for position in range(n_options):
            options.append(
                Option(
                    question_id=question.pk,
                    position=position,
                    text=f"option {position}",
                    text_html=f"<p>option {position}</p>",
                    correct=position < n_correct,
                    explanation="why",
                    explanation_html="<p>why</p>",
                )
            )
    Option.objects.bulk_create(options, batch_size=5000)


def main() -> None:
    """Print p50/p99 of exam assembly and of scoring a fully answered exam."""
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    folder = _use_scratch_database()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from bench.stats import summary_ms
    from quizzes import services
    from quizzes.models import Attempt, Option

    # Scheduling the deadline task would publish to the real broker: not what is measured here.
    services._schedule_expiry = lambda attempt: None
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    _build_bank(BANK_SIZE)
    print(f"bank: {BANK_SIZE} questions built in {time.perf_counter() - started:.1f} s ({folder})")
    user = get_user_model().objects.create_user("bench", password="bench-password-1")
    keys = {}
    for question_id, option_id in Option.objects.filter(correct=True).values_list(
        "question_id", "id"
    ):
        keys.setdefault(question_id, set()).add(option_id)

    def assemble() -> Attempt:
        attempt = services.attempt_start_exam(user)
        Attempt.objects.filter(pk=attempt.pk).update(status=Attempt.SUBMITTED)  # next one is new
        return attempt

    assembly = []
    for _ in range(REPEAT):
        t0 = time.perf_counter()
        assemble()
        assembly.append((time.perf_counter() - t0) * 1000)
    print(f"assemble a 65-question exam from {BANK_SIZE}: {summary_ms(assembly)}")

    scoring = []
    answering = []
    for _ in range(REPEAT):
        attempt = services.attempt_start_exam(user)
        items = list(attempt.items.all())
        t0 = time.perf_counter()
        for item in items:
            letters = [
                "ABCDE"[i]
                for i, oid in enumerate(item.option_order)
                if oid in keys[item.question_id]
            ]
            services.attempt_answer(attempt, item.position, letters)
        answering.append((time.perf_counter() - t0) * 1000 / len(items))
        connection.queries_log.clear()
        t0 = time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            done = services.attempt_submit(attempt)
        scoring.append((time.perf_counter() - t0) * 1000)
        assert done.correct_count == len(items) == 65
    print(f"save one answer (exam): {summary_ms(answering)}")
    print(f"score a 65-answer attempt (incl. 65 FSRS card reviews): {summary_ms(scoring)}")
    print(f"queries to score one attempt: {len(queries)}")
    connection.close()
    shutil.rmtree(folder, ignore_errors=True)
