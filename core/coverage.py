"""Content coverage of the exam blueprint: questions, lessons, flashcards and labs per skill."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field

from django.apps import apps
from django.db import connection
from django.db.models import Model

from core.exam import DOMAINS, TASKS
from core.models import Skill

# What is counted, as (column, "app_label.ModelName"). A model that does not exist yet, or whose
# table is not migrated, counts 0: flashcards and labs are built by other parts of the project.
SOURCES: tuple[tuple[str, str], ...] = (
    ("questions", "quizzes.Question"),
    ("lessons", "courses.Lesson"),
    ("flashcards", "quizzes.Flashcard"),
    ("labs", "labs.Lab"),
)
KINDS = tuple(column for column, _model in SOURCES)


@dataclass
class Row:
    """Counts for one skill, task or domain."""

    key: str
    title: str
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))


@dataclass
class SkillRow(Row):
    kind: str = ""


@dataclass
class TaskRow(Row):
    skills: list[SkillRow] = field(default_factory=list)


@dataclass
class DomainRow(Row):
    weight: int = 0
    share: float = 0.0  # this domain's share of all published questions, in percent
    tasks: list[TaskRow] = field(default_factory=list)


@dataclass
class Coverage:
    """The whole table, plus notes on what could not be counted per skill."""

    domains: list[DomainRow]
    totals: dict[str, int]
    notes: list[str]

    def skills(self) -> list[SkillRow]:
        return [s for d in self.domains for t in d.tasks for s in t.skills]

    def below(self, kind: str, minimum: int) -> list[SkillRow]:
        """Skills with fewer than `minimum` items of `kind`."""
        return [s for s in self.skills() if s.counts[kind] < minimum]

    def as_dict(self) -> dict:
        return asdict(self)


def _model(dotted: str) -> type[Model] | None:
    """The model if it exists and its table is migrated, else None."""
    try:
        model = apps.get_model(dotted)
    except LookupError:
        return None
    if model._meta.db_table not in connection.introspection.table_names():
        return None
    return model


def _field_names(model: type[Model]) -> set[str]:
    return {f.name for f in model._meta.get_fields()}


def _published(model: type[Model]):
    queryset = model._default_manager.all()
    if "published" in _field_names(model):
        queryset = queryset.filter(published=True)
    return queryset


def _count_by_skill(model: type[Model]) -> Counter[str] | None:
    """Items per skill id (an item counts once for each skill it names); None if not tagged."""
    names = _field_names(model)
    rows = _published(model)
    if "skill_links" in names:
        return Counter(rows.values_list("skill_links__code", flat=True).exclude(skill_links=None))
    if "skills" in names:
        counter: Counter[str] = Counter()
        for skills in rows.values_list("skills", flat=True):
            counter.update(set(skills or []))
        return counter
    return None


def _count_by(model: type[Model], column: str) -> Counter:
    if column not in _field_names(model):
        return Counter()
    return Counter(_published(model).values_list(column, flat=True))


def content_coverage() -> Coverage:
    """Count published content per domain, task and skill (skills from the loaded guide).

    Domain and task counts use each item's own domain and task (for questions and lessons, the
    ones derived from their first skill); skill counts use every skill an item names.
    """
    notes: list[str] = []
    per_skill: dict[str, Counter] = {}
    per_task: dict[str, Counter] = {}
    per_domain: dict[str, Counter] = {}
    totals: dict[str, int] = {}
    for column, dotted in SOURCES:
        model = _model(dotted)
        if model is None:
            notes.append(f"{column}: no {dotted} table yet, counted as 0")
            per_skill[column] = per_task[column] = per_domain[column] = Counter()
            totals[column] = 0
            continue
        by_skill = _count_by_skill(model)
        if by_skill is None:
            notes.append(f"{column}: not tagged with skills yet (counted per task and domain only)")
            by_skill = Counter()
        per_skill[column] = by_skill
        per_task[column] = _count_by(model, "task")
        per_domain[column] = _count_by(model, "domain")
        totals[column] = _published(model).count()

    skills_by_task: dict[str, list[Skill]] = {}
    for skill in Skill.objects.filter(active=True).order_by("position"):
        skills_by_task.setdefault(skill.task, []).append(skill)
    if not skills_by_task:
        notes.append("no skills in the database: run `manage.py load_content` first")

    domains: list[DomainRow] = []
    for number, (name, weight) in DOMAINS.items():
        counts = {kind: per_domain[kind].get(number, 0) for kind in KINDS}
        share = 100 * counts["questions"] / totals["questions"] if totals["questions"] else 0.0
        domain = DomainRow(str(number), name, counts, weight=weight, share=round(share, 1))
        for task, title in TASKS.items():
            if not task.startswith(f"{number}."):
                continue
            row = TaskRow(task, title, {kind: per_task[kind].get(task, 0) for kind in KINDS})
            for skill in skills_by_task.get(task, []):
                row.skills.append(
                    SkillRow(
                        skill.code,
                        skill.text,
                        {kind: per_skill[kind].get(skill.code, 0) for kind in KINDS},
                        kind=skill.kind,
                    )
                )
            domain.tasks.append(row)
        domains.append(domain)
    return Coverage(domains=domains, totals=totals, notes=notes)
