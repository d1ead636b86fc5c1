"""`manage.py build_practice_exams`: build the named practice exams (rebuild only on purpose)."""

from django.core.management.base import BaseCommand, CommandError

from quizzes.errors import QuizError
from quizzes.practice_exams import NAMED_EXAMS, practice_exams_build


class Command(BaseCommand):
    help = (
        "Build the missing named practice exams from the published bank. Existing exams stay as "
        "they are unless --rebuild is given (learners compare retakes of the same exam)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, default=NAMED_EXAMS, help="how many exams")
        parser.add_argument(
            "--rebuild", action="store_true", help="redraw every exam from the current bank"
        )

    def handle(self, *args, count=NAMED_EXAMS, rebuild=False, **options):
        if not 1 <= count <= 50:
            raise CommandError("--count must be between 1 and 50.")
        try:
            done = practice_exams_build(count=count, rebuild=rebuild)
        except QuizError as exc:
            raise CommandError(exc.message) from exc
        for line in done:
            self.stdout.write(line)
        self.stdout.write(self.style.SUCCESS(f"{len(done)} practice exam(s) built."))
