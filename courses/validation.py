"""Read and validate study-module files (module.yaml + lesson Markdown) before anything is saved."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

from pydantic import (
    Field,
    StringConstraints,
    ValidationInfo,
    model_validator,
)

from core import documents
from core.content import ContentError, read_text
from core.documents import Model, Problem, invalid_all
from core.exam import Domain, Task, TopicTags
from core.guide import Guide, Skills, guide_for
from core.markdown import RENDER_VERSION

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# Slugs that would collide with fixed URLs under /study/.
RESERVED_SLUGS = frozenset({"search"})
MAX_SLUG = 100
MAX_TITLE = 200
EXAM_FOCUS_RE = re.compile(r"^##\s+Exam focus\s*$", re.IGNORECASE | re.MULTILINE)

_AGREE = "make the domain and the task agree"


@dataclass
class LessonSource:
    """A lesson file that passed validation."""

    slug: str
    path: Path
    source_hash: str
    title: str
    order: int
    domain: int
    task: str
    tags: list[str]
    minutes: int
    body: str
    order_line: int | None
    skills: list[str] = field(default_factory=list)


@dataclass
class ModuleSource:
    """A module folder that passed validation, with its lessons."""

    slug: str
    path: Path
    source_hash: str
    title: str
    summary: str
    order: int
    domain: int
    order_line: int | None
    lessons: list[LessonSource] = field(default_factory=list)


def source_hash(text: str) -> str:
    """Hash of a source file plus the render version (a renderer change means re-render)."""
    return hashlib.sha256(f"{RENDER_VERSION}\0{text}".encode()).hexdigest()


def _guide(info: ValidationInfo) -> Guide:
    guide: Guide = (info.context or {})["guide"]  # _read_lesson always passes it
    return guide


Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_TITLE)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class ModuleFile(Model):
    """module.yaml."""

    title: Title
    summary: Text
    order: int = Field(ge=0, description="the module's position in the list")
    domain: Domain


class LessonMeta(Model):
    """A lesson's front matter; domain and task, when written, must agree with the first skill."""

    title: Title
    order: int = Field(ge=0, description="the lesson's position in its module")
    skills: Skills
    domain: Domain = 0  # 0 and "": not written, the first skill decides
    task: Task = ""
    tags: TopicTags
    minutes: int = Field(ge=1)

    @model_validator(mode="after")
    def _agree_with_the_first_skill(self, info: ValidationInfo) -> LessonMeta:
        first = _guide(info).skills[self.skills[0]]
        stated = self.model_fields_set
        problems = []
        if {"domain", "task"} <= stated and not self.task.startswith(f"{self.domain}."):
            message = f"task {self.task} belongs to domain {self.task.split('.')[0]}, but "
            problems.append(Problem(message + f"'domain' is {self.domain}", _AGREE, ("task",)))
        for key, derived in (("domain", first.domain), ("task", first.task)):
            value = getattr(self, key)
            if key in stated and value != derived and not (key == "task" and problems):
                message = f"'{key}' is {value} but the first skill {first.code} belongs to"
                hint = f"remove '{key}' (it is derived from the first skill) or reorder 'skills'"
                problems.append(Problem(f"{message} {key} {derived}", hint, (key,)))
        if problems:
            raise invalid_all(problems)
        return self


def _slug_error(path: Path, slug: str, what: str) -> ContentError | None:
    if not SLUG_RE.match(slug) or len(slug) > MAX_SLUG:
        return ContentError(
            path,
            None,
            f"{what} name '{slug}' is not a valid slug",
            "use lowercase letters, digits and single hyphens, e.g. build-phases",
        )
    if slug in RESERVED_SLUGS:
        return ContentError(path, None, f"{what} name '{slug}' is reserved", "choose another name")
    return None


def _read_module(folder: Path, errors: list[ContentError]) -> ModuleSource | None:
    path = folder / "module.yaml"
    if not path.is_file():
        errors.append(ContentError(folder, None, "module folder has no module.yaml"))
        return None
    try:
        text = read_text(path)
        document = documents.load(path, text)
    except ContentError as exc:
        errors.append(exc)
        return None
    module, problems = documents.validate(document, ModuleFile)
    errors.extend(problems)
    if module is None:
        return None
    return ModuleSource(
        slug=folder.name,
        path=path,
        source_hash=source_hash(text),
        title=module.title,
        summary=module.summary,
        order=module.order,
        domain=module.domain,
        order_line=document.position(("order",), key=True)[0],
    )


def _read_lesson(path: Path, errors: list[ContentError], guide: Guide) -> LessonSource | None:
    try:
        text = read_text(path)
        front = documents.load_front_matter(path, text)
    except ContentError as exc:
        errors.append(exc)
        return None
    document = front.document
    meta, problems = documents.validate(document, LessonMeta, context={"guide": guide})
    errors.extend(problems)
    if not front.body.strip():
        hint = "write the lesson below '---'"
        errors.append(ContentError(path, front.body_first_line, "the lesson has no body", hint))
    if meta is None or problems or not front.body.strip():
        return None
    first = guide.skills[meta.skills[0]]
    return LessonSource(
        slug=path.stem,
        path=path,
        source_hash=source_hash(text),
        title=meta.title,
        order=meta.order,
        domain=first.domain,
        task=first.task,
        tags=meta.tags,
        minutes=meta.minutes,
        body=front.body,
        order_line=document.position(("order",), key=True)[0],
        skills=meta.skills,
    )


def _check_unique_orders(items: list, what: str, errors: list[ContentError]) -> None:
    # Every file that shares a position gets an error naming the others, so whichever file the
    # author opens first shows the problem.
    by_order: dict[int, list] = {}
    for item in sorted(items, key=lambda i: str(i.path)):
        by_order.setdefault(item.order, []).append(item)
    for order, clash in by_order.items():
        if len(clash) < 2:
            continue
        for item in clash:
            others = ", ".join(f"'{o.slug}' ({o.path})" for o in clash if o is not item)
            errors.append(
                ContentError(
                    item.path,
                    item.order_line,
                    f"order {order} is also used by {what} {others}",
                    f"give each {what} its own position",
                )
            )


def read_modules(
    modules_dir: Path, guide: Guide | None = None
) -> tuple[list[ModuleSource], list[ContentError], list[str]]:
    """Every module under modules_dir, validated: (modules, errors, warnings).

    Lessons' skill ids are checked against `guide` (default: the exam guide of the content
    root that holds modules_dir).
    """
    errors: list[ContentError] = []
    warnings: list[str] = []
    modules: list[ModuleSource] = []
    folders = sorted(p for p in modules_dir.iterdir() if p.is_dir() and not p.name.startswith("."))
    for folder in folders:
        slug_problem = _slug_error(folder, folder.name, "module folder")
        if slug_problem:
            errors.append(slug_problem)
            continue
        module = _read_module(folder, errors)
        lesson_files = sorted(folder.glob("*.md"))
        if not lesson_files:
            # Not an error: authors add the folder first and its lessons next.
            warnings.append(f"{folder}: module has no lessons yet")
        for path in lesson_files:
            slug_problem = _slug_error(path, path.stem, "lesson file")
            if slug_problem:
                errors.append(slug_problem)
                continue
            if guide is None:
                guide = guide_for(modules_dir.parent)  # read once, when a lesson needs it
            lesson = _read_lesson(path, errors, guide)
            if lesson and module:
                module.lessons.append(lesson)
                if not EXAM_FOCUS_RE.search(lesson.body):
                    warnings.append(f"{path}: lesson has no '## Exam focus' section")
        if module:
            _check_unique_orders(module.lessons, "lesson", errors)
            modules.append(module)
    _check_unique_orders(modules, "module", errors)
    return modules, errors, warnings
