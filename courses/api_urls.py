"""API routes of courses (mounted under /api/)."""

urlpatterns: list = []
