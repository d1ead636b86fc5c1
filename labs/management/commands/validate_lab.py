"""`manage.py validate_lab [slug ...]`: every lab proves its grading.

The reference scores 100 %, the starter less, every alternative (a correct answer written
differently) at least the lab's band, every cheat (a submission that skips the task) below it.
"""

from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from core.content import ContentErrors
from labs.grader import grade
from labs.spec import parse_lab


def _at_least(low: float) -> Callable[[float], bool]:
    return lambda percent: percent >= low


def _below(high: float) -> Callable[[float], bool]:
    return lambda percent: percent < high


class Command(BaseCommand):
    help = "Grade each lab's reference, starter, alternatives and cheats against their bands."

    def add_arguments(self, parser):
        parser.add_argument("slugs", nargs="*", help="labs to validate (default: all)")
        parser.add_argument("--root", type=Path, help="content folder (default: settings)")
        parser.add_argument("--verbose-checks", action="store_true", help="print every check")

    def handle(self, *args, slugs=(), root=None, verbose_checks=False, **options):
        labs_dir = Path(root or settings.CONTENT_ROOT) / "labs"
        dirs = [labs_dir / s for s in slugs] or sorted(p for p in labs_dir.iterdir() if p.is_dir())
        failures = []
        for lab_dir in dirs:
            try:
                spec = parse_lab(lab_dir)
            except ContentErrors as exc:
                failures.append(f"{lab_dir.name}: {len(exc.errors)} content error(s)")
                for error in exc.errors:
                    self.stderr.write(str(error))
                continue
            low, high = spec.bands["alternatives"], spec.bands["cheats"]
            runs: list[tuple[str, dict[str, str], Callable[[float], bool], str]] = [
                ("reference", spec.reference, lambda p: p == 100, "= 100 %")
            ]
            starter = grade(spec, spec.files, approval="approved")
            bands: list[tuple[str, Callable[[float], bool], str]] = [
                ("alternatives", _at_least(low), f">= {low} %"),
                ("cheats", _below(high), f"< {high} %"),
            ]
            for kind, rule, label in bands:
                if len(spec.variants.get(kind, {})) < 3:
                    failures.append(f"{spec.slug}: fewer than 3 {kind}")
                    self.stdout.write(f"FAIL  {spec.slug}: needs at least 3 {kind}/ folders")
                for name, changed in spec.variants.get(kind, {}).items():
                    runs.append((f"{kind[:-1]} {name}", {**spec.reference, **changed}, rule, label))
            for label, files, rule, band in runs:
                result = grade(spec, files, approval="approved")
                ok = rule(result.percent) and (label != "reference" or starter.percent < 100)
                line = f"{spec.slug}: {label} {result.percent:g} % (wanted {band})"
                self.stdout.write(("ok    " if ok else "FAIL  ") + line)
                if verbose_checks or not ok:
                    for r in result.results:
                        mark = "pass" if r["passed"] else "FAIL"
                        self.stdout.write(f"        {mark} {r['id']}: {r['detail']}")
                if not ok:
                    failures.append(line)
            self.stdout.write(f"      {spec.slug}: starter {starter.percent:g} % (wanted < 100 %)")
        if failures:
            raise CommandError(f"{len(failures)} grading proof(s) failed")
        self.stdout.write(self.style.SUCCESS(f"{len(dirs)} lab(s) valid."))
