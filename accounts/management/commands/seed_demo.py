"""`manage.py seed_demo`: create the demo learner and instructor (local mode only)."""

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from accounts.services import DEMO_USERS, demo_users_ensure


class Command(BaseCommand):
    help = "Create or reset the demo accounts learner/learner-demo and instructor/instructor-demo."

    def handle(self, *args, **options):
        try:
            demo_users_ensure()
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from exc
        names = ", ".join(f"{u} / {p}" for u, p, _ in DEMO_USERS)
        self.stdout.write(self.style.SUCCESS(f"Demo accounts ready: {names}"))
