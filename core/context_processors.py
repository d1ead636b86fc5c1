"""Template context shared by every page."""

from django.conf import settings

from core.roles import is_instructor


def site(request):
    """Site name, local-mode flag and the navigation entries (instructors also get their home)."""
    nav = [
        ("Study", "courses:module_list", "study"),
        ("Quizzes", "quizzes:home", "quizzes"),
        ("Labs", "labs:lab_list", "labs"),
        ("Dashboard", "core:dashboard", "dashboard"),
    ]
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and user.is_staff and is_instructor(user):
        nav.append(("Instructor", "instructor:home", "instructor"))
    return {
        "SITE_NAME": "Pipeline Academy",
        "LOCAL_MODE": settings.LOCAL_MODE,
        "NAV_ITEMS": nav,
    }
