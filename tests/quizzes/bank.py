"""A small question bank for tests (not the real content, which is written separately)."""

from __future__ import annotations

from core.exam import TASKS
from quizzes.loading import tags_index
from quizzes.models import Option, Question

DEFAULT_TAGS = {1: ["lambda"], 2: ["secrets-manager"], 3: ["codedeploy"], 4: ["x-ray"]}


def make_question(
    external_id: str,
    *,
    domain: int = 1,
    multiple: bool = False,
    tags: list[str] | None = None,
    difficulty: str = "medium",
    lesson: str = "codebuild-buildspec/build-phases-and-failures",
    published: bool = True,
    task: str | None = None,
    skills: list[str] | None = None,
) -> Question:
    """A question whose correct options' text starts with 'KEY' and explanation with 'WHY-'."""
    task = task or next(k for k in TASKS if k.startswith(f"{domain}."))
    skills = skills if skills is not None else [f"{task}.k1"]
    tags = tags or DEFAULT_TAGS[domain]
    n_options, n_correct = (5, 2) if multiple else (4, 1)
    question = Question.objects.create(
        external_id=external_id,
        domain=domain,
        task=task,
        tags=tags,
        tags_index=tags_index(tags),
        skills=skills,
        skills_index="|" + "|".join(skills) + "|" if skills else "",
        difficulty=difficulty,
        type=Question.MULTIPLE if multiple else Question.SINGLE,
        choose=n_correct,
        stem_markdown=f"Stem of {external_id}",
        stem_html=f"<p>Stem of {external_id}</p>",
        lesson_ref=lesson,
        published=published,
        source_file="questions/test.yaml",
    )
    for position in range(n_options):
        correct = position < n_correct
        text = f"{'KEY' if correct else 'distractor'} {position} of {external_id}"
        explanation = f"WHY-{position}-{external_id}"
        Option.objects.create(
            question=question,
            position=position,
            text=text,
            text_html=f"<p>{text}</p>",
            correct=correct,
            explanation=explanation,
            explanation_html=f"<p>{explanation}</p>",
        )
    return question


def make_bank(per_domain: dict[int, int], *, multiple_every: int = 4) -> list[Question]:
    """`per_domain` questions in each domain; every `multiple_every`-th is multiple response."""
    questions = []
    for domain, count in per_domain.items():
        for n in range(count):
            questions.append(
                make_question(
                    f"q-d{domain}-{n:03d}", domain=domain, multiple=n % multiple_every == 3
                )
            )
    return questions


def make_blueprint_bank(per_task: int) -> list[Question]:
    """`per_task` questions in every task statement of the guide (13 tasks)."""
    questions = []
    for task in TASKS:
        domain = int(task.split(".")[0])
        for n in range(per_task):
            questions.append(
                make_question(
                    f"q-t{task.replace('.', '-')}-{n:03d}",
                    domain=domain,
                    task=task,
                    multiple=n % 4 == 3,
                    skills=[f"{task}.k{1 + n % 3}"],
                )
            )
    return questions


def correct_letters(item) -> list[str]:
    """The letters of the correct options of an attempt item (test oracle)."""
    keys = set(
        Option.objects.filter(question=item.question_id, correct=True).values_list("id", flat=True)
    )
    return ["ABCDEFGHIJ"[i] for i, oid in enumerate(item.option_order) if oid in keys]


def wrong_letters(item) -> list[str]:
    """A wrong selection with the right number of letters."""
    keys = set(
        Option.objects.filter(question=item.question_id, correct=True).values_list("id", flat=True)
    )
    wrong = ["ABCDEFGHIJ"[i] for i, oid in enumerate(item.option_order) if oid not in keys]
    return wrong[: len(keys)]
