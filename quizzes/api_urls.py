"""API routes of quizzes (mounted under /api/)."""

urlpatterns: list = []
