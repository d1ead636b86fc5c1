"""`manage.py export_questions [--out DIR]`: write the bank back to YAML files."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from quizzes.exporting import export_questions


class Command(BaseCommand):
    help = "Export published questions to <out>/questions/*.yaml (the load_content format)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--out", type=Path, default=None, help="folder to write into (default: CONTENT_ROOT)"
        )
        parser.add_argument(
            "--include-unpublished", action="store_true", help="also export unpublished questions"
        )

    def handle(self, *args, out=None, include_unpublished=False, **options):
        out = Path(out or settings.CONTENT_ROOT)
        written = export_questions(out, include_unpublished=include_unpublished)
        for relative, count in written.items():
            self.stdout.write(f"{out / relative}: {count} question(s)")
        total = sum(written.values())
        self.stdout.write(self.style.SUCCESS(f"Exported {total} question(s)."))
