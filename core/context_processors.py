"""Template context shared by every page."""

from django.conf import settings


def site(request):
    """Site name, local-mode flag and the navigation entries."""
    return {
        "SITE_NAME": "Pipeline Academy",
        "LOCAL_MODE": settings.LOCAL_MODE,
        "NAV_ITEMS": [
            ("Study", "courses:module_list", "study"),
            ("Quizzes", "quizzes:home", "quizzes"),
            ("Labs", "labs:lab_list", "labs"),
            ("Dashboard", "core:dashboard", "dashboard"),
        ],
    }
