"""The two roles and what instructors may change (content apps' models)."""

from core.roles import INSTRUCTORS, LEARNERS

__all__ = ["INSTRUCTORS", "INSTRUCTOR_APPS", "LEARNERS"]

# Instructors author and review content in the admin; they are staff, never superusers.
INSTRUCTOR_APPS = ("courses", "quizzes", "labs")
