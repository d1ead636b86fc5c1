"""`manage.py validate_lab [slug ...]`: the reference must score 100 % and the starter less."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from core.content import ContentError
from labs.grader import grade
from labs.spec import parse_lab


class Command(BaseCommand):
    help = "Grade each lab's starter and reference files; fail unless reference=100 % > starter."

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
            except ContentError as exc:
                failures.append(str(exc))
                self.stderr.write(str(exc))
                continue
            ref = grade(spec, spec.reference, approval="approved")
            start = grade(spec, spec.files, approval="approved")
            ref_pct = 100 * ref.earned / ref.max_points if ref.max_points else 0
            start_pct = 100 * start.earned / start.max_points if start.max_points else 0
            ok = ref_pct == 100 and start_pct < 100
            line = f"{spec.slug}: reference {ref_pct:.0f} %, starter {start_pct:.0f} %"
            self.stdout.write(("ok    " if ok else "FAIL  ") + line)
            if verbose_checks or not ok:
                for label, result in (("reference", ref), ("starter", start)):
                    for r in result.results:
                        mark = "pass" if r["passed"] else "FAIL"
                        self.stdout.write(f"    {label:9} {mark} {r['id']}: {r['detail']}")
            if not ok:
                failures.append(line)
        if failures:
            raise CommandError(f"{len(failures)} lab(s) failed validation")
        self.stdout.write(self.style.SUCCESS(f"{len(dirs)} lab(s) valid."))
