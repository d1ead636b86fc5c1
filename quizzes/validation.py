"""Validate question YAML files, pointing every problem at its file and line (YAML node marks)."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from core.content import ContentError, read_text, yaml_load
from core.exam import DIFFICULTIES, DOMAINS, TASKS, TOPIC_TAGS

ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,118}[a-z0-9]$")
LESSON_RE = re.compile(r"^[a-z0-9][a-z0-9-]*/[a-z0-9][a-z0-9-]*$")
QUESTION_KEYS = {
    "id",
    "domain",
    "task",
    "tags",
    "difficulty",
    "type",
    "choose",
    "stem",
    "options",
    "lesson",
    "references",
}
REQUIRED_KEYS = QUESTION_KEYS - {"lesson", "references"}
OPTION_KEYS = {"text", "correct", "explanation"}
MIN_OPTIONS = {"single": 4, "multiple": 5}
TYPE_NAMES = {"single": "single-answer", "multiple": "multiple-response"}


@dataclass
class OptionSpec:
    """A validated option."""

    position: int
    text: str
    correct: bool
    explanation: str


@dataclass
class QuestionSpec:
    """A validated question, with where it came from."""

    external_id: str
    domain: int
    task: str
    tags: list[str]
    difficulty: str
    type: str
    choose: int
    stem: str
    options: list[OptionSpec]
    lesson: str
    references: list[str]
    path: Path
    line: int
    source_file: str = ""
    raw: dict[str, Any] = field(default_factory=dict)


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def _did_you_mean(word: str, choices: set[str] | list[str]) -> str:
    close = difflib.get_close_matches(word, sorted(choices), n=1)
    return f"did you mean '{close[0]}'?" if close else ""


def _mapping(node: yaml.Node) -> dict[str, tuple[yaml.Node, yaml.Node]]:
    """Key → (key node, value node) of a mapping node."""
    return {str(k.value): (k, v) for k, v in node.value}


def _scalar(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    return loader.construct_object(node, deep=True)


def parse_file(path: Path, root: Path) -> tuple[list[QuestionSpec], list[ContentError]]:
    """Parse and validate one questions file; return the good questions and every error."""
    text = read_text(path)
    errors: list[ContentError] = []
    try:
        # The hardened loader first: it refuses what would crash or hang the composer below
        # (deep nesting, alias bombs, Python tags, huge numbers) with the line of the problem.
        yaml_load(path, text)
    except ContentError as exc:
        return [], [exc]
    loader = yaml.SafeLoader(text)
    try:
        document = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        return [], [ContentError(path, mark.line + 1 if mark else None, f"invalid YAML: {exc}")]
    finally:
        loader.dispose()
    if document is None or not isinstance(document, yaml.MappingNode):
        return [], [ContentError(path, 1, "expected a mapping with a 'questions:' list")]
    top = _mapping(document)
    for key, (key_node, _v) in top.items():
        if key != "questions":
            errors.append(ContentError(path, _line(key_node), f"unknown top-level key '{key}'"))
    if "questions" not in top or not isinstance(top["questions"][1], yaml.SequenceNode):
        line = _line(top["questions"][1]) if "questions" in top else 1
        errors.append(ContentError(path, line, "'questions' must be a list of questions"))
        return [], errors
    relative = path.relative_to(root).as_posix() if path.is_relative_to(root) else path.name
    specs = []
    for q_node in top["questions"][1].value:
        spec = _parse_question(loader, q_node, path, errors)
        if spec is not None:
            spec.source_file = relative
            specs.append(spec)
    return specs, errors


def _parse_question(
    loader: yaml.SafeLoader, node: yaml.Node, path: Path, errors: list[ContentError]
) -> QuestionSpec | None:
    start = len(errors)
    where = _line(node)
    if not isinstance(node, yaml.MappingNode):
        errors.append(ContentError(path, where, "each question must be a mapping of keys"))
        return None
    fields = _mapping(node)
    qid = fields.get("id")
    label = f"question '{qid[1].value}'" if qid else "question"

    def err(key_or_node: str | yaml.Node, message: str, hint: str = "") -> None:
        if isinstance(key_or_node, str):
            line = _line(fields[key_or_node][1]) if key_or_node in fields else where
        else:
            line = _line(key_or_node)
        errors.append(ContentError(path, line, f"{label}: {message}", hint))

    for key, (key_node, _v) in fields.items():
        if key not in QUESTION_KEYS:
            err(key_node, f"unknown key '{key}'", _did_you_mean(key, QUESTION_KEYS))
    for key in sorted(REQUIRED_KEYS - fields.keys()):
        err(node, f"missing required key '{key}'")
    values = {k: _scalar(loader, v) for k, (_kn, v) in fields.items() if k in QUESTION_KEYS}

    external_id = values.get("id")
    if "id" in values and (not isinstance(external_id, str) or not ID_RE.match(external_id)):
        err("id", f"invalid id {external_id!r}", "lower-case letters, digits and '-', 3–120 long")
    domain = values.get("domain")
    if "domain" in values and (type(domain) is not int or domain not in DOMAINS):
        err("domain", f"domain must be 1, 2, 3 or 4, not {domain!r}")
    task = values.get("task")
    if "task" in values:
        if not isinstance(task, str) or task not in TASKS:
            err("task", f"unknown task statement {task!r}", 'quote it: task: "3.4"')
        elif type(domain) is int and not task.startswith(f"{domain}."):
            err("task", f"task {task} does not belong to domain {domain}")
    tags = values.get("tags")
    if "tags" in values:
        if not isinstance(tags, list) or not tags or not all(isinstance(t, str) for t in tags):
            err("tags", "tags must be a non-empty list of topic tags")
        else:
            for tag in tags:
                if tag not in TOPIC_TAGS:
                    err("tags", f"unknown tag '{tag}'", _did_you_mean(tag, set(TOPIC_TAGS)))
            if len(set(tags)) != len(tags):
                err("tags", "a tag is listed twice")
    difficulty = values.get("difficulty")
    if "difficulty" in values and difficulty not in DIFFICULTIES:
        err("difficulty", f"difficulty must be one of {', '.join(DIFFICULTIES)}")
    qtype = values.get("type")
    if "type" in values and qtype not in MIN_OPTIONS:
        err("type", f"type must be 'single' or 'multiple', not {qtype!r}")
    choose = values.get("choose")
    if "choose" in values and (type(choose) is not int or choose < 1):
        err("choose", f"choose must be a positive whole number, not {choose!r}")
    stem = values.get("stem")
    if "stem" in values and (not isinstance(stem, str) or not stem.strip()):
        err("stem", "stem must be non-empty Markdown text")
    lesson = values.get("lesson") or ""
    if "lesson" in values and (not isinstance(lesson, str) or not LESSON_RE.match(lesson)):
        err("lesson", f"lesson must look like '<module-slug>/<lesson-slug>', not {lesson!r}")
    references = values.get("references") or []
    if "references" in values and (
        not isinstance(references, list) or not all(isinstance(r, str) for r in references)
    ):
        err("references", "references must be a list of documentation page titles")

    options = _parse_options(loader, fields.get("options"), path, label, errors)
    if options is not None and qtype in MIN_OPTIONS and type(choose) is int:
        n_correct = sum(o.correct for o in options)
        line = _line(fields["options"][1])
        if len(options) < MIN_OPTIONS[qtype]:
            errors.append(
                ContentError(
                    path,
                    line,
                    f"{label}: a {TYPE_NAMES[qtype]} question needs at least {MIN_OPTIONS[qtype]} "
                    f"options, "
                    f"found {len(options)}",
                )
            )
        if n_correct == 0:
            errors.append(ContentError(path, line, f"{label}: no option is marked correct: true"))
        elif qtype == "single" and n_correct != 1:
            errors.append(
                ContentError(
                    path,
                    line,
                    f"{label}: a single-answer question needs exactly 1 correct option, "
                    f"found {n_correct}",
                    "use type: multiple for more",
                )
            )
        elif qtype == "multiple" and n_correct < 2:
            errors.append(
                ContentError(
                    path,
                    line,
                    f"{label}: a multiple-response question needs 2 or more correct options",
                )
            )
        if n_correct and choose != n_correct:
            err("choose", f"choose is {choose} but {n_correct} option(s) are correct")
    if len(errors) > start:
        return None
    return QuestionSpec(
        external_id=external_id,
        domain=domain,
        task=task,
        tags=list(tags),
        difficulty=difficulty,
        type=qtype,
        choose=choose,
        stem=stem.strip() + "\n",
        options=options or [],
        lesson=lesson,
        references=list(references),
        path=path,
        line=where,
        raw=values,
    )


def _parse_options(
    loader: yaml.SafeLoader,
    entry: tuple[yaml.Node, yaml.Node] | None,
    path: Path,
    label: str,
    errors: list[ContentError],
) -> list[OptionSpec] | None:
    if entry is None:
        return None
    node = entry[1]
    if not isinstance(node, yaml.SequenceNode):
        errors.append(ContentError(path, _line(node), f"{label}: options must be a list"))
        return None
    options: list[OptionSpec] = []
    seen: dict[str, int] = {}
    ok = True
    for position, o_node in enumerate(node.value):
        where = _line(o_node)
        if not isinstance(o_node, yaml.MappingNode):
            errors.append(
                ContentError(path, where, f"{label}: option {position + 1} must be a mapping")
            )
            ok = False
            continue
        fields = _mapping(o_node)
        name = f"{label}, option {position + 1}"
        for key, (key_node, _v) in fields.items():
            if key not in OPTION_KEYS:
                hint = _did_you_mean(key, OPTION_KEYS)
                errors.append(
                    ContentError(path, _line(key_node), f"{name}: unknown key '{key}'", hint)
                )
                ok = False
        values = {k: _scalar(loader, v) for k, (_kn, v) in fields.items()}
        text = values.get("text")
        if not isinstance(text, str | int | float) or not str(text).strip():
            errors.append(ContentError(path, where, f"{name}: missing option text"))
            ok = False
            continue
        text = str(text).strip()
        correct = values.get("correct")
        if not isinstance(correct, bool):
            line = _line(fields["correct"][1]) if "correct" in fields else where
            errors.append(ContentError(path, line, f"{name}: 'correct' must be true or false", ""))
            ok = False
        explanation = values.get("explanation")
        if not isinstance(explanation, str) or not explanation.strip():
            errors.append(
                ContentError(
                    path,
                    where,
                    f"{name}: missing explanation",
                    "every option explains why it is right or wrong",
                )
            )
            ok = False
        normalised = " ".join(text.lower().split())
        if normalised in seen:
            errors.append(
                ContentError(path, where, f"{name}: duplicate of option {seen[normalised] + 1}")
            )
            ok = False
        seen[normalised] = position
        if ok:
            options.append(OptionSpec(position, text, bool(correct), str(explanation).strip()))
    return options if ok else None
