"""`manage.py grade_lab SLUG --file NAME=PATH ...`: grade files from the command line.

Files not given come from the lab's reference. Instructors use it while writing a lab.
"""

import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from core.content import ContentErrors
from labs.grader import grade
from labs.spec import parse_lab


class Command(BaseCommand):
    help = "Grade a lab with the given files (the rest from its reference); text or JSON."

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument(
            "--file",
            action="append",
            default=[],
            metavar="NAME=PATH",
            help="an editable file of the lab and the path to read it from",
        )
        parser.add_argument(
            "--approve",
            choices=["approve", "reject"],
            default="approve",
            help="the decision at a manual approval (pipeline labs)",
        )
        parser.add_argument("--format", choices=["text", "json"], default="text")
        parser.add_argument("--root", type=Path, help="content folder (default: settings)")

    def handle(self, *args, slug, file, approve, format, root=None, **options):
        lab_dir = Path(root or settings.CONTENT_ROOT) / "labs" / slug
        if not lab_dir.is_dir():
            raise CommandError(f"no lab named {slug!r} in {lab_dir.parent}")
        try:
            spec = parse_lab(lab_dir)
        except ContentErrors as exc:
            raise CommandError(str(exc)) from exc
        files = dict(spec.reference)
        for item in file:
            name, sep, path = item.partition("=")
            if not sep or not name or not path:
                raise CommandError(
                    f"--file {item!r}: write it as NAME=PATH, e.g. buildspec.yml=./my-buildspec.yml"
                )
            if name not in spec.files:
                raise CommandError(f"--file {name}: this lab edits {', '.join(sorted(spec.files))}")
            try:
                files[name] = Path(path).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise CommandError(f"--file {name}: cannot read {path} ({exc})") from exc
        decision = "approved" if approve == "approve" else "rejected"
        result = grade(spec, files, approval=decision)
        checks = [
            {k: r[k] for k in ("id", "title", "points", "passed", "not_run", "detail", "feedback")}
            for r in result.results
        ]
        if format == "json":
            self.stdout.write(
                json.dumps(
                    {
                        "lab": spec.slug,
                        "earned": result.earned,
                        "max": result.max_points,
                        "percent": result.percent,
                        "status": str(result.result.status),
                        "checks": checks,
                    },
                    indent=2,
                )
            )
            return
        ran = _RUN_WORDS.get(str(result.result.status), "ran")
        self.stdout.write(
            f"{spec.title}: {result.earned}/{result.max_points} "
            f"({result.percent:g} %); the scenario {ran}"
        )
        for r in checks:
            mark = "pass" if r["passed"] else ("not run" if r["not_run"] else "FAIL")
            self.stdout.write(f"  {mark:7} {r['points']:3}  {r['title']}")
            if not r["passed"]:
                self.stdout.write(f"               {r['detail']}")


# How the text report says what happened to the scenario (RunStatus values).
_RUN_WORDS = {
    "ran": "ran to its end",
    "paused": "is paused at a manual approval",
    "blocked": "did not run: the checker found errors",
    "not_started": "did not start: the service refused the input",
}
