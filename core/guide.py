"""Read content/exam-guide.yaml (the DVA-C02 blueprint), check skill ids, load Skill rows."""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from core.content import ContentError, ContentErrors, LoadReport, read_text, yaml_load
from core.exam import DOMAINS, TASKS, TOPIC_TAGS

GUIDE_FILE = "exam-guide.yaml"
SKILL_ID_RE = re.compile(r"^(?P<task>[1-9]\.[1-9])\.(?P<letter>[ks])(?P<number>[1-9][0-9]*)$")
KIND_OF_LETTER = {"k": "knowledge", "s": "skill"}
TOP_KEYS = ("exam", "guide_version", "source", "domains")
DOMAIN_KEYS = ("number", "title", "weight", "tasks")
TASK_KEYS = ("id", "title", "items")
ITEM_KEYS = ("id", "kind", "text", "topics")
MAX_TEXT = 300


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


def _did_you_mean(word: str, choices: Sequence[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else ""


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


class _Reader:
    """Walks the composed YAML nodes so every error carries the line of the offending value."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.errors: list[ContentError] = []

    def error(self, node: yaml.Node, message: str, hint: str = "") -> None:
        self.errors.append(ContentError(self.path, _line(node), message, hint))

    def mapping(
        self, node: yaml.Node, keys: tuple[str, ...], what: str
    ) -> dict[str, yaml.Node] | None:
        if not isinstance(node, yaml.MappingNode):
            self.error(node, f"{what} must be a mapping with the keys {', '.join(keys)}")
            return None
        fields: dict[str, yaml.Node] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value)
            if key not in keys:
                hint = _did_you_mean(key, keys) or f"allowed keys: {', '.join(keys)}"
                self.error(key_node, f"{what}: unknown key '{key}'", hint)
            fields[key] = value_node
        missing = [k for k in keys if k not in fields]
        for key in missing:
            self.error(node, f"{what}: missing required key '{key}'")
        return None if missing else fields

    def scalar(self, node: yaml.Node) -> Any:
        if not isinstance(node, yaml.ScalarNode):
            return None  # a list or mapping where a value belongs: callers report it
        return _resolve(node)

    def text(self, node: yaml.Node, what: str, *, max_length: int = MAX_TEXT) -> str | None:
        value = self.scalar(node)
        if not isinstance(value, str) or not value.strip():
            self.error(node, f"{what} must be non-empty text")
            return None
        if len(value) > max_length:
            self.error(node, f"{what} is longer than {max_length} characters", "say it shorter")
            return None
        return value.strip()

    def sequence(self, node: yaml.Node, what: str) -> list[yaml.Node] | None:
        if not isinstance(node, yaml.SequenceNode) or not node.value:
            self.error(node, f"{what} must be a non-empty list")
            return None
        return list(node.value)


def _resolve(node: yaml.ScalarNode) -> Any:
    # Construct one scalar with the safe constructor (ints, bools, strings), nothing else.
    loader = yaml.SafeLoader("")
    try:
        return loader.construct_object(node, deep=True)
    finally:
        loader.dispose()


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
        text = read_text(path)  # size, binary and encoding checks
        yaml_load(path, text)  # hardened pass: refuses alias bombs, Python tags, deep nesting
    except ContentError as exc:
        raise ContentErrors([exc]) from exc
    document = yaml.compose(text, Loader=yaml.SafeLoader)
    reader = _Reader(path)
    if document is None:
        raise ContentErrors([ContentError(path, 1, "the exam guide is empty")])
    top = reader.mapping(document, TOP_KEYS, "exam guide")
    if top is None:
        raise ContentErrors(reader.errors)
    exam = reader.text(top["exam"], "'exam'") or ""
    version = reader.scalar(top["guide_version"])
    if not isinstance(version, str):
        reader.error(top["guide_version"], "'guide_version' must be quoted text", 'write "2.1"')
        version = ""
    source = reader.text(top["source"], "'source'", max_length=1000) or ""
    skills: dict[str, SkillSpec] = {}
    seen_domains: set[int] = set()
    seen_tasks: set[str] = set()
    for domain_node in reader.sequence(top["domains"], "'domains'") or []:
        _read_domain(reader, domain_node, skills, seen_domains, seen_tasks)
    for number in sorted(set(DOMAINS) - seen_domains):
        reader.error(top["domains"], f"domain {number} ({DOMAINS[number][0]}) is missing")
    for task in TASKS:
        if task not in seen_tasks and int(task[0]) in seen_domains:
            reader.error(top["domains"], f"task statement {task} ({TASKS[task]}) is missing")
    if reader.errors:
        raise ContentErrors(reader.errors)
    return Guide(path=path, exam=exam, version=version, source=source, skills=skills)


def _read_domain(
    reader: _Reader,
    node: yaml.Node,
    skills: dict[str, SkillSpec],
    seen_domains: set[int],
    seen_tasks: set[str],
) -> None:
    fields = reader.mapping(node, DOMAIN_KEYS, "domain")
    if fields is None:
        return
    number = reader.scalar(fields["number"])
    if type(number) is not int or number not in DOMAINS:
        reader.error(fields["number"], f"domain number must be 1, 2, 3 or 4, not {number!r}")
        return
    if number in seen_domains:
        reader.error(fields["number"], f"domain {number} is listed twice")
        return
    seen_domains.add(number)
    name, weight = DOMAINS[number]
    title = reader.text(fields["title"], f"domain {number} title")
    if title is not None and title != name:
        reader.error(
            fields["title"],
            f"domain {number} title {title!r} differs from core/exam.py ({name!r})",
            "the guide and core.exam.DOMAINS must agree",
        )
    if reader.scalar(fields["weight"]) != weight:
        reader.error(
            fields["weight"],
            f"domain {number} weight must be {weight} (core/exam.py DOMAINS)",
        )
    for task_node in reader.sequence(fields["tasks"], f"domain {number} 'tasks'") or []:
        _read_task(reader, task_node, number, skills, seen_tasks)


def _read_task(
    reader: _Reader,
    node: yaml.Node,
    domain: int,
    skills: dict[str, SkillSpec],
    seen_tasks: set[str],
) -> None:
    fields = reader.mapping(node, TASK_KEYS, "task")
    if fields is None:
        return
    task = reader.scalar(fields["id"])
    if not isinstance(task, str):
        reader.error(fields["id"], f"task id must be quoted text, not {task!r}", 'write id: "1.2"')
        return
    if task not in TASKS:
        hint = _did_you_mean(task, list(TASKS)) or f"one of {', '.join(TASKS)}"
        reader.error(fields["id"], f"unknown task statement '{task}'", hint)
        return
    if not task.startswith(f"{domain}."):
        reader.error(fields["id"], f"task {task} is listed under domain {domain}")
        return
    if task in seen_tasks:
        reader.error(fields["id"], f"task {task} is listed twice")
        return
    seen_tasks.add(task)
    title = reader.text(fields["title"], f"task {task} title")
    if title is not None and title != TASKS[task]:
        reader.error(
            fields["title"],
            f"task {task} title {title!r} differs from core/exam.py ({TASKS[task]!r})",
            "the guide and core.exam.TASKS must agree",
        )
    counters = {"k": 0, "s": 0}
    for item_node in reader.sequence(fields["items"], f"task {task} 'items'") or []:
        _read_item(reader, item_node, domain, task, counters, skills)


def _read_item(
    reader: _Reader,
    node: yaml.Node,
    domain: int,
    task: str,
    counters: dict[str, int],
    skills: dict[str, SkillSpec],
) -> None:
    fields = reader.mapping(node, ITEM_KEYS, f"item of task {task}")
    if fields is None:
        return
    code = reader.scalar(fields["id"])
    match = SKILL_ID_RE.match(code) if isinstance(code, str) else None
    if match is None:
        reader.error(
            fields["id"], f"invalid item id {code!r}", f'write "{task}.k1" or "{task}.s1" style'
        )
        return
    if match["task"] != task:
        reader.error(fields["id"], f"item {code} is listed under task {task}")
        return
    if code in skills:
        reader.error(fields["id"], f"duplicate item id {code} (first at line {skills[code].line})")
        return
    letter = match["letter"]
    counters[letter] += 1
    if int(match["number"]) != counters[letter]:
        reader.error(
            fields["id"],
            f"item {code} is out of sequence: expected {task}.{letter}{counters[letter]}",
            "number items in the order the guide lists them, from 1, without gaps",
        )
        counters[letter] = int(match["number"])
    kind = reader.scalar(fields["kind"])
    if kind != KIND_OF_LETTER[letter]:
        reader.error(
            fields["kind"],
            f"item {code}: kind must be '{KIND_OF_LETTER[letter]}' for a '.{letter}' id, "
            f"not {kind!r}",
        )
    text = reader.text(fields["text"], f"item {code} text")
    topics: list[str] = []
    topic_nodes = reader.sequence(fields["topics"], f"item {code} 'topics'") or []
    for topic_node in topic_nodes:
        topic = reader.scalar(topic_node)
        if not isinstance(topic, str) or topic not in TOPIC_TAGS:
            hint = _did_you_mean(str(topic), list(TOPIC_TAGS)) or "see TOPIC_TAGS in core/exam.py"
            reader.error(topic_node, f"item {code}: unknown topic tag {topic!r}", hint)
        elif topic in topics:
            reader.error(topic_node, f"item {code}: topic '{topic}' is listed twice")
        else:
            topics.append(topic)
    skills[code] = SkillSpec(
        code=code,
        kind=KIND_OF_LETTER[letter],
        domain=domain,
        task=task,
        number=int(match["number"]),
        position=len(skills) + 1,
        text=text or "",
        topics=tuple(topics),
        line=_line(fields["id"]),
    )


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


Problem = tuple[int | None, str, str]


def check_skill_list(value: Any, guide: Guide) -> tuple[list[str], list[Problem]]:
    """Validate a `skills:` value: (the ids, problems as (list index or None, message, hint)).

    Shared by every loader that accepts `skills:` so the rules and messages are the same.
    """
    problems: list[Problem] = []
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
                hint = _did_you_mean(code, list(guide.skills)) or "see content/exam-guide.yaml"
            problems.append((index, f"unknown skill id '{code}'", hint))
        elif code in codes:
            problems.append((index, f"skill '{code}' is listed twice", ""))
        else:
            codes.append(code)
    return codes, problems


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
