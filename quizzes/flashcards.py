"""Load `content/flashcards/*.yaml`: validate every card (file:line errors), then upsert by id."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from django.utils import timezone

from core.content import ContentError, ContentErrors, LoadReport, read_text, yaml_load
from core.exam import TOPIC_TAGS
from core.guide import Guide, check_skill_list, guide_for, skills_index
from core.markdown import render_markdown
from quizzes.models import Flashcard

FOLDER = "flashcards"
ID_RE = re.compile(r"^fc-[a-z0-9][a-z0-9-]{0,114}[a-z0-9]$")
URL_RE = re.compile(r"^https://[^\s/]+\.[^\s/]+(/\S*)?$")
CARD_KEYS = {"id", "front", "back", "skills", "tags", "reference"}
REQUIRED = {"id", "front", "back", "skills"}
# Cards are short by design: one fact a side.
MAX_FRONT, MAX_BACK = 300, 600


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


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def parse_file(path: Path, root: Path, guide: Guide) -> tuple[list[CardSpec], list[ContentError]]:
    """Parse one flashcards file: the good cards and every problem, each with its line."""
    text = read_text(path)
    try:
        yaml_load(path, text)  # the hardened loader refuses bombs and bad YAML first
    except ContentError as exc:
        return [], [exc]
    loader = yaml.SafeLoader(text)
    try:
        document = loader.get_single_node()
    finally:
        loader.dispose()
    errors: list[ContentError] = []
    if not isinstance(document, yaml.MappingNode):
        return [], [ContentError(path, 1, "expected a mapping with a 'cards:' list")]
    top = {str(k.value): (k, v) for k, v in document.value}
    for key, (key_node, _v) in top.items():
        if key != "cards":
            errors.append(
                ContentError(path, _line(key_node), f"unknown top-level key '{key}'", "only cards:")
            )
    cards_node = top.get("cards", (None, None))[1]
    if not isinstance(cards_node, yaml.SequenceNode):
        line = _line(cards_node) if cards_node is not None else 1
        errors.append(ContentError(path, line, "'cards' must be a list of cards"))
        return [], errors
    relative = path.relative_to(root).as_posix() if path.is_relative_to(root) else path.name
    specs = []
    for node in cards_node.value:
        spec = _parse_card(loader, node, path, guide, errors)
        if spec is not None:
            spec.source_file = relative
            specs.append(spec)
    return specs, errors


def _parse_card(
    loader: yaml.SafeLoader, node: yaml.Node, path: Path, guide: Guide, errors: list[ContentError]
) -> CardSpec | None:
    start = len(errors)
    where = _line(node)
    if not isinstance(node, yaml.MappingNode):
        errors.append(ContentError(path, where, "each card must be a mapping of keys"))
        return None
    fields = {str(k.value): (k, v) for k, v in node.value}
    label = f"card '{fields['id'][1].value}'" if "id" in fields else "card"

    def err(key: str | yaml.Node, message: str, hint: str = "") -> None:
        if isinstance(key, str):
            line = _line(fields[key][1]) if key in fields else where
        else:
            line = _line(key)
        errors.append(ContentError(path, line, f"{label}: {message}", hint))

    for key, (key_node, _v) in fields.items():
        if key not in CARD_KEYS:
            err(key_node, f"unknown key '{key}'", "keys: " + ", ".join(sorted(CARD_KEYS)))
    for key in sorted(REQUIRED - fields.keys()):
        err(node, f"missing required key '{key}'")
    values: dict[str, Any] = {
        k: loader.construct_object(v, deep=True) for k, (_kn, v) in fields.items()
    }
    external_id = values.get("id")
    if "id" in values and (not isinstance(external_id, str) or not ID_RE.match(external_id)):
        err("id", f"invalid id {external_id!r}", "'fc-' then lower-case letters, digits and '-'")
    for side, limit in (("front", MAX_FRONT), ("back", MAX_BACK)):
        value = values.get(side)
        if side not in values:
            continue
        if not isinstance(value, str) or not value.strip():
            err(side, f"'{side}' must be non-empty Markdown text")
        elif len(value) > limit:
            err(side, f"'{side}' is {len(value)} characters; the limit is {limit}", "one fact")
    skills: list[str] = []
    if "skills" in values:
        skills, problems = check_skill_list(values["skills"], guide)
        skills_node = fields["skills"][1]
        for index, message, hint in problems:
            if index is not None and isinstance(skills_node, yaml.SequenceNode):
                err(skills_node.value[index], message, hint)
            else:
                err("skills", message, hint)
    tags = values.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        err("tags", "tags must be a list of topic tags")
        tags = []
    for tag in tags:
        if tag not in TOPIC_TAGS:
            err("tags", f"unknown tag '{tag}'", "see core/exam.py TOPIC_TAGS")
    reference = values.get("reference", {})
    if "reference" in values and (
        not isinstance(reference, dict)
        or set(reference) - {"title", "url"}
        or not isinstance(reference.get("title"), str)
        or not isinstance(reference.get("url"), str)
        or not URL_RE.match(reference.get("url", ""))
    ):
        err(
            "reference",
            "reference must be {title: ..., url: https://...}",
            "the AWS documentation page the fact comes from",
        )
        reference = {}
    if len(errors) > start:
        return None
    assert external_id is not None  # a missing id added an error above
    first = skills[0]
    return CardSpec(
        external_id=external_id,
        front=values["front"].strip(),
        back=values["back"].strip(),
        skills=skills,
        domain=guide.domain_of(first),
        task=guide.task_of(first),
        tags=list(tags),
        reference=dict(reference),
        path=path,
        line=where,
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
