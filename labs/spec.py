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
from simulator import scenario_kinds

TOP_KEYS = {
    "title", "summary", "domain", "task", "tags", "difficulty", "minutes", "lesson", "order",
    "objectives", "instructions", "scenario", "files", "reference", "hints", "checks",
    "skills", "bands",
}  # fmt: skip
# Score bands every lab proves (validate_lab): correct answers at or above, cheats below.
DEFAULT_BANDS = {"alternatives": 90, "cheats": 70}
VARIANT_KINDS = ("alternatives", "cheats")
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
    skills: list[str] = field(default_factory=list)  # exam-guide skill ids, e.g. "3.4.s2"
    bands: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_BANDS))
    # alternatives/cheats: kind -> variant name -> {file name: text} (only what it changes)
    variants: dict[str, dict[str, dict[str, str]]] = field(default_factory=dict)

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
            "skills": self.skills, "bands": self.bands,
        }  # fmt: skip

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LabSpec:
        """Inverse of to_dict."""
        data = dict(data)
        data["hints"] = [Hint(**h) for h in data.get("hints", [])]
        data["checks"] = [CheckSpec(**c) for c in data.get("checks", [])]
        data.pop("variants", None)  # never stored with the lab row
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
    kinds = ("check", *scenario_kinds())
    if not isinstance(scenario, dict) or scenario.get("kind") not in kinds:
        raise fail("scenario", f"scenario.kind must be one of {', '.join(kinds)}")

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
    # Any other read-only tree a kind needs (a function's code, a lab-owned buildspec folder).
    for name, rel in (scenario.get("trees") or {}).items():
        trees[str(name)] = _read_tree(lab_dir, rel, path)
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
    skills = data.get("skills") or []
    if not isinstance(skills, list) or not all(isinstance(x, str) for x in skills):
        raise fail("skills", 'skills must be a list of exam-guide skill ids, e.g. ["3.4.s2"]')
    unknown = [x for x in skills if x not in _known_skills()]
    if unknown and _known_skills():
        raise fail("skills", f"unknown skill id '{unknown[0]}'",
                   _did_you_mean(unknown[0], _known_skills()))  # fmt: skip
    bands = dict(DEFAULT_BANDS)
    raw_bands = data.get("bands") or {}
    if not isinstance(raw_bands, dict) or not set(raw_bands) <= set(DEFAULT_BANDS):
        raise fail("bands", "bands takes alternatives (lowest percent) and cheats (below percent)")
    for key, value in raw_bands.items():
        if not isinstance(value, int) or not 0 < value <= 100:
            raise fail("bands", f"bands.{key} must be a whole percent from 1 to 100")
        bands[key] = value
    variants = {k: v for k in VARIANT_KINDS if (v := _read_variants(lab_dir, k, files, path))}
    digest = hashlib.sha256()
    for rel in sorted(p.relative_to(lab_dir).as_posix() for p in lab_dir.rglob("*") if p.is_file()):
        digest.update(rel.encode() + b"\0" + (lab_dir / rel).read_bytes() + b"\0")
    return LabSpec(
        slug=lab_dir.name, title=str(data["title"]), summary=str(data["summary"]),
        domain=data["domain"], task=str(data["task"]), tags=tags,
        difficulty=data["difficulty"], minutes=data["minutes"], order=int(data.get("order", 100)),
        lesson=str(data.get("lesson", "")), objectives=objectives, instructions=instructions,
        scenario=scenario, files=files, reference=reference, trees=trees, world=world,
        hints=hints, checks=checks, source_hash=digest.hexdigest(), skills=skills,
        bands=bands, variants=variants,
    )  # fmt: skip


def _read_variants(lab_dir: Path, kind: str, files: dict[str, str], path: Path):
    """alternatives/<name>/ or cheats/<name>/: the editable files that variant changes."""
    root = lab_dir / kind
    if not root.is_dir():
        return {}
    out: dict[str, dict[str, str]] = {}
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        tree = _read_tree(lab_dir, f"{kind}/{folder.name}", path)
        unknown = sorted(set(tree) - set(files))
        if unknown or not tree:
            raise ContentError(folder, None, f"{kind}/{folder.name} must hold only files the "
                               f"learner edits ({', '.join(sorted(files))})")  # fmt: skip
        out[folder.name] = tree
    return out


def _known_skills() -> set[str]:
    """Skill ids of content/exam-guide.yaml when it exists (empty: nothing to check against)."""
    from django.conf import settings

    guide = Path(settings.CONTENT_ROOT) / "exam-guide.yaml"
    if not guide.is_file():
        return set()
    data = yaml_load(guide, read_text(guide))
    ids: set[str] = set()

    def walk(node) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("id"), str):
                ids.add(node["id"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(data)
    return ids


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
    if kind != "check" and not scenario.get("world"):
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
    lines: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if line and not line[0].isspace() and ":" in line and not line.startswith("#"):
            lines.setdefault(line.split(":", 1)[0].strip(), number)
    return lines
