"""Load labs from content/labs/<slug>/ into the catalogue (part of `manage.py load_content`)."""

from __future__ import annotations

from pathlib import Path

from core.content import ContentError, ContentErrors, LoadReport
from core.markdown import render_markdown
from labs.models import Lab
from labs.spec import LabSpec, parse_lab


def load_labs(root: Path, report: LoadReport) -> None:
    """Validate every lab first (every error of every lab at once), then upsert; removed labs
    unpublish."""
    labs_dir = root / "labs"
    if not labs_dir.is_dir():
        return
    specs: list[LabSpec] = []
    errors: list[ContentError] = []
    for lab_dir in sorted(p for p in labs_dir.iterdir() if p.is_dir()):
        try:
            specs.append(parse_lab(lab_dir))
        except ContentErrors as exc:
            errors.extend(exc.errors)
    if errors:
        raise ContentErrors(errors)
    seen = set()
    for spec in specs:
        seen.add(spec.slug)
        lab_upsert(spec, report)
    gone = Lab.objects.filter(published=True).exclude(slug__in=seen)
    for lab in gone:
        report.warn(f"lab '{lab.slug}' is no longer on disk: unpublished (submissions kept)")
    gone.update(published=False)


def lab_upsert(spec: LabSpec, report: LoadReport) -> Lab:
    """Create or update one lab from its spec; unchanged labs are not written."""
    lab = Lab.objects.filter(slug=spec.slug).first()
    if lab and lab.source_hash == spec.source_hash and lab.published:
        return lab
    fields = {
        "title": spec.title,
        "summary": spec.summary,
        "domain": spec.domain,
        "task": spec.task,
        "tags": spec.tags,
        "difficulty": spec.difficulty,
        "minutes": spec.minutes,
        "order": spec.order,
        "lesson": spec.lesson,
        "instructions_html": render_markdown(spec.instructions).html,
        "spec": spec.to_dict(),
        "skills": spec.skills,
        "source_hash": spec.source_hash,
        "published": True,
    }
    lab, created = Lab.objects.update_or_create(slug=spec.slug, defaults=fields)
    report.count("labs created" if created else "labs updated")
    return lab
