"""`manage.py load_content`: load modules, questions and labs from content/, all or nothing."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.content import ContentError, ContentErrors, load_all


class Command(BaseCommand):
    help = "Load or update study modules, questions and labs from the content folder."

    def add_arguments(self, parser):
        parser.add_argument("--root", type=Path, help="content folder (default: settings)")
        parser.add_argument(
            "--force",
            action="store_true",
            help="overwrite objects edited in the admin since their last load",
        )

    def handle(self, *args, root=None, force=False, **options):
        try:
            report = load_all(root, force=force)
        except ContentErrors as exc:
            for error in exc.errors:
                self.stderr.write(str(error))
            raise CommandError(f"{len(exc.errors)} content error(s); nothing was changed.") from exc
        except ContentError as exc:
            raise CommandError(f"{exc}\nNothing was changed.") from exc
        for warning in report.warnings:
            self.stderr.write(f"warning: {warning}")
        self.stdout.write(self.style.SUCCESS(f"Loaded {report.summary()}."))
