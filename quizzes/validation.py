"""Validate question YAML files against pydantic models, every problem at its line and column."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BeforeValidator,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from core.content import ContentError
from core.documents import Document, Model, Problem, invalid_all, load, validate
from core.exam import Difficulty, TopicTags
from core.guide import Guide, Skills, guide_for

ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,118}[a-z0-9]$")
LESSON_RE = re.compile(r"^[a-z0-9][a-z0-9-]*/[a-z0-9][a-z0-9-]*$")
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
URL_RE = re.compile(r"^https://[^\s/]+\.[^\s/]+(/\S*)?$")
MIN_OPTIONS = {"single": 4, "multiple": 5}
TYPE_NAMES = {"single": "single-answer", "multiple": "multiple-response"}
REFERENCE_EXAMPLE = (
    'write - {title: "AWS Lambda Developer Guide — ...", url: "https://docs.aws..."}'
)
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


def _scalar_text(value: Any) -> Any:
    # An option may be a bare number (`text: 443`); YAML's true/false stay refused as text.
    return str(value) if isinstance(value, int | float) and not isinstance(value, bool) else value


class Reference(Model):
    """Where a question's facts come from."""

    noun = "reference"

    title: Text = Field(description=REFERENCE_EXAMPLE)
    url: Annotated[str, StringConstraints(strip_whitespace=True, pattern=URL_RE)] = Field(
        description="an https:// link to the AWS documentation page the facts come from"
    )


class Option(Model):
    """One answer option."""

    noun = "option"

    text: Annotated[Text, BeforeValidator(_scalar_text)]
    correct: bool
    explanation: Text = Field(description="every option explains why it is right or wrong")


class Question(Model):
    """A question as written in a questions file."""

    noun = "question"
    named_by = "id"
    retired = {
        # The domain and task come from the first skill, so a file cannot state a domain that
        # disagrees with what the question tests.
        key: 'name what the question tests with skills: ["1.2.s1", ...] (ids from '
        "content/exam-guide.yaml); the first skill decides the task and the domain"
        for key in ("domain", "task")
    }

    id: str = Field(pattern=ID_RE, description="lower-case letters, digits and '-', 3–120 long")
    skills: Skills
    tags: TopicTags
    difficulty: Difficulty
    type: Literal["single", "multiple"]
    choose: int = Field(ge=1, description="how many options are correct")
    stem: Text = Field(description="the question, as Markdown text")
    options: list[Option]
    lesson: str = Field(
        "",
        pattern=LESSON_RE,
        description="<module-slug>/<lesson-slug> of the lesson that teaches it, "
        "e.g. codebuild-buildspec/build-phases-and-failures",
    )
    references: list[Reference | Text] = Field([], description=REFERENCE_EXAMPLE)
    cheatsheet: str = Field(
        "",
        pattern=SLUG_RE,
        max_length=120,
        description="a cheat sheet slug: the file name of content/cheatsheets/<slug>.md "
        "without .md, e.g. sqs",
    )

    @field_validator("options")
    @classmethod
    def _distinct_options(cls, options: list[Option]) -> list[Option]:
        seen: dict[str, int] = {}
        problems = []
        for index, option in enumerate(options):
            first = seen.setdefault(" ".join(option.text.lower().split()), index)
            if first != index:
                message = f"option {index + 1} is a duplicate of option {first + 1}"
                problems.append(Problem(message, at=(index,)))
        if problems:
            raise invalid_all(problems)
        return options

    @model_validator(mode="after")
    def _answer_counts(self) -> Question:
        correct = sum(o.correct for o in self.options)
        options = ("options",)
        problems = []
        if len(self.options) < MIN_OPTIONS[self.type]:
            message = (
                f"a {TYPE_NAMES[self.type]} question needs at least {MIN_OPTIONS[self.type]} "
                f"options, found {len(self.options)}"
            )
            problems.append(Problem(message, at=options))
        if correct == 0:
            problems.append(Problem("no option is marked correct: true", at=options))
        elif self.type == "single" and correct != 1:
            message = f"a single-answer question needs exactly 1 correct option, found {correct}"
            problems.append(Problem(message, "use type: multiple for more", at=options))
        elif self.type == "multiple" and correct < 2:
            message = "a multiple-response question needs 2 or more correct options"
            problems.append(Problem(message, at=options))
        if correct and self.choose != correct:
            message = f"choose is {self.choose} but {correct} option(s) are correct"
            problems.append(Problem(message, at=("choose",)))
        if problems:
            raise invalid_all(problems)
        return self


class QuestionsFile(Model):
    """A questions file: one `questions:` list (each question is validated on its own)."""

    questions: list[object]


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


def parse_file(
    path: Path, root: Path, guide: Guide | None = None
) -> tuple[list[QuestionSpec], list[ContentError]]:
    """Parse and validate one questions file; return the good questions and every error.

    `guide` is the exam guide skill ids are checked against (default: the root's guide file;
    a broken or missing guide raises ContentErrors).
    """
    if guide is None:
        guide = guide_for(root)
    try:
        document = load(path)
    except ContentError as exc:
        return [], [exc]
    _file, errors = validate(document, QuestionsFile)
    items = document.get(("questions",))
    if not isinstance(items, list):
        return [], errors
    relative = path.relative_to(root).as_posix() if path.is_relative_to(root) else path.name
    specs = []
    for index in range(len(items)):
        spec = _question(document, index, guide, errors)
        if spec is not None:
            spec.source_file = relative
            specs.append(spec)
    return specs, errors


def _question(
    document: Document, index: int, guide: Guide, errors: list[ContentError]
) -> QuestionSpec | None:
    at = ("questions", index)
    question, problems = validate(document, Question, at=at, context={"guide": guide})
    errors.extend(problems)
    if question is None:
        return None
    return QuestionSpec(
        external_id=question.id,
        skills=question.skills,
        domain=guide.domain_of(question.skills[0]),
        task=guide.task_of(question.skills[0]),
        tags=list(question.tags),
        difficulty=question.difficulty,
        type=question.type,
        choose=question.choose,
        stem=question.stem + "\n",
        options=[
            OptionSpec(position, o.text, o.correct, o.explanation)
            for position, o in enumerate(question.options)
        ],
        lesson=question.lesson,
        references=[
            {"title": r, "url": ""} if isinstance(r, str) else {"title": r.title, "url": r.url}
            for r in question.references
        ],
        path=document.path,
        line=document.position(at)[0],
        cheatsheet=question.cheatsheet,
    )
