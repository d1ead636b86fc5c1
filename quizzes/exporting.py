"""Write the bank back to `questions/*.yaml` in exactly the format the loader reads."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

import yaml

from quizzes.models import Question

ADMIN_FILE = "questions/authored-in-admin.yaml"


class _BlockDumper(yaml.SafeDumper):
    """Multi-line strings as `|` blocks, so stems stay readable in review."""


def _str_representer(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    if "\n" in value.strip():
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


_BlockDumper.add_representer(str, _str_representer)


def question_as_dict(question: Question) -> dict[str, Any]:
    """The YAML mapping of one question, keys in the documented order."""
    data: dict[str, Any] = {
        "id": question.external_id,
        "skills": list(question.skills),
        "tags": list(question.tags),
        "difficulty": question.difficulty,
        "type": question.type,
        "choose": question.choose,
        "stem": question.stem_markdown
        if question.stem_markdown.endswith("\n")
        else question.stem_markdown + "\n",
        "options": [
            {"text": o.text, "correct": o.correct, "explanation": o.explanation}
            for o in question.options.all()
        ],
    }
    if question.lesson_ref:
        data["lesson"] = question.lesson_ref
    if question.references:
        data["references"] = [_reference(r) for r in question.references]
    if question.cheatsheet:
        data["cheatsheet"] = question.cheatsheet
    return data


def _reference(reference: Any) -> Any:
    # A reference without a link was a plain title in the file: write it back as one.
    if isinstance(reference, dict) and not reference.get("url"):
        return reference.get("title", "")
    return reference


def export_questions(out: Path, *, include_unpublished: bool = False) -> dict[str, int]:
    """Write one file per source file (admin-only questions to one extra file); return counts."""
    queryset = Question.objects.prefetch_related("options").order_by("source_file", "pk")
    if not include_unpublished:
        queryset = queryset.filter(published=True)
    by_file: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for question in queryset:
        by_file[question.source_file or ADMIN_FILE].append(question_as_dict(question))
    written: dict[str, int] = {}
    for relative, questions in sorted(by_file.items()):
        target = Path(out) / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        text = yaml.dump(
            {"questions": questions},
            Dumper=_BlockDumper,
            sort_keys=False,
            allow_unicode=True,
            width=100,
        )
        target.write_text(text, encoding="utf-8")
        written[relative] = len(questions)
    return written
