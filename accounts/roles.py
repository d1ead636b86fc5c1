"""The two roles and what instructors may change (content apps' models)."""

LEARNERS = "learners"
INSTRUCTORS = "instructors"

# Instructors author and review content in the admin; they are staff, never superusers.
INSTRUCTOR_APPS = ("courses", "quizzes", "labs")
