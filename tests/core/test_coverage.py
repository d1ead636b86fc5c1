"""`manage.py content_coverage`: counts per domain, task and skill, and the failing threshold."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from core import coverage as coverage_module
from core.content import LoadReport
from core.coverage import content_coverage
from core.guide import load_exam_guide, skills_index
from core.models import Skill
from courses.models import Lesson, Module
from quizzes.models import Question

REAL_ROOT = Path(__file__).resolve().parents[2] / "content"
pytestmark = pytest.mark.django_db


def question(external_id: str, skills: list[str], *, published: bool = True) -> Question:
    first = Skill.objects.get(code=skills[0])
    q = Question.objects.create(
        external_id=external_id,
        domain=first.domain,
        task=first.task,
        skills=skills,
        skills_index=skills_index(skills),
        tags=["lambda"],
        difficulty="medium",
        stem_markdown="Stem",
        published=published,
    )
    q.skill_links.set(Skill.objects.filter(code__in=skills))
    return q


def lesson(slug: str, skills: list[str]) -> Lesson:
    module, _ = Module.objects.get_or_create(slug="m", defaults={"title": "M", "domain": 1})
    first = Skill.objects.get(code=skills[0])
    item = Lesson.objects.create(
        module=module,
        slug=slug,
        title=slug,
        domain=first.domain,
        task=first.task,
        skills=skills,
        skills_index=skills_index(skills),
        body_markdown="Body",
    )
    item.skill_links.set(Skill.objects.filter(code__in=skills))
    return item


@pytest.fixture
def guide():
    load_exam_guide(REAL_ROOT, LoadReport())


def run(*args: str) -> tuple[str, CommandError | None]:
    out = StringIO()
    try:
        call_command("content_coverage", *args, stdout=out)
    except CommandError as exc:
        return out.getvalue(), exc
    return out.getvalue(), None


def test_counts_per_skill_task_and_domain(guide):
    question("q1", ["1.2.k1", "3.4.s3"])
    question("q2", ["1.2.k1"])
    question("q3", ["3.4.s3"])
    question("hidden", ["1.2.k1"], published=False)
    lesson("l1", ["1.2.k1", "1.2.s2"])
    cov = content_coverage()
    skills = {s.key: s.counts for s in cov.skills()}
    # A question counts under every skill it names; unpublished ones not at all.
    assert skills["1.2.k1"] == {"questions": 2, "lessons": 1, "flashcards": 0, "labs": 0}
    assert skills["3.4.s3"]["questions"] == 2
    assert skills["1.2.s2"]["lessons"] == 1
    assert skills["1.1.k1"]["questions"] == 0
    # Tasks and domains count by each item's own (derived) task and domain: q1 is Domain 1.
    tasks = {t.key: t.counts for d in cov.domains for t in d.tasks}
    assert tasks["1.2"]["questions"] == 2 and tasks["3.4"]["questions"] == 1
    domains = {d.key: d for d in cov.domains}
    assert domains["1"].counts["questions"] == 2 and domains["3"].counts["questions"] == 1
    assert domains["1"].share == pytest.approx(66.7) and domains["1"].weight == 32
    assert cov.totals["questions"] == 3
    assert len(cov.skills()) == Skill.objects.count()


def test_command_fails_naming_thin_skills_and_passes_with_a_lower_minimum(guide):
    for n in range(3):
        question(f"q{n}", ["1.1.k1"])
    question("q9", ["1.1.k2"])
    text, error = run()
    assert error is not None
    message = str(error)
    assert "1.1.k2 (1)" in message and "1.1.k3 (0)" in message and "1.1.k1" not in message
    assert f"{Skill.objects.count() - 1} skill(s) have fewer than 3 question(s)" in message
    assert "Domain 1 Development with AWS Services (weight 32%" in text
    lines = {line[2:].split()[0]: line for line in text.splitlines() if line[2:3].isdigit()}
    assert lines["1.1.k2"].startswith(" !") and not lines["1.1.k1"].startswith(" !")
    assert "Skills with at least 3 question(s): 1 of" in text
    _text, error = run("--min-questions", "1")
    assert error is not None and "1.1.k2" not in str(error)
    _text, error = run("--min-questions", "0")
    assert error is None


def test_json_format(guide):
    question("q1", ["4.3.s3"])
    text, error = run("--format", "json", "--min-questions", "1")
    data = json.loads(text)
    assert data["min_questions"] == 1
    assert "4.3.s3" not in data["below_min_questions"] and "4.3.s4" in data["below_min_questions"]
    domain4 = next(d for d in data["domains"] if d["key"] == "4")
    task = next(t for t in domain4["tasks"] if t["key"] == "4.3")
    skill = next(s for s in task["skills"] if s["key"] == "4.3.s3")
    assert skill["counts"]["questions"] == 1 and skill["kind"] == "skill"
    assert error is not None


def test_missing_tables_and_untagged_models_count_zero_with_a_note(guide, monkeypatch):
    monkeypatch.setattr(
        coverage_module,
        "SOURCES",
        (
            ("questions", "quizzes.Question"),
            ("lessons", "courses.Lesson"),
            ("flashcards", "quizzes.NoSuchModel"),
            ("labs", "courses.Module"),  # a model with a domain but no skills
        ),
    )
    question("q1", ["1.1.k1"])
    cov = content_coverage()
    assert cov.totals["flashcards"] == 0
    assert any("no quizzes.NoSuchModel table yet" in note for note in cov.notes)
    assert any(n.startswith("labs: not tagged with skills yet") for n in cov.notes)
    assert {s.counts["labs"] for s in cov.skills()} == {0}
    assert {s.counts["flashcards"] for s in cov.skills()} == {0}


def test_no_skills_loaded_is_an_error():
    text, error = run("--min-questions", "0")
    assert error is not None and "no skills loaded" in str(error)
    assert "run `manage.py load_content` first" in text


def test_bad_minimum_is_refused(guide):
    _text, error = run("--min-questions", "-1")
    assert error is not None and "--min-questions must be 0 or more" in str(error)
