"""Named practice exams: built once from the bank to the blueprint, rebuilt only on purpose."""

from __future__ import annotations

import random
from collections import Counter
from datetime import datetime
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from core.content import LoadReport
from quizzes import selectors
from quizzes.assembly import blueprint_draw
from quizzes.errors import NothingToPractise
from quizzes.models import PracticeExam, PracticeExamQuestion, Question
from quizzes.scoring import EXAM_QUESTIONS

NAMED_EXAMS = 8
# Exam N is drawn with seed BASE_SEED + N: the same bank always gives the same eight exams.
BASE_SEED = 15_000
# load_content suggests a rebuild once the bank has grown by this share since the build.
GROWTH_WARNING = 0.2


@transaction.atomic
def practice_exams_build(
    *,
    count: int = NAMED_EXAMS,
    rebuild: bool = False,
    size: int = EXAM_QUESTIONS,
    now: datetime | None = None,
) -> list[str]:
    """Build the missing practice exams 1…count (all of them with `rebuild`); returns what it did.

    Each exam is a blueprint draw (domain weights, then tasks by the guide's content) that prefers
    the questions the other exams use least, so the eight exams overlap as little as the bank
    allows. Existing exams are left alone unless `rebuild` is set: a candidate's "Exam 3: 78 %"
    stays comparable when the bank grows.
    """
    now = now or timezone.now()
    pool = selectors.blueprint_pool()
    bank_size = sum(len(ids) for ids in pool.values())
    if bank_size < size:
        raise NothingToPractise(
            f"The bank has {bank_size} published question(s); a practice exam needs {size}."
        )
    weights = selectors.task_weights()
    existing = {e.number: e for e in PracticeExam.objects.all()}
    kept = [e for n, e in existing.items() if n <= count and not rebuild]
    use_counts: Counter[int] = Counter(
        PracticeExamQuestion.objects.filter(exam__in=kept).values_list("question_id", flat=True)
    )
    done = []
    for number in range(1, count + 1):
        exam = existing.get(number)
        if exam is not None and not rebuild:
            continue
        seed = BASE_SEED + number
        draw = blueprint_draw(
            pool, size, random.Random(seed), task_weights=weights, use_counts=use_counts
        )
        if exam is None:
            exam = PracticeExam(number=number)
        exam.title = f"Practice exam {number}"
        exam.seed = seed
        exam.built_at = now
        exam.bank_size = bank_size
        exam.notes = draw.notes + draw.task_notes
        exam.save()
        exam.seats.all().delete()
        PracticeExamQuestion.objects.bulk_create(
            PracticeExamQuestion(exam=exam, question_id=qid, position=position)
            for position, qid in enumerate(draw.question_ids, start=1)
        )
        use_counts.update(draw.question_ids)
        done.append(f"{'rebuilt' if number in existing else 'built'} {exam.title}")
    return done


def load_step(root: Path, report: LoadReport) -> None:
    """After the questions load: build missing practice exams; never rebuild existing ones, but
    say when the bank has outgrown them."""
    bank_size = Question.objects.filter(published=True).count()
    if bank_size < EXAM_QUESTIONS:
        report.warn(
            f"practice exams not built: the bank has {bank_size} question(s), "
            f"an exam needs {EXAM_QUESTIONS}"
        )
        return
    built = practice_exams_build()
    if built:
        report.count("practice exams built", len(built))
    oldest = PracticeExam.objects.order_by("bank_size").first()
    if oldest is not None and bank_size > oldest.bank_size * (1 + GROWTH_WARNING):
        report.warn(
            f"the practice exams were built from {oldest.bank_size} questions and the bank now "
            f"has {bank_size}: run `manage.py build_practice_exams --rebuild` to use the new "
            "questions (learners' earlier scores on them then compare less well)"
        )
    withdrawn = (
        PracticeExamQuestion.objects.filter(question__published=False)
        .values_list("exam__number", flat=True)
        .distinct()
    )
    thin = sorted(
        {note for notes in PracticeExam.objects.values_list("notes", flat=True) for note in notes}
    )
    if thin:
        report.warn("practice exams drawn from a thin bank: " + " ".join(thin))
    for number in sorted(withdrawn):
        report.warn(f"practice exam {number} holds questions withdrawn from the bank")
