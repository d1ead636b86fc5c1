"""A lab as authored in content/labs/<slug>/: parse and validate lab.yaml into a LabSpec."""

from __future__ import annotations

import difflib
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.content import ContentError, read_text, yaml_load
from core.exam import DIFFICULTIES, DOMAINS, TASKS, TOPIC_TAGS
from labs.checks import CHECKS

SCENARIO_KINDS = ("check", "build", "deploy", "pipeline")
TOP_KEYS = {
    "title", "summary", "domain", "task", "tags", "difficulty", "minutes", "lesson", "order",
    "objectives", "instructions", "scenario", "files", "reference", "hints", "checks",
}  # fmt: skip
REQUIRED = ("title", "summary", "domain", "task", "tags", "difficulty", "minutes", "objectives",
            "instructions", "scenario", "files", "reference", "checks")  # fmt: skip
# Source trees shipped with a lab are small; this cap keeps a mistake from bloating the database.
MAX_TREE_BYTES = 2_000_000


@dataclass(frozen=True)
class Hint:
    """A hint the learner may reveal, at a cost in points."""

    text: str
    cost: int


@dataclass(frozen=True)
class CheckSpec:
    """One declarative check: its type, parameters, points and feedback."""

    id: str
    type: str
    points: int
    feedback: str
    params: dict[str, Any]
    lesson: str = ""
    title: str = ""


@dataclass
class LabSpec:
    """Everything a lab needs to be shown, run and graded."""

    slug: str
    title: str
    summary: str
    domain: int
    task: str
    tags: list[str]
    difficulty: str
    minutes: int
    order: int
    lesson: str
    objectives: list[str]
    instructions: str
    scenario: dict[str, Any]
    files: dict[str, str]  # editable file name -> starter text
    reference: dict[str, str]  # editable file name -> reference text (never sent to learners)
    trees: dict[str, dict[str, str]]  # read-only trees (e.g. "source") -> relative path -> text
    world: str  # world YAML text ("" when the scenario needs none)
    hints: list[Hint] = field(default_factory=list)
    checks: list[CheckSpec] = field(default_factory=list)
    source_hash: str = ""

    @property
    def max_points(self) -> int:
        return sum(c.points for c in self.checks)

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form (stored on the Lab row)."""
        return {
            "slug": self.slug, "title": self.title, "summary": self.summary,
            "domain": self.domain, "task": self.task, "tags": self.tags,
            "difficulty": self.difficulty, "minutes": self.minutes, "order": self.order,
            "lesson": self.lesson, "objectives": self.objectives,
            "instructions": self.instructions, "scenario": self.scenario, "files": self.files,
            "reference": self.reference, "trees": self.trees, "world": self.world,
            "hints": [{"text": h.text, "cost": h.cost} for h in self.hints],
            "checks": [c.__dict__ for c in self.checks], "source_hash": self.source_hash,
        }  # fmt: skip

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LabSpec:
        """Inverse of to_dict."""
        data = dict(data)
        data["hints"] = [Hint(**h) for h in data.get("hints", [])]
        data["checks"] = [CheckSpec(**c) for c in data.get("checks", [])]
        return cls(**data)


def _did_you_mean(word: str, choices) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1)
    return f"did you mean '{close[0]}'?" if close else ""


def _read_tree(lab_dir: Path, rel: str, path_for_errors: Path) -> dict[str, str]:
    root = (lab_dir / rel).resolve()
    if not root.is_dir() or lab_dir.resolve() not in root.parents:
        raise ContentError(path_for_errors, None, f"folder '{rel}' not found inside the lab")
    tree: dict[str, str] = {}
    total = 0
    for path in sorted(root.rglob("*")):
        if path.is_symlink():
            raise ContentError(path, None, "symlinks are not allowed in lab trees")
        if path.is_file():
            text = read_text(path)
            total += len(text)
            tree[path.relative_to(root).as_posix()] = text
    if total > MAX_TREE_BYTES:
        raise ContentError(path_for_errors, None, f"folder '{rel}' is larger than 2 MB")
    return tree


def _lab_file(lab_dir: Path, rel: str, yaml_path: Path, line: int | None) -> str:
    path = (lab_dir / rel).resolve()
    if lab_dir.resolve() not in path.parents or not path.is_file():
        raise ContentError(yaml_path, line, f"file '{rel}' not found inside the lab")
    return read_text(path)


def parse_lab(lab_dir: Path) -> LabSpec:
    """Read and validate content/labs/<slug>/lab.yaml and the files it names."""
    path = lab_dir / "lab.yaml"
    if not path.is_file():
        raise ContentError(lab_dir, None, "missing lab.yaml")
    text = read_text(path)
    data = yaml_load(path, text)
    lines = _key_lines(text)

    def fail(key: str, message: str, hint: str = "") -> ContentError:
        return ContentError(path, lines.get(key), message, hint)

    if not isinstance(data, dict):
        raise ContentError(path, 1, "lab.yaml must be a mapping of keys to values")
    for key in data:
        if key not in TOP_KEYS:
            raise fail(key, f"unknown key '{key}'", _did_you_mean(key, TOP_KEYS))
    for key in REQUIRED:
        if key not in data:
            raise ContentError(path, None, f"missing required key '{key}'")
    if data["domain"] not in DOMAINS:
        raise fail("domain", f"domain must be 1–4, got {data['domain']!r}")
    if str(data["task"]) not in TASKS:
        raise fail("task", f"unknown task statement {data['task']!r}", "use a key of core.exam")
    tags = data["tags"]
    if not isinstance(tags, list) or not tags:
        raise fail("tags", "tags must be a non-empty list")
    for tag in tags:
        if tag not in TOPIC_TAGS:
            raise fail("tags", f"unknown topic tag '{tag}'", _did_you_mean(str(tag), TOPIC_TAGS))
    if data["difficulty"] not in DIFFICULTIES:
        raise fail("difficulty", f"difficulty must be one of {', '.join(DIFFICULTIES)}")
    if not isinstance(data["minutes"], int) or data["minutes"] <= 0:
        raise fail("minutes", "minutes must be a positive whole number")
    objectives = data["objectives"]
    if not isinstance(objectives, list) or not all(isinstance(o, str) for o in objectives):
        raise fail("objectives", "objectives must be a list of sentences")

    instructions = data["instructions"]
    if isinstance(instructions, str) and instructions.endswith(".md") and "\n" not in instructions:
        instructions = _lab_file(lab_dir, instructions, path, lines.get("instructions"))

    scenario = data["scenario"]
    if not isinstance(scenario, dict) or scenario.get("kind") not in SCENARIO_KINDS:
        raise fail("scenario", f"scenario.kind must be one of {', '.join(SCENARIO_KINDS)}")

    files = _file_map(data["files"], "files", lab_dir, path, lines)
    reference = _file_map(data["reference"], "reference", lab_dir, path, lines)
    if set(files) != set(reference):
        raise fail("reference", "reference must provide exactly the files learners edit")

    trees = {}
    for key in ("source", "revision"):
        if scenario.get(key):
            trees[key] = _read_tree(lab_dir, scenario[key], path)
    for name, rel in (scenario.get("sources") or {}).items():
        trees[f"sources/{name}"] = _read_tree(lab_dir, rel, path)
    world = ""
    if scenario.get("world"):
        world = _lab_file(lab_dir, scenario["world"], path, lines.get("scenario"))
    _check_scenario_files(scenario, files, fail)

    hints = []
    for item in data.get("hints") or []:
        if not isinstance(item, dict) or "text" not in item:
            raise fail("hints", "each hint needs 'text' (and optional 'cost')")
        cost = item.get("cost", 0)
        if not isinstance(cost, int) or cost < 0:
            raise fail("hints", "a hint's cost must be a whole number of points ≥ 0")
        hints.append(Hint(str(item["text"]), cost))

    checks = _parse_checks(data["checks"], fail)
    digest = hashlib.sha256()
    for rel in sorted(p.relative_to(lab_dir).as_posix() for p in lab_dir.rglob("*") if p.is_file()):
        digest.update(rel.encode() + b"\0" + (lab_dir / rel).read_bytes() + b"\0")
    return LabSpec(
        slug=lab_dir.name, title=str(data["title"]), summary=str(data["summary"]),
        domain=data["domain"], task=str(data["task"]), tags=tags,
        difficulty=data["difficulty"], minutes=data["minutes"], order=int(data.get("order", 100)),
        lesson=str(data.get("lesson", "")), objectives=objectives, instructions=instructions,
        scenario=scenario, files=files, reference=reference, trees=trees, world=world,
        hints=hints, checks=checks, source_hash=digest.hexdigest(),
    )  # fmt: skip


def _file_map(value, key, lab_dir: Path, path: Path, lines) -> dict[str, str]:
    if not isinstance(value, dict) or not value:
        raise ContentError(path, lines.get(key), f"'{key}' must map file names to paths")
    return {
        str(name): _lab_file(lab_dir, str(rel), path, lines.get(key)) for name, rel in value.items()
    }


def _check_scenario_files(scenario: dict, files: dict[str, str], fail) -> None:
    kind = scenario["kind"]
    needed = {"build": ["buildspec"], "deploy": ["appspec", "group"], "pipeline": ["pipeline"]}
    for key in needed.get(kind, []):
        if key not in scenario:
            raise fail("scenario", f"a {kind} scenario needs scenario.{key}")
    for key in ("buildspec", "appspec", "pipeline", "template"):
        name = scenario.get(key)
        if name and kind != "check" and name not in files and not scenario.get(f"{key}_fixed"):
            raise fail("scenario", f"scenario.{key} names '{name}', which is not in files")
    if kind in ("build", "deploy", "pipeline") and not scenario.get("world"):
        raise fail("scenario", f"a {kind} scenario needs scenario.world (a world.yaml)")


def _parse_checks(items, fail) -> list[CheckSpec]:
    if not isinstance(items, list) or not items:
        raise fail("checks", "checks must be a non-empty list")
    checks, seen = [], set()
    for index, item in enumerate(items):
        if not isinstance(item, dict) or "type" not in item:
            raise fail("checks", f"check #{index + 1} needs a 'type'")
        ctype = item["type"]
        if ctype not in CHECKS:
            raise fail(
                "checks",
                f"check #{index + 1}: unknown type '{ctype}'",
                _did_you_mean(ctype, CHECKS),
            )
        cid = str(item.get("id") or f"{ctype}-{index + 1}")
        if cid in seen:
            raise fail("checks", f"duplicate check id '{cid}'")
        seen.add(cid)
        points = item.get("points", 10)
        if not isinstance(points, int) or points <= 0:
            raise fail("checks", f"check '{cid}': points must be a positive whole number")
        params = {
            k: v
            for k, v in item.items()
            if k not in {"id", "type", "points", "feedback", "lesson", "title"}
        }
        problem = CHECKS[ctype].validate(params)
        if problem:
            raise fail("checks", f"check '{cid}': {problem}")
        checks.append(CheckSpec(
            id=cid, type=ctype, points=points, feedback=str(item.get("feedback", "")),
            params=params, lesson=str(item.get("lesson", "")), title=str(item.get("title", "")),
        ))  # fmt: skip
    return checks


def _key_lines(text: str) -> dict[str, int]:
    lines = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if line and not line[0].isspace() and ":" in line and not line.startswith("#"):
            lines.setdefault(line.split(":", 1)[0].strip(), number)
    return lines
