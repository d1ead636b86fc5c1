"""Load `content/cheatsheets/<slug>.md` (front matter + dense Markdown), all or nothing."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Annotated

from django.utils import timezone
from pydantic import Field, StringConstraints

from core.content import ContentError, ContentErrors, LoadReport
from core.documents import Model, load_front_matter, unique, validate
from core.exam import TopicTag
from core.guide import Guide, Skills, guide_for, skills_index
from core.markdown import RENDER_VERSION, render_markdown
from quizzes.models import CheatSheet

FOLDER = "cheatsheets"
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class SheetMeta(Model):
    """A cheat sheet's front matter."""

    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    summary: Annotated[str, StringConstraints(strip_whitespace=True, max_length=300)] = Field(
        "", description="one line of at most 300 characters"
    )
    # Unlike lessons, a sheet may have no tags: it is then found by its skills only.
    tags: Annotated[list[TopicTag], unique("tag")] = []
    skills: Skills
    order: int = Field(0, description="the sheet's position in the list")


def _parse(path: Path, root: Path, guide: Guide) -> tuple[dict | None, list[ContentError]]:
    errors: list[ContentError] = []
    slug = path.stem
    if not SLUG_RE.match(slug):
        errors.append(
            ContentError(path, None, f"invalid file name '{path.name}'", "name it <slug>.md")
        )
    front = load_front_matter(path)
    meta, problems = validate(front.document, SheetMeta, context={"guide": guide})
    errors.extend(problems)
    if not front.body.strip():
        errors.append(ContentError(path, front.body_first_line, "the cheat sheet has no body"))
    if meta is None or errors:
        return None, errors
    return {
        "slug": slug,
        "title": meta.title,
        "summary": meta.summary,
        "tags": meta.tags,
        "skills": meta.skills,
        "order": meta.order,
        "body": front.body,
        "source_file": path.relative_to(root).as_posix() if path.is_relative_to(root) else "",
    }, []


def load_cheatsheets(root: Path, report: LoadReport) -> None:
    """`load_content` loader: validate every sheet, then upsert by slug; unpublish the gone."""
    folder = Path(root) / FOLDER
    if not folder.is_dir():
        return
    paths = sorted(folder.glob("*.md"))
    if not paths:
        return
    guide = guide_for(root)
    sheets, errors = [], []
    for path in paths:
        try:
            parsed, problems = _parse(path, Path(root), guide)
        except ContentError as exc:
            errors.append(exc)
            continue
        errors.extend(problems)
        if parsed:
            sheets.append(parsed)
    if errors:
        raise ContentErrors(errors)
    now = timezone.now()
    existing = {s.slug: s for s in CheatSheet.objects.all()}
    for data in sheets:
        digest = hashlib.sha256(
            json.dumps([data, RENDER_VERSION], sort_keys=True).encode()
        ).hexdigest()
        found = existing.get(data["slug"])
        if found is not None and found.source_hash == digest and found.published:
            report.count("cheat sheets unchanged")
            continue
        created = found is None
        sheet = found or CheatSheet(slug=data["slug"])
        rendered = render_markdown(data["body"])
        for key in ("title", "summary", "tags", "skills", "order", "body", "source_file"):
            setattr(sheet, key, data[key])
        sheet.tags_index = "|" + "|".join(data["tags"]) + "|" if data["tags"] else ""
        sheet.skills_index = skills_index(data["skills"])
        sheet.body_html = rendered.html
        sheet.toc_html = rendered.toc_html
        sheet.published = True
        sheet.source_hash = digest
        sheet.loaded_at = now
        sheet.save()
        report.count("cheat sheets created" if created else "cheat sheets updated")
    gone = CheatSheet.objects.filter(published=True).exclude(slug__in=[s["slug"] for s in sheets])
    n_gone = gone.update(published=False)
    if n_gone:
        report.count("cheat sheets unpublished", n_gone)


def check_question_links(root: Path, report: LoadReport) -> None:
    """`load_content` step after the questions: warn about `cheatsheet:` slugs with no sheet."""
    from quizzes.models import Question

    known = set(CheatSheet.objects.filter(published=True).values_list("slug", flat=True))
    missing: dict[str, list[str]] = {}
    for external_id, slug in (
        Question.objects.filter(published=True)
        .exclude(cheatsheet="")
        .values_list("external_id", "cheatsheet")
    ):
        if slug not in known:
            missing.setdefault(slug, []).append(external_id)
    for slug, ids in sorted(missing.items()):
        shown = ", ".join(ids[:5]) + (f" and {len(ids) - 5} more" if len(ids) > 5 else "")
        report.warn(
            f"cheat sheet '{slug}' does not exist (content/cheatsheets/{slug}.md), "
            f"named by question(s) {shown}: the link is left out until it does"
        )
