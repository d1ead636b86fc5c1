"""`manage.py content_coverage`: questions, lessons, cards and labs per domain, task and skill."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from core.coverage import KINDS, Coverage, content_coverage

TITLE_WIDTH = 66


def _cells(counts: dict[str, int]) -> str:
    return "".join(f"{counts[kind]:>11}" for kind in KINDS)


def _short(text: str, width: int = TITLE_WIDTH) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def render_text(coverage: Coverage, minimum: int) -> str:
    """The table as fixed-width text, skills below the minimum marked with '!'."""
    header = f"{'':>2}{'id':<9}{'':<{TITLE_WIDTH}}" + "".join(f"{kind:>11}" for kind in KINDS)
    lines = [header, "-" * len(header)]
    for domain in coverage.domains:
        title = (
            f"Domain {domain.key} {domain.title} (weight {domain.weight}%, bank {domain.share}%)"
        )
        wide = TITLE_WIDTH + 9
        lines.append(f"{'':>2}{_short(title, wide):<{wide}}{_cells(domain.counts)}")
        for task in domain.tasks:
            task_title = _short(task.title)
            lines.append(f"{'':>2}{task.key:<9}{task_title:<{TITLE_WIDTH}}{_cells(task.counts)}")
            for skill in task.skills:
                mark = "!" if skill.counts["questions"] < minimum else " "
                lines.append(
                    f"{mark:>2}{skill.key:<9}{_short('  ' + skill.title):<{TITLE_WIDTH}}"
                    f"{_cells(skill.counts)}"
                )
        lines.append("")
    totals = ", ".join(f"{coverage.totals[kind]} {kind}" for kind in KINDS)
    below = coverage.below("questions", minimum)
    n_skills = len(coverage.skills())
    lines.append(f"Published: {totals}.")
    lines.append(
        f"Skills with at least {minimum} question(s): {n_skills - len(below)} of {n_skills}."
    )
    lines.extend(f"Note: {note}" for note in coverage.notes)
    return "\n".join(lines)


class Command(BaseCommand):
    help = (
        "Print how many questions, lessons, flashcards and labs cover each domain, task and skill "
        "of the exam guide; exit non-zero when a skill has fewer than --min-questions questions."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--min-questions",
            type=int,
            default=3,
            help="questions every skill needs (default 3)",
        )
        parser.add_argument("--format", choices=["text", "json"], default="text")

    def handle(self, *args, min_questions: int = 3, format: str = "text", **options):
        if min_questions < 0:
            raise CommandError("--min-questions must be 0 or more")
        coverage = content_coverage()
        below = coverage.below("questions", min_questions)
        if format == "json":
            data = coverage.as_dict()
            data["min_questions"] = min_questions
            data["below_min_questions"] = [s.key for s in below]
            self.stdout.write(json.dumps(data, indent=2, ensure_ascii=False))
        else:
            self.stdout.write(render_text(coverage, min_questions))
        if not coverage.skills():
            raise CommandError("no skills loaded: run `manage.py load_content` first")
        if below:
            names = ", ".join(f"{s.key} ({s.counts['questions']})" for s in below)
            raise CommandError(
                f"{len(below)} skill(s) have fewer than {min_questions} question(s): {names}"
            )
