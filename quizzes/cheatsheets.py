"""Load `content/cheatsheets/<slug>.md` (front matter + dense Markdown), all or nothing."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

from django.utils import timezone

from core.content import ContentError, ContentErrors, LoadReport, key_line, split_front_matter
from core.exam import TOPIC_TAGS
from core.guide import check_skill_list, guide_for, skills_index
from core.markdown import RENDER_VERSION, render_markdown
from quizzes.models import CheatSheet

FOLDER = "cheatsheets"
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
KEYS = {"title", "summary", "tags", "skills", "order"}


def _parse(path: Path, root: Path, guide) -> tuple[dict | None, list[ContentError]]:
    errors: list[ContentError] = []
    slug = path.stem
    if not SLUG_RE.match(slug):
        errors.append(
            ContentError(path, None, f"invalid file name '{path.name}'", "name it <slug>.md")
        )
    doc = split_front_matter(path)
    meta = doc.meta

    def err(key: str, message: str, hint: str = "") -> None:
        line = key_line(doc.meta_text, key, first_line=2) or 2
        errors.append(ContentError(path, line, message, hint))

    for key in sorted(set(meta) - KEYS):
        err(key, f"unknown front matter key '{key}'", "keys: " + ", ".join(sorted(KEYS)))
    title = meta.get("title")
    if not isinstance(title, str) or not title.strip() or len(title) > 200:
        err("title", "'title' must be text of 1–200 characters")
    summary = meta.get("summary", "")
    if not isinstance(summary, str) or len(summary) > 300:
        err("summary", "'summary' must be one line of at most 300 characters")
    tags = meta.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        err("tags", "'tags' must be a list of topic tags")
        tags = []
    for tag in tags:
        if tag not in TOPIC_TAGS:
            err("tags", f"unknown tag '{tag}'", "see core/exam.py TOPIC_TAGS")
    skills, problems = check_skill_list(meta.get("skills"), guide)
    for _index, message, hint in problems:
        err("skills", message, hint)
    order = meta.get("order", 0)
    if not isinstance(order, int) or isinstance(order, bool):
        err("order", f"'order' must be a whole number, not {order!r}")
    if not doc.body.strip():
        errors.append(ContentError(path, doc.body_first_line, "the cheat sheet has no body"))
    if errors:
        return None, errors
    return {
        "slug": slug,
        "title": str(title).strip(),
        "summary": str(summary).strip(),
        "tags": tags,
        "skills": skills,
        "order": order,
        "body": doc.body,
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
