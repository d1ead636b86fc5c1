"""A lab as authored in content/labs/<slug>/: lab.yaml, checked by pydantic models, to a LabSpec."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Annotated, Any, TypeVar

from django.conf import settings
from pydantic import (
    AfterValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from core import documents
from core.content import ContentError, ContentErrors, read_text
from core.documents import Document, Loc, Model, Problem, invalid, invalid_all, one_of
from core.exam import Difficulty, Domain, Task, TopicTags
from core.guide import GUIDE_FILE, Guide, Skills, guide_for
from labs.checks import CHECKS
from simulator import did_you_mean, scenario_kinds

# Score bands every lab proves (validate_lab): correct answers at or above, cheats below.
DEFAULT_BANDS = {"alternatives": 90, "cheats": 70}
VARIANT_KINDS = ("alternatives", "cheats")
# Source trees shipped with a lab are small; this cap keeps a mistake from bloating the database.
MAX_TREE_BYTES = 2_000_000
# Files a scenario kind cannot run without (a kind of simulator/scenarios/kinds needs only a world).
SCENARIO_NEEDS = {
    "build": ("buildspec",),
    "deploy": ("appspec", "group"),
    "pipeline": ("pipeline",),
}
EDITABLE = ("buildspec", "appspec", "pipeline", "template")
PERCENT = "a whole percent from 1 to 100"
T = TypeVar("T")


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


def _scenario_kind(value: str) -> str:
    # Read when validating: a kind module added under simulator/scenarios/kinds counts at once.
    kinds = ("check", *scenario_kinds())
    if value not in kinds:
        hint = did_you_mean(value, kinds) or f"one of {', '.join(kinds)}"
        raise invalid(f"unknown scenario kind {value!r}", hint)
    return value


class HintItem(Model):
    """A hint as written: its text and what revealing it costs."""

    noun = "hint"
    text: str
    cost: int = Field(default=0, ge=0, description="a whole number of points ≥ 0")


class CheckItem(Model):
    """A check as written; keys other than these are the parameters of its type."""

    model_config = ConfigDict(extra="allow")
    noun = "check"
    id: str = ""
    type: Annotated[str, one_of(CHECKS, "check type", "see labs/check_types/")]
    points: int = Field(default=10, ge=1, description="a positive whole number")
    feedback: str = ""
    lesson: str = ""
    title: str = ""

    @property
    def params(self) -> dict[str, Any]:
        return dict(self.model_extra or {})


class Scenario(Model):
    """What runs the learner's files; keys of the lab's kind beyond these go to that kind."""

    model_config = ConfigDict(extra="allow")
    kind: Annotated[str, AfterValidator(_scenario_kind)]
    world: str = Field(default="", description="the lab's world.yaml")
    source: str = ""
    revision: str = ""
    sources: dict[str, str] = {}
    trees: dict[str, str] = Field(default={}, description="tree name -> folder of the lab")
    buildspec: str = ""
    appspec: str = ""
    pipeline: str = ""
    template: str = ""
    group: str = ""
    buildspec_fixed: bool = False
    appspec_fixed: bool = False
    pipeline_fixed: bool = False
    template_fixed: bool = False

    def problems(self, files: set[str]) -> list[Problem]:
        """What the scenario lacks or names wrongly, given the files learners edit."""
        found = [
            Problem(f"a {self.kind} scenario needs scenario.{key}", at=("scenario",), key=True)
            for key in SCENARIO_NEEDS.get(self.kind, ())
            if key not in self.model_fields_set
        ]
        for key in EDITABLE if self.kind != "check" else ():
            name = getattr(self, key)
            if name and name not in files and not getattr(self, f"{key}_fixed"):
                message = f"scenario.{key} names '{name}', which is not in files"
                found.append(
                    Problem(message, f"files: {', '.join(sorted(files))}", ("scenario", key))
                )
        if self.kind != "check" and not self.world:
            message = f"a {self.kind} scenario needs scenario.world (a world.yaml)"
            found.append(Problem(message, at=("scenario",), key=True))
        return found


class Bands(Model):
    """Score bands: alternatives score at least `alternatives`, cheats below `cheats` percent."""

    alternatives: int = Field(
        default=DEFAULT_BANDS["alternatives"], ge=1, le=100, description=PERCENT
    )
    cheats: int = Field(default=DEFAULT_BANDS["cheats"], ge=1, le=100, description=PERCENT)


class Lab(Model):
    """lab.yaml."""

    title: str
    summary: str
    domain: Domain
    task: Task
    tags: TopicTags
    difficulty: Difficulty
    minutes: int = Field(ge=1, description="a positive whole number")
    order: int = 100
    lesson: str = ""
    objectives: list[str]
    instructions: str = Field(description="Markdown text, or the name of a .md file of the lab")
    scenario: Scenario
    files: dict[str, str] = Field(description="editable file name -> starter file of the lab")
    reference: dict[str, str] = Field(description="editable file name -> its reference answer")
    hints: list[HintItem] = []
    checks: list[CheckItem] = Field(min_length=1)
    skills: Skills = []
    bands: Bands = Bands()

    @field_validator("checks")
    @classmethod
    def _checks_named_and_complete(cls, checks: list[CheckItem]) -> list[CheckItem]:
        named = [
            c.model_copy(update={"id": c.id or f"{c.type}-{i + 1}"}) for i, c in enumerate(checks)
        ]
        problems, seen = [], set()
        for index, check in enumerate(named):
            if check.id in seen:
                problems.append(Problem(f"duplicate check id '{check.id}'", at=(index, "id")))
            seen.add(check.id)
            problem = CHECKS[check.type].validate(check.params)
            if problem:
                problems.append(Problem(f"check '{check.id}': {problem}", at=(index,)))
        if problems:
            raise invalid_all(problems)
        return named

    @model_validator(mode="after")
    def _files_agree(self) -> Lab:
        problems = self.scenario.problems(set(self.files))
        if not self.files:
            problems.append(Problem("'files' must map file names to paths", at=("files",)))
        if set(self.files) != set(self.reference):
            message = "reference must provide exactly the files learners edit"
            problems.append(
                Problem(message, f"files: {', '.join(sorted(self.files))}", ("reference",))
            )
        if problems:
            raise invalid_all(problems)
        return self


def parse_lab(lab_dir: Path) -> LabSpec:
    """Read and validate content/labs/<slug>/lab.yaml and the files it names.

    Raises ContentErrors listing every problem of the lab: lab.yaml's, then (once it is valid)
    each file or folder it names that cannot be read.
    """
    path = lab_dir / "lab.yaml"
    if not path.is_file():
        raise ContentErrors([ContentError(lab_dir, None, "missing lab.yaml")])
    try:
        document = documents.load(path)
    except ContentError as exc:
        raise ContentErrors([exc]) from exc
    lab, errors = documents.validate(document, Lab, context={"guide": _guide()})
    if lab is None:
        raise ContentErrors(errors)

    def read(loc: Loc) -> str:
        rel = str(document.get(loc))
        return _noted(errors, partial(_lab_file, lab_dir, rel, document, loc), "")

    instructions = lab.instructions
    if instructions.endswith(".md") and "\n" not in instructions:
        instructions = read(("instructions",))
    files = {name: read(("files", name)) for name in lab.files}
    reference = {name: read(("reference", name)) for name in lab.reference}
    trees = _scenario_trees(lab_dir, lab.scenario, document, errors)
    world = read(("scenario", "world")) if lab.scenario.world else ""
    variants = {k: v for k in VARIANT_KINDS if (v := _read_variants(lab_dir, k, files, errors))}
    if errors:
        raise ContentErrors(errors)
    digest = hashlib.sha256()
    for rel in sorted(p.relative_to(lab_dir).as_posix() for p in lab_dir.rglob("*") if p.is_file()):
        digest.update(rel.encode() + b"\0" + (lab_dir / rel).read_bytes() + b"\0")
    return LabSpec(
        slug=lab_dir.name, title=lab.title, summary=lab.summary, domain=lab.domain,
        task=lab.task, tags=lab.tags, difficulty=lab.difficulty, minutes=lab.minutes,
        order=lab.order, lesson=lab.lesson, objectives=lab.objectives, instructions=instructions,
        scenario=dict(document.data["scenario"]), files=files, reference=reference,
        trees=trees, world=world,
        hints=[Hint(h.text, h.cost) for h in lab.hints],
        checks=[CheckSpec(c.id, c.type, c.points, c.feedback, c.params, c.lesson, c.title)
                for c in lab.checks],
        source_hash=digest.hexdigest(), skills=lab.skills, bands=lab.bands.model_dump(),
        variants=variants,
    )  # fmt: skip


def _guide() -> Guide | None:
    """The content root's exam guide, when it has one (skill ids are checked against it)."""
    root = Path(settings.CONTENT_ROOT)
    return guide_for(root) if (root / GUIDE_FILE).is_file() else None


def _noted(errors: list[ContentError], read: Callable[[], T], empty: T) -> T:
    """read(), or `empty` with its error noted: a lab reports every file it cannot read at once."""
    try:
        return read()
    except ContentError as exc:
        errors.append(exc)
        return empty


def _lab_file(lab_dir: Path, rel: str, document: Document, loc: Loc) -> str:
    path = (lab_dir / rel).resolve()
    if lab_dir.resolve() not in path.parents or not path.is_file():
        raise document.error(loc, f"file '{rel}' not found inside the lab")
    return read_text(path)


def _scenario_trees(
    lab_dir: Path, scenario: Scenario, document: Document, errors: list[ContentError]
) -> dict[str, dict[str, str]]:
    """The read-only trees the scenario names: source, revision, sources/<name>, and any other a
    kind needs (a function's code, a lab-owned buildspec folder)."""
    named: dict[str, tuple[str, Loc]] = {}
    for key in ("source", "revision"):
        if getattr(scenario, key):
            named[key] = (getattr(scenario, key), ("scenario", key))
    for name, rel in scenario.sources.items():
        named[f"sources/{name}"] = (rel, ("scenario", "sources", name))
    for name, rel in scenario.trees.items():
        named[name] = (rel, ("scenario", "trees", name))
    return {
        name: _noted(errors, partial(_read_tree, lab_dir, rel, partial(document.error, loc)), {})
        for name, (rel, loc) in named.items()
    }


def _read_tree(lab_dir: Path, rel: str, fail: Callable[[str], ContentError]) -> dict[str, str]:
    root = (lab_dir / rel).resolve()
    if not root.is_dir() or lab_dir.resolve() not in root.parents:
        raise fail(f"folder '{rel}' not found inside the lab")
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
        raise fail(f"folder '{rel}' is larger than 2 MB")
    return tree


def _read_variants(
    lab_dir: Path, kind: str, files: dict[str, str], errors: list[ContentError]
) -> dict[str, dict[str, str]]:
    """alternatives/<name>/ or cheats/<name>/: the editable files that variant changes."""
    root = lab_dir / kind
    if not root.is_dir():
        return {}
    out: dict[str, dict[str, str]] = {}
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        read = partial(_variant, lab_dir, f"{kind}/{folder.name}", folder, files)
        if tree := _noted(errors, read, dict[str, str]()):
            out[folder.name] = tree
    return out


def _variant(lab_dir: Path, rel: str, folder: Path, files: dict[str, str]) -> dict[str, str]:
    fail = partial(ContentError, folder, None)
    tree = _read_tree(lab_dir, rel, fail)
    if not tree or set(tree) - set(files):
        raise fail(f"{rel} must hold only files the learner edits ({', '.join(sorted(files))})")
    return tree
