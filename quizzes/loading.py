"""Load `content/questions/*.yaml` into the bank: validate everything first, then upsert by id."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from django.apps import apps
from django.utils import timezone

from core.content import ContentError, ContentErrors, LoadReport
from core.guide import guide_for, skill_rows, skills_index
from core.markdown import render_markdown
from quizzes.models import Option, Question
from quizzes.validation import QuestionSpec, parse_file


def load_questions(root: Path, report: LoadReport) -> None:
    """Validate every questions file, then create/update/unpublish (inside load_all's transaction).

    Raises ContentErrors listing every problem (with file and line) before anything is written.
    A question edited in the admin after its last load is kept (with a warning) unless the run is
    forced (`report.force`, set by `load_content --force`).
    """
    folder = Path(root) / "questions"
    if not folder.is_dir():
        report.warn(f"{folder}: no questions folder; the bank was left as it is")
        return
    specs: list[QuestionSpec] = []
    errors: list[ContentError] = []
    paths = sorted(folder.glob("*.yaml")) + sorted(folder.glob("*.yml"))
    guide = guide_for(Path(root)) if paths else None
    for path in paths:
        try:
            file_specs, file_errors = parse_file(path, Path(root), guide)
        except ContentError as exc:
            errors.append(exc)
            continue
        specs.extend(file_specs)
        errors.extend(file_errors)
    first_seen: dict[str, QuestionSpec] = {}
    for spec in specs:
        if spec.external_id in first_seen:
            other = first_seen[spec.external_id]
            errors.append(
                ContentError(
                    spec.path,
                    spec.line,
                    f"duplicate question id '{spec.external_id}' "
                    f"(first defined at {other.path.name}:{other.line})",
                    "ids are unique across all question files",
                )
            )
        else:
            first_seen[spec.external_id] = spec
    if errors:
        raise ContentErrors(errors)
    if not specs:
        report.warn(f"{folder}: no questions found")
    _warn_unknown_lessons(specs, report)
    _warn_unknown_cheatsheets(specs, Path(root), report)
    skills = skill_rows(Path(root), report) if specs else {}
    _upsert(specs, skills, report, force=bool(getattr(report, "force", False)))


def _warn_unknown_cheatsheets(specs: list[QuestionSpec], root: Path, report: LoadReport) -> None:
    # A warning, not an error: cheat sheets and questions are written in parallel.
    for spec in specs:
        if spec.cheatsheet and not (root / "cheatsheets" / f"{spec.cheatsheet}.md").is_file():
            report.warn(
                f"{spec.path}:{spec.line}: question '{spec.external_id}' links cheat sheet "
                f"'{spec.cheatsheet}', which does not exist (content/cheatsheets/"
                f"{spec.cheatsheet}.md)"
            )


def _warn_unknown_lessons(specs: list[QuestionSpec], report: LoadReport) -> None:
    # Lessons load before questions (CONTENT_LOADERS order), so the DB knows them by now.
    try:
        lesson_model = apps.get_model("courses", "Lesson")
        known = {
            f"{module}/{slug}"
            for module, slug in lesson_model.objects.values_list("module__slug", "slug")
        }
    except LookupError:  # the courses app has no Lesson model yet: nothing to check
        report.warn("lesson references were not checked (no Lesson model)")
        return
    for spec in specs:
        if spec.lesson and spec.lesson not in known:
            report.warn(
                f"{spec.path}:{spec.line}: question '{spec.external_id}' refers to lesson "
                f"'{spec.lesson}', which does not exist"
            )
    if not known and specs:
        report.warn("no lessons in the database: lesson references were not checked")


def spec_hash(spec: QuestionSpec) -> str:
    """A stable hash of everything the file says about a question (unchanged → skip)."""
    payload = {
        "skills": spec.skills,
        "domain": spec.domain,
        "task": spec.task,
        "cheatsheet": spec.cheatsheet,
        "tags": spec.tags,
        "difficulty": spec.difficulty,
        "type": spec.type,
        "choose": spec.choose,
        "stem": spec.stem,
        "options": [[o.text, o.correct, o.explanation] for o in spec.options],
        "lesson": spec.lesson,
        "references": spec.references,
        "source_file": spec.source_file,
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def tags_index(tags: list[str]) -> str:
    """The `|a|b|` form used to filter by tag portably."""
    return "|" + "|".join(tags) + "|" if tags else ""


def _upsert(specs: list[QuestionSpec], skills: dict, report: LoadReport, *, force: bool) -> None:
    now = timezone.now()
    existing = {q.external_id: q for q in Question.objects.all()}
    for spec in specs:
        digest = spec_hash(spec)
        question = existing.get(spec.external_id)
        if question is not None:
            if question.admin_edit_pending and not force:
                report.warn(
                    f"kept admin edit of question '{spec.external_id}' "
                    f"({spec.path.name}:{spec.line}); use --force to overwrite"
                )
                report.count("questions kept (admin edit)")
                continue
            if question.source_hash == digest and question.published:
                report.count("questions unchanged")
                continue
        question = question or Question(external_id=spec.external_id)
        # Derived from the first skill: the domain is what the question tests.
        question.domain = spec.domain
        question.task = spec.task
        question.skills = spec.skills
        question.skills_index = skills_index(spec.skills)
        question.cheatsheet = spec.cheatsheet
        question.tags = spec.tags
        question.tags_index = tags_index(spec.tags)
        question.difficulty = spec.difficulty
        question.type = spec.type
        question.choose = spec.choose
        question.stem_markdown = spec.stem
        question.stem_html = render_markdown(spec.stem).html
        question.lesson_ref = spec.lesson
        question.references = spec.references
        question.published = True
        question.source_file = spec.source_file
        question.source_hash = digest
        question.loaded_at = now
        question.edited_in_admin_at = None
        created = question.pk is None
        question.save()
        question.skill_links.set([skills[code] for code in spec.skills])
        _options_sync(question, spec)
        report.count("questions created" if created else "questions updated")
    loaded_ids = {s.external_id for s in specs}
    # Only file-born questions are unpublished when their file entry disappears; questions
    # written in the admin (no source file) are the admin's business.
    removed = (
        Question.objects.filter(published=True)
        .exclude(source_file="")
        .exclude(external_id__in=loaded_ids)
    )
    n_removed = removed.update(published=False, updated_at=now)
    if n_removed:
        report.count("questions unpublished", n_removed)


def _options_sync(question: Question, spec: QuestionSpec) -> None:
    """Update options in place by position so attempt history keeps pointing at the same rows."""
    current = {o.position: o for o in question.options.all()}
    for option_spec in spec.options:
        option = current.pop(option_spec.position, None) or Option(
            question=question, position=option_spec.position
        )
        option.text = option_spec.text
        option.text_html = render_markdown(option_spec.text).html
        option.correct = option_spec.correct
        option.explanation = option_spec.explanation
        option.explanation_html = render_markdown(option_spec.explanation).html
        option.save()
    if current:
        Option.objects.filter(pk__in=[o.pk for o in current.values()]).delete()
