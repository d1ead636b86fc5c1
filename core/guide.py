"""Read content/exam-guide.yaml (the DVA-C02 blueprint), check skill ids, load Skill rows."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BeforeValidator,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

import simulator
from core.content import ContentError, ContentErrors, LoadReport
from core.documents import Model, Problem, invalid, invalid_all, load, validate
from core.exam import DOMAINS, TASKS, Domain, Task, TopicTags

GUIDE_FILE = "exam-guide.yaml"
SKILL_ID_RE = re.compile(r"^(?P<task>[1-9]\.[1-9])\.(?P<letter>[ks])(?P<number>[1-9][0-9]*)$")
KIND_OF_LETTER = {"k": "knowledge", "s": "skill"}
MAX_TEXT = 300
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_TEXT)]


class ItemModel(Model):
    """A knowledge or skill item of a task, as written in the guide."""

    noun = "item"
    named_by = "id"

    id: str = Field(
        pattern=SKILL_ID_RE,
        description='a quoted id "<task>.k<n>" (knowledge) or "<task>.s<n>" (skill), e.g. "1.2.k1"',
    )
    kind: Literal["knowledge", "skill"]
    text: Text
    topics: TopicTags

    @model_validator(mode="after")
    def _kind_matches_letter(self) -> ItemModel:
        letter = _parts(self.id)[1]
        if self.kind != KIND_OF_LETTER[letter]:
            message = f"kind must be '{KIND_OF_LETTER[letter]}' for a '.{letter}' id"
            raise invalid(f"{message}, not {self.kind!r}", at=("kind",))
        return self


class TaskModel(Model):
    """A task statement of a domain."""

    noun = "task"
    named_by = "id"

    id: Task = Field(description='a quoted task number, e.g. id: "1.2"')
    title: Text
    items: Annotated[list[ItemModel], Field(min_length=1)]

    @model_validator(mode="after")
    def _as_in_exam_and_numbered(self) -> TaskModel:
        problems = []
        if self.title != TASKS[self.id]:
            message = f"task {self.id} title {self.title!r} differs from core/exam.py"
            hint = "the guide and core.exam.TASKS must agree"
            problems.append(Problem(f"{message} ({TASKS[self.id]!r})", hint, ("title",)))
        counters = {"k": 0, "s": 0}
        seen: dict[str, int] = {}
        for index, item in enumerate(self.items):
            at = ("items", index, "id")
            task, letter, number = _parts(item.id)
            if task != self.id:
                problems.append(Problem(f"item {item.id} is listed under task {self.id}", at=at))
            elif item.id in seen:
                message = f"duplicate item id {item.id} (first as item {seen[item.id] + 1})"
                problems.append(Problem(message, at=at))
            else:
                seen[item.id] = index
                counters[letter] += 1
                if number != counters[letter]:
                    message = f"item {item.id} is out of sequence: expected {task}.{letter}"
                    hint = "number items in the order the guide lists them, from 1, without gaps"
                    problems.append(Problem(f"{message}{counters[letter]}", hint, at))
                    counters[letter] = number
        if problems:
            raise invalid_all(problems)
        return self


class DomainModel(Model):
    """A domain of the exam."""

    noun = "domain"
    named_by = "number"

    number: Domain
    title: Text
    weight: int
    tasks: Annotated[list[TaskModel], Field(min_length=1)]

    @field_validator("tasks", mode="before")
    @classmethod
    def _tasks_of_this_domain(cls, tasks: Any, info: ValidationInfo) -> Any:
        # Checked before the tasks themselves: a task under the wrong domain is the one error
        # worth reporting, not its title and items that then look wrong too.
        number = info.data.get("number")
        problems = [
            Problem(f"task {task['id']} is listed under domain {number}", at=(index, "id"))
            for index, task in enumerate(tasks if isinstance(tasks, list) else [])
            if isinstance(task, dict)
            and isinstance(task.get("id"), str)
            and task["id"] in TASKS
            and not task["id"].startswith(f"{number}.")
        ]
        if number in DOMAINS and problems:
            raise invalid_all(problems)
        return tasks

    @model_validator(mode="after")
    def _as_in_exam(self) -> DomainModel:
        name, weight = DOMAINS[self.number]
        problems = []
        if self.title != name:
            message = f"domain {self.number} title {self.title!r} differs from core/exam.py"
            hint = "the guide and core.exam.DOMAINS must agree"
            problems.append(Problem(f"{message} ({name!r})", hint, ("title",)))
        if self.weight != weight:
            message = f"domain {self.number} weight must be {weight} (core/exam.py DOMAINS)"
            problems.append(Problem(message, at=("weight",)))
        seen: set[str] = set()
        for index, task in enumerate(self.tasks):
            if task.id in seen:
                message = f"task {task.id} is listed twice"
                problems.append(Problem(message, at=("tasks", index, "id")))
            seen.add(task.id)
        if problems:
            raise invalid_all(problems)
        return self


class GuideModel(Model):
    """The whole exam guide file."""

    exam: Text
    guide_version: str = Field(description='write it quoted: guide_version: "2.1"')
    source: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]
    domains: Annotated[list[DomainModel], Field(min_length=1)]

    @model_validator(mode="after")
    def _every_domain_and_task_once(self) -> GuideModel:
        problems = []
        seen: dict[int, int] = {}
        for index, domain in enumerate(self.domains):
            if seen.setdefault(domain.number, index) != index:
                message = f"domain {domain.number} is listed twice"
                problems.append(Problem(message, at=("domains", index, "number")))
        tasks = {task.id for domain in self.domains for task in domain.tasks}
        for number in sorted(set(DOMAINS) - seen.keys()):
            message = f"domain {number} ({DOMAINS[number][0]}) is missing"
            problems.append(Problem(message, at=("domains",)))
        for code, title in TASKS.items():
            if code not in tasks and int(code[0]) in seen:
                message = f"task statement {code} ({title}) is missing"
                problems.append(Problem(message, at=("domains",)))
        if problems:
            raise invalid_all(problems)
        return self


def _parts(code: str) -> tuple[str, str, int]:
    """("1.2", "k", 3) for the item id "1.2.k3" (its form is checked by the model's pattern)."""
    match = SKILL_ID_RE.match(code)
    if match is None:
        raise ValueError(f"not an item id: {code!r}")
    return match["task"], match["letter"], int(match["number"])


@dataclass(frozen=True)
class SkillSpec:
    """One validated knowledge or skill item of the guide."""

    code: str
    kind: str
    domain: int
    task: str
    number: int
    position: int
    text: str
    topics: tuple[str, ...]
    line: int


@dataclass(frozen=True)
class Guide:
    """The validated blueprint: skills by id, in the guide's order."""

    path: Path
    exam: str
    version: str
    source: str
    skills: dict[str, SkillSpec]

    def task_of(self, code: str) -> str:
        return self.skills[code].task

    def domain_of(self, code: str) -> int:
        return self.skills[code].domain


def read_guide(root: Path) -> Guide:
    """Parse and validate `<root>/exam-guide.yaml`; ContentErrors lists every problem."""
    path = Path(root) / GUIDE_FILE
    if not path.is_file():
        raise ContentErrors(
            [
                ContentError(
                    path,
                    None,
                    "the exam guide file is missing",
                    "questions and lessons name skill ids defined there; restore it from git",
                )
            ]
        )
    try:
        document = load(path)
    except ContentError as exc:
        raise ContentErrors([exc]) from exc
    if document.data is None:
        raise ContentErrors([ContentError(path, 1, "the exam guide is empty")])
    model, errors = validate(document, GuideModel)
    if model is None:
        raise ContentErrors(errors)
    skills: dict[str, SkillSpec] = {}
    for d, domain in enumerate(model.domains):
        for t, task in enumerate(domain.tasks):
            for i, item in enumerate(task.items):
                at = ("domains", d, "tasks", t, "items", i, "id")
                skills[item.id] = SkillSpec(
                    code=item.id,
                    kind=item.kind,
                    domain=domain.number,
                    task=task.id,
                    number=_parts(item.id)[2],
                    position=len(skills) + 1,
                    text=item.text,
                    topics=tuple(item.topics),
                    line=document.position(at)[0],
                )
    version, source = model.guide_version, model.source
    return Guide(path=path, exam=model.exam, version=version, source=source, skills=skills)


@lru_cache(maxsize=8)
def _cached_guide(path: str, _mtime_ns: int, _size: int) -> Guide:
    return read_guide(Path(path).parent)


def guide_for(root: Path) -> Guide:
    """The validated guide of a content root, parsed once per file version (loaders share it)."""
    path = Path(root) / GUIDE_FILE
    try:
        stat = path.stat()
    except OSError:
        return read_guide(Path(root))  # raises the "missing" error
    return _cached_guide(str(path), stat.st_mtime_ns, stat.st_size)


SkillProblem = tuple[int | None, str, str]


def check_skill_list(value: Any, guide: Guide) -> tuple[list[str], list[SkillProblem]]:
    """Validate a `skills:` value: (the ids, problems as (list index or None, message, hint)).

    Shared by every loader that accepts `skills:` so the rules and messages are the same.
    """
    problems: list[SkillProblem] = []
    example = 'write skills: ["1.2.s1", "1.2.k5"] (ids from content/exam-guide.yaml)'
    if not isinstance(value, list) or not value:
        return [], [(None, "'skills' must be a non-empty list of exam-guide ids", example)]
    codes: list[str] = []
    for index, code in enumerate(value):
        if not isinstance(code, str):
            problems.append((index, f"skill id must be quoted text, not {code!r}", example))
        elif code not in guide.skills:
            match = SKILL_ID_RE.match(code)
            if code in TASKS:
                hint = f"name an item of task {code}, e.g. '{code}.k1' or '{code}.s1'"
            elif match and match["task"] in TASKS:
                hint = _task_items_hint(match["task"], guide)
            else:
                hint = simulator.did_you_mean(code, guide.skills) or "see content/exam-guide.yaml"
            problems.append((index, f"unknown skill id '{code}'", hint))
        elif code in codes:
            problems.append((index, f"skill '{code}' is listed twice", ""))
        else:
            codes.append(code)
    return codes, problems


def _skills_of_the_guide(value: Any, info: ValidationInfo) -> Any:
    # Every validation of a file with skills passes context={"guide": ...}: a missing key is a
    # bug (KeyError), None means the content has no exam guide to check the ids against.
    guide: Guide | None = (info.context or {})["guide"]
    if guide is None:
        return value
    codes, problems = check_skill_list(value, guide)
    if problems:
        raise invalid_all(Problem(m, h, () if i is None else (i,)) for i, m, h in problems)
    return codes


# A `skills:` list of a content model: exam-guide ids checked against the guide in the context.
Skills = Annotated[
    list[str],
    BeforeValidator(_skills_of_the_guide),
    Field(description='exam-guide ids, e.g. skills: ["1.2.s1", "1.2.k5"]'),
]


def _task_items_hint(task: str, guide: Guide) -> str:
    """'task 1.1 has 1.1.k1–1.1.k6 and 1.1.s1–1.1.s6' for an id whose number is out of range."""
    ranges = []
    for letter, kind in KIND_OF_LETTER.items():
        numbers = [s.number for s in guide.skills.values() if s.task == task and s.kind == kind]
        if numbers:
            ranges.append(f"{task}.{letter}1–{task}.{letter}{max(numbers)}")
    return f"task {task} has {' and '.join(ranges)}" if ranges else "see content/exam-guide.yaml"


def skills_index(codes: Sequence[str]) -> str:
    """The `|1.2.k1|3.4.s2|` form used to filter by skill portably."""
    return "|" + "|".join(codes) + "|" if codes else ""


def load_exam_guide(root: Path, report: LoadReport) -> None:
    """`load_content` loader: upsert a Skill per guide item; ids gone from the file go inactive."""
    from core.models import Skill

    if not (Path(root) / GUIDE_FILE).is_file():
        # A partial content root (labs only, say) is fine; a question or lesson there names
        # skill ids, and its loader then reports the missing guide as an error.
        report.warn(f"{Path(root) / GUIDE_FILE}: no exam guide; skills were left as they are")
        return
    guide = guide_for(root)
    existing = {s.code: s for s in Skill.objects.all()}
    for spec in guide.skills.values():
        skill = existing.pop(spec.code, None)
        values = {
            "kind": spec.kind,
            "domain": spec.domain,
            "task": spec.task,
            "number": spec.number,
            "position": spec.position,
            "text": spec.text,
            "topics": list(spec.topics),
            "active": True,
        }
        if skill is None:
            Skill.objects.create(code=spec.code, **values)
            report.count("skills created")
        elif any(getattr(skill, k) != v for k, v in values.items()):
            for key, value in values.items():
                setattr(skill, key, value)
            skill.save()
            report.count("skills updated")
        else:
            report.count("skills unchanged")
    gone = [s.pk for s in existing.values() if s.active]
    if gone:
        Skill.objects.filter(pk__in=gone).update(active=False)
        report.count("skills retired", len(gone))


def skill_rows(root: Path, report: LoadReport) -> dict[str, Any]:
    """Skill rows by id for a content root, loading the guide first if the database lacks any.

    load_all runs the guide loader first anyway; this keeps a single loader (tests, scripts)
    from linking questions or lessons to skills that are not in the database yet.
    """
    from core.models import Skill

    guide = guide_for(root)
    rows = Skill.objects.in_bulk(field_name="code")
    if set(guide.skills) - rows.keys():
        load_exam_guide(root, report)
        rows = Skill.objects.in_bulk(field_name="code")
    return rows
