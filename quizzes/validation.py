"""Validate question YAML files, pointing every problem at its file and line (YAML node marks)."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from core.content import ContentError, read_text, yaml_load
from core.exam import DIFFICULTIES, TOPIC_TAGS
from core.guide import Guide, check_skill_list, guide_for

ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,118}[a-z0-9]$")
LESSON_RE = re.compile(r"^[a-z0-9][a-z0-9-]*/[a-z0-9][a-z0-9-]*$")
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
URL_RE = re.compile(r"^https://[^\s/]+\.[^\s/]+(/\S*)?$")
QUESTION_KEYS = {
    "id",
    "skills",
    "tags",
    "difficulty",
    "type",
    "choose",
    "stem",
    "options",
    "lesson",
    "references",
    "cheatsheet",
}
REQUIRED_KEYS = QUESTION_KEYS - {"lesson", "references", "cheatsheet"}
# Keys of the old format: the domain and task now come from the first skill, so a file cannot
# state a domain that disagrees with what the question tests.
RETIRED_KEYS = {"domain", "task"}
REFERENCE_KEYS = {"title", "url"}
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
    skills: list[str]
    domain: int
    task: str
    tags: list[str]
    difficulty: str
    type: str
    choose: int
    stem: str
    options: list[OptionSpec]
    lesson: str
    # {"title": ..., "url": ...}; a plain-string reference becomes {"title": s, "url": ""}.
    references: list[dict[str, str]]
    path: Path
    line: int
    cheatsheet: str = ""
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


def parse_file(
    path: Path, root: Path, guide: Guide | None = None
) -> tuple[list[QuestionSpec], list[ContentError]]:
    """Parse and validate one questions file; return the good questions and every error.

    `guide` is the exam guide skill ids are checked against (default: the root's guide file;
    a broken or missing guide raises ContentErrors).
    """
    if guide is None:
        guide = guide_for(root)
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
        spec = _parse_question(loader, q_node, path, guide, errors)
        if spec is not None:
            spec.source_file = relative
            specs.append(spec)
    return specs, errors


def _parse_question(
    loader: yaml.SafeLoader,
    node: yaml.Node,
    path: Path,
    guide: Guide,
    errors: list[ContentError],
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
        if key in RETIRED_KEYS:
            err(
                key_node,
                f"'{key}' is no longer written in question files",
                'name what the question tests with skills: ["1.2.s1", ...] (ids from '
                "content/exam-guide.yaml); the first skill decides the task and the domain",
            )
        elif key not in QUESTION_KEYS:
            err(key_node, f"unknown key '{key}'", _did_you_mean(key, QUESTION_KEYS))
    for key in sorted(REQUIRED_KEYS - fields.keys()):
        if key == "skills" and fields.keys() & RETIRED_KEYS:
            continue  # the retired-key error above already says to add skills
        err(node, f"missing required key '{key}'")
    values = {k: _scalar(loader, v) for k, (_kn, v) in fields.items() if k in QUESTION_KEYS}

    external_id = values.get("id")
    if "id" in values and (not isinstance(external_id, str) or not ID_RE.match(external_id)):
        err("id", f"invalid id {external_id!r}", "lower-case letters, digits and '-', 3–120 long")
    skills: list[str] = []
    if "skills" in values:
        skills, problems = check_skill_list(values["skills"], guide)
        skills_node = fields["skills"][1]
        for index, message, hint in problems:
            if index is not None and isinstance(skills_node, yaml.SequenceNode):
                err(skills_node.value[index], message, hint)
            else:
                err("skills", message, hint)
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
    references = _references(fields.get("references"), values.get("references"), err)
    cheatsheet = values.get("cheatsheet") or ""
    if "cheatsheet" in values and (
        not isinstance(cheatsheet, str) or not SLUG_RE.match(cheatsheet) or len(cheatsheet) > 120
    ):
        err(
            "cheatsheet",
            f"cheatsheet must be a cheat sheet slug, not {cheatsheet!r}",
            "the file name of content/cheatsheets/<slug>.md without .md, e.g. cheatsheet: sqs",
        )

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
    # Every missing or malformed field added an error above, so none of these is None here.
    assert external_id is not None and tags is not None and difficulty is not None
    assert qtype is not None and choose is not None and stem is not None
    return QuestionSpec(
        external_id=external_id,
        skills=skills,
        domain=guide.domain_of(skills[0]),
        task=guide.task_of(skills[0]),
        tags=list(tags),
        difficulty=difficulty,
        type=qtype,
        choose=choose,
        stem=stem.strip() + "\n",
        options=options or [],
        lesson=lesson,
        references=references,
        path=path,
        line=where,
        cheatsheet=cheatsheet,
        raw=values,
    )


def _references(
    entry: tuple[yaml.Node, yaml.Node] | None, value: Any, err: Any
) -> list[dict[str, str]]:
    """`references:` as {title, url} dicts; plain strings (the old format) keep a blank url."""
    if entry is None:
        return []
    node = entry[1]
    example = 'write - {title: "AWS Lambda Developer Guide — ...", url: "https://docs.aws..."}'
    if not isinstance(value, list) or not isinstance(node, yaml.SequenceNode):
        err("references", "references must be a list of {title, url} items", example)
        return []
    result: list[dict[str, str]] = []
    for item, item_node in zip(value, node.value, strict=True):
        if isinstance(item, str) and item.strip():
            result.append({"title": item.strip(), "url": ""})
            continue
        if not isinstance(item, dict):
            err(item_node, "a reference must be a {title, url} mapping or a title", example)
            continue
        unknown = sorted(str(k) for k in item if k not in REFERENCE_KEYS)
        for key in unknown:
            err(item_node, f"reference: unknown key '{key}'", _did_you_mean(key, REFERENCE_KEYS))
        title, url = item.get("title"), item.get("url")
        if not isinstance(title, str) or not title.strip():
            err(item_node, "reference: 'title' must be non-empty text", example)
        if not isinstance(url, str) or not URL_RE.match(url.strip()):
            err(
                item_node,
                f"reference: 'url' must be an https:// link, not {url!r}",
                "link the AWS documentation page the facts come from",
            )
        if not unknown and isinstance(title, str) and isinstance(url, str):
            result.append({"title": title.strip(), "url": url.strip()})
    return result


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
