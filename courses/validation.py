"""Read and validate study-module files (module.yaml + lesson Markdown) before anything is saved."""

from __future__ import annotations

import difflib
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from core.content import ContentError, read_text, split_front_matter, yaml_load
from core.exam import DOMAINS, TASKS, TOPIC_TAGS
from core.guide import Guide, check_skill_list, guide_for
from core.markdown import RENDER_VERSION

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# Slugs that would collide with fixed URLs under /study/.
RESERVED_SLUGS = frozenset({"search"})
MAX_SLUG = 100
MAX_TITLE = 200
EXAM_FOCUS_RE = re.compile(r"^##\s+Exam focus\s*$", re.IGNORECASE | re.MULTILINE)

MODULE_KEYS = ("title", "summary", "order", "domain")
LESSON_KEYS = ("title", "order", "skills", "domain", "task", "tags", "minutes")
# Derived from the first skill when omitted; when given, they must agree with it.
LESSON_OPTIONAL = ("domain", "task")


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


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"true/false ({str(value).lower()})"
    if isinstance(value, int | float):
        return f"a number ({value})"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def _did_you_mean(word: str, choices: list[str] | tuple[str, ...]) -> str:
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else ""


class _Checker:
    """Collects every problem in one file, each with the line of the offending key."""

    def __init__(self, path: Path, text: str, first_line: int, errors: list[ContentError]):
        self.path = path
        self.first_line = first_line
        self.errors = errors
        self.key_lines: dict[str, int] = {}
        self.value_nodes: dict[str, yaml.Node] = {}
        self._index_keys(text)

    def _index_keys(self, text: str) -> None:
        # The text already parsed with yaml.safe_load, so composing it cannot fail.
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        if not isinstance(node, yaml.MappingNode):
            return
        for key_node, value_node in node.value:
            key = str(key_node.value)
            line = key_node.start_mark.line + self.first_line
            if key in self.key_lines:
                self.error(line, f"duplicate key '{key}'", "keep only one of them")
            self.key_lines[key] = line
            self.value_nodes[key] = value_node

    def line(self, key: str | None = None) -> int:
        if key and key in self.key_lines:
            return self.key_lines[key]
        return self.first_line

    def item_line(self, key: str, index: int) -> int:
        node = self.value_nodes.get(key)
        if isinstance(node, yaml.SequenceNode) and index < len(node.value):
            return node.value[index].start_mark.line + self.first_line
        return self.line(key)

    def error(self, line: int | None, message: str, hint: str = "") -> None:
        self.errors.append(ContentError(self.path, line, message, hint))

    def keys(self, data: dict, allowed: tuple[str, ...], optional: tuple[str, ...] = ()) -> None:
        for key in data:
            if key not in allowed:
                hint = _did_you_mean(str(key), allowed) or f"allowed keys: {', '.join(allowed)}"
                self.error(self.line(str(key)), f"unknown key '{key}'", hint)
        for key in allowed:
            if key not in data and key not in optional:
                self.error(self.line(), f"missing required key '{key}'", f"add '{key}: …'")

    def text(self, data: dict, key: str, *, max_length: int | None = None) -> str | None:
        value = data.get(key)
        if key not in data:
            return None
        if not isinstance(value, str) or not value.strip():
            self.error(self.line(key), f"'{key}' must be non-empty text, not {_kind(value)}")
            return None
        if max_length and len(value) > max_length:
            self.error(self.line(key), f"'{key}' is longer than {max_length} characters")
            return None
        return value.strip()

    def integer(self, data: dict, key: str, *, minimum: int, maximum: int | None = None):
        value = data.get(key)
        if key not in data:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.error(self.line(key), f"'{key}' must be a whole number, not {_kind(value)}")
            return None
        if value < minimum or (maximum is not None and value > maximum):
            bounds = f"between {minimum} and {maximum}" if maximum is not None else f"≥ {minimum}"
            self.error(self.line(key), f"'{key}' must be {bounds}, not {value}")
            return None
        return value

    def domain(self, data: dict) -> int | None:
        return self.integer(data, "domain", minimum=min(DOMAINS), maximum=max(DOMAINS))

    def task(self, data: dict, domain: int | None) -> str | None:
        if "task" not in data:
            return None
        value = data["task"]
        if isinstance(value, int | float) and not isinstance(value, bool):
            self.error(
                self.line("task"),
                f"'task' must be quoted text, not {_kind(value)}",
                f'write task: "{value}" (YAML reads an unquoted 3.4 as a number)',
            )
            return None
        if not isinstance(value, str) or value not in TASKS:
            hint = f"one of {', '.join(TASKS)}"
            self.error(self.line("task"), f"unknown exam task {value!r}", hint)
            return None
        if domain is not None and not value.startswith(f"{domain}."):
            self.error(
                self.line("task"),
                f"task {value} belongs to domain {value.split('.')[0]}, but 'domain' is {domain}",
                "make the domain and the task agree",
            )
            return None
        return value

    def tags(self, data: dict) -> list[str] | None:
        if "tags" not in data:
            return None
        value = data["tags"]
        if not isinstance(value, list) or not value:
            self.error(
                self.line("tags"),
                f"'tags' must be a non-empty list, not {_kind(value)}",
                "write tags: [codebuild, buildspec]",
            )
            return None
        tags: list[str] = []
        ok = True
        for index, tag in enumerate(value):
            line = self.item_line("tags", index)
            if not isinstance(tag, str):
                self.error(line, f"tag must be text, not {_kind(tag)}")
                ok = False
            elif tag not in TOPIC_TAGS:
                hint = _did_you_mean(tag, list(TOPIC_TAGS)) or "see TOPIC_TAGS in core/exam.py"
                self.error(line, f"unknown topic tag '{tag}'", hint)
                ok = False
            elif tag in tags:
                self.error(line, f"tag '{tag}' is listed twice")
                ok = False
            else:
                tags.append(tag)
        return tags if ok else None

    def skills(self, data: dict, guide: Guide) -> list[str] | None:
        if "skills" not in data:
            return None
        codes, problems = check_skill_list(data["skills"], guide)
        for index, message, hint in problems:
            line = self.item_line("skills", index) if index is not None else self.line("skills")
            self.error(line, message, hint)
        return None if problems else codes

    def derived(
        self, key: str, stated: int | str | None, derived: int | str, first_skill: str
    ) -> None:
        """A stated domain/task must agree with the first skill (the one that decides them)."""
        if stated is not None and stated != derived:
            self.error(
                self.line(key),
                f"'{key}' is {stated} but the first skill {first_skill} belongs to {key} {derived}",
                f"remove '{key}' (it is derived from the first skill) or reorder 'skills'",
            )


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
        data = yaml_load(path, text)
    except ContentError as exc:
        errors.append(exc)
        return None
    if not isinstance(data, dict):
        errors.append(ContentError(path, 1, f"module.yaml must be a mapping, not {_kind(data)}"))
        return None
    before = len(errors)
    check = _Checker(path, text, 1, errors)
    check.keys(data, MODULE_KEYS)
    title = check.text(data, "title", max_length=MAX_TITLE)
    summary = check.text(data, "summary")
    order = check.integer(data, "order", minimum=0)
    domain = check.domain(data)
    if len(errors) > before:
        return None
    # The checker appended an error for every missing or malformed value, so none is None here.
    assert title is not None and summary is not None and domain is not None
    return ModuleSource(
        slug=folder.name,
        path=path,
        source_hash=source_hash(text),
        title=title,
        summary=summary,
        order=order,
        domain=domain,
        order_line=check.line("order"),
    )


def _read_lesson(path: Path, errors: list[ContentError], guide: Guide) -> LessonSource | None:
    try:
        text = read_text(path)
        doc = split_front_matter(path, text)
    except ContentError as exc:
        errors.append(exc)
        return None
    before = len(errors)
    check = _Checker(path, doc.meta_text, 2, errors)
    check.keys(doc.meta, LESSON_KEYS, LESSON_OPTIONAL)
    title = check.text(doc.meta, "title", max_length=MAX_TITLE)
    order = check.integer(doc.meta, "order", minimum=0)
    skills = check.skills(doc.meta, guide)
    domain = check.domain(doc.meta)
    task = check.task(doc.meta, domain)
    if skills:
        first = guide.skills[skills[0]]
        check.derived("domain", domain, first.domain, first.code)
        check.derived("task", task, first.task, first.code)
        domain, task = first.domain, first.task
    tags = check.tags(doc.meta)
    minutes = check.integer(doc.meta, "minutes", minimum=1)
    if not doc.body.strip():
        check.error(doc.body_first_line, "the lesson has no body", "write the lesson below '---'")
    if len(errors) > before:
        return None
    assert title is not None and domain is not None and task is not None and tags is not None
    return LessonSource(
        slug=path.stem,
        path=path,
        source_hash=source_hash(text),
        title=title,
        order=order,
        domain=domain,
        task=task,
        tags=tags,
        minutes=minutes,
        body=doc.body,
        order_line=check.line("order"),
        skills=skills or [],
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
