"""The two roles, and who counts as an instructor (read by every layer, so it lives in core)."""

LEARNERS = "learners"
INSTRUCTORS = "instructors"


def is_instructor(user) -> bool:
    """True for staff in the instructors group (superusers count too)."""
    if not user.is_authenticated:
        return False
    return user.is_superuser or (user.is_staff and user.groups.filter(name=INSTRUCTORS).exists())
