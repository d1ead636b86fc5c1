"""Load `content/flashcards/*.yaml`: validate every card (file:line:column errors), then upsert."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from django.utils import timezone
from pydantic import Field, StringConstraints, ValidationInfo, field_validator

from core.content import ContentError, ContentErrors, LoadReport
from core.documents import Document, Model, Problem, invalid, invalid_all, load, one_of, validate
from core.exam import TOPIC_TAGS
from core.guide import Guide, check_skill_list, guide_for, skills_index
from core.markdown import render_markdown
from quizzes.models import Flashcard

FOLDER = "flashcards"
ID_RE = re.compile(r"^fc-[a-z0-9][a-z0-9-]{0,114}[a-z0-9]$")
URL_RE = re.compile(r"^https://[^\s/]+\.[^\s/]+(/\S*)?$")
# Cards are short by design: one fact a side.
MAX_FRONT, MAX_BACK = 300, 600
REFERENCE_HINT = "the AWS documentation page the fact comes from: {title: ..., url: https://...}"


class Reference(Model):
    """The documentation page a card's fact comes from."""

    noun = "reference"

    title: str = Field(description=REFERENCE_HINT)
    url: Annotated[str, StringConstraints(pattern=URL_RE)] = Field(
        description="an https:// link to the AWS documentation page the fact comes from"
    )


NO_REFERENCE = Reference.model_construct(title="", url="")


class Card(Model):
    """A flashcard as written in a flashcards file."""

    noun = "card"
    named_by = "id"

    id: str = Field(pattern=ID_RE, description="'fc-' then lower-case letters, digits and '-'")
    front: str = Field(description="one fact's question, as Markdown text")
    back: str = Field(description="the answer, as Markdown text")
    skills: list[str] = Field(description='exam-guide ids, e.g. skills: ["1.2.s1", "1.2.k5"]')
    tags: list[Annotated[str, one_of(TOPIC_TAGS, "tag", "see TOPIC_TAGS in core/exam.py")]] = []
    # Not `Reference | None`: a blank `reference:` is a mistake, and a left-out one is this.
    reference: Reference = Field(NO_REFERENCE, description=REFERENCE_HINT)

    @field_validator("front", "back")
    @classmethod
    def _one_fact(cls, value: str, info: ValidationInfo) -> str:
        side = str(info.field_name)
        limit = MAX_FRONT if side == "front" else MAX_BACK
        if not value.strip():
            raise invalid(f"'{side}' must be non-empty Markdown text")
        if len(value) > limit:
            message = f"'{side}' is {len(value)} characters; the limit is {limit}"
            raise invalid(message, "one fact a card: split it or shorten it")
        return value.strip()

    @field_validator("skills", mode="before")
    @classmethod
    def _known_skills(cls, value: Any, info: ValidationInfo) -> list[str]:
        guide: Guide = (info.context or {})["guide"]  # parse_file passes the exam guide
        codes, problems = check_skill_list(value, guide)
        if problems:
            raise invalid_all(
                Problem(message, hint, () if index is None else (index,))
                for index, message, hint in problems
            )
        return codes


class CardsFile(Model):
    """A flashcards file: one `cards:` list (each card is validated on its own)."""

    cards: list[object]


@dataclass
class CardSpec:
    """A validated flashcard and where it came from."""

    external_id: str
    front: str
    back: str
    skills: list[str]
    domain: int
    task: str
    tags: list[str]
    reference: dict[str, str]
    path: Path
    line: int
    source_file: str

    def digest(self) -> str:
        payload = [self.front, self.back, self.skills, self.tags, self.reference, self.source_file]
        return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def parse_file(path: Path, root: Path, guide: Guide) -> tuple[list[CardSpec], list[ContentError]]:
    """Parse one flashcards file: the good cards and every problem, each at its line and column."""
    try:
        document = load(path)
    except ContentError as exc:
        return [], [exc]
    _file, errors = validate(document, CardsFile)
    items = document.get(("cards",))
    if not isinstance(items, list):
        return [], errors
    relative = path.relative_to(root).as_posix() if path.is_relative_to(root) else path.name
    specs = []
    for index in range(len(items)):
        spec = _card(document, index, guide, errors)
        if spec is not None:
            spec.source_file = relative
            specs.append(spec)
    return specs, errors


def _card(
    document: Document, index: int, guide: Guide, errors: list[ContentError]
) -> CardSpec | None:
    at = ("cards", index)
    card, problems = validate(document, Card, at=at, context={"guide": guide})
    errors.extend(problems)
    if card is None:
        return None
    first = card.skills[0]
    return CardSpec(
        external_id=card.id,
        front=card.front,
        back=card.back,
        skills=card.skills,
        domain=guide.domain_of(first),
        task=guide.task_of(first),
        tags=list(card.tags),
        reference=card.reference.model_dump() if card.reference is not NO_REFERENCE else {},
        path=document.path,
        line=document.position(at)[0],
        source_file="",
    )


def load_flashcards(root: Path, report: LoadReport) -> None:
    """`load_content` loader: every file valid, or nothing changes; cards gone are unpublished."""
    folder = Path(root) / FOLDER
    if not folder.is_dir():
        return
    paths = sorted(folder.glob("*.yaml")) + sorted(folder.glob("*.yml"))
    if not paths:
        return
    guide = guide_for(root)
    specs: list[CardSpec] = []
    errors: list[ContentError] = []
    for path in paths:
        try:
            found, problems = parse_file(path, Path(root), guide)
        except ContentError as exc:
            errors.append(exc)
            continue
        specs.extend(found)
        errors.extend(problems)
    seen: dict[str, CardSpec] = {}
    for spec in specs:
        if spec.external_id in seen:
            first = seen[spec.external_id]
            errors.append(
                ContentError(
                    spec.path,
                    spec.line,
                    f"duplicate card id '{spec.external_id}' "
                    f"(first defined at {first.path.name}:{first.line})",
                    "ids are unique across all flashcard files",
                )
            )
        else:
            seen[spec.external_id] = spec
    if errors:
        raise ContentErrors(errors)
    _upsert(specs, report)


def _upsert(specs: list[CardSpec], report: LoadReport) -> None:
    now = timezone.now()
    existing = {c.external_id: c for c in Flashcard.objects.all()}
    for spec in specs:
        digest = spec.digest()
        card = existing.get(spec.external_id)
        if card is not None and card.source_hash == digest and card.published:
            report.count("flashcards unchanged")
            continue
        created = card is None
        card = card or Flashcard(external_id=spec.external_id)
        card.front = spec.front
        card.front_html = render_markdown(spec.front).html
        card.back = spec.back
        card.back_html = render_markdown(spec.back).html
        card.skills = spec.skills
        card.skills_index = skills_index(spec.skills)
        card.domain = spec.domain
        card.task = spec.task
        card.tags = spec.tags
        card.tags_index = "|" + "|".join(spec.tags) + "|" if spec.tags else ""
        card.reference = spec.reference
        card.published = True
        card.source_file = spec.source_file
        card.source_hash = digest
        card.loaded_at = now
        card.save()
        report.count("flashcards created" if created else "flashcards updated")
    gone = Flashcard.objects.filter(published=True).exclude(
        external_id__in=[s.external_id for s in specs]
    )
    n_gone = gone.update(published=False)
    if n_gone:
        report.count("flashcards unpublished", n_gone)
