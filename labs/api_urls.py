"""API routes of labs (mounted under /api/)."""

urlpatterns: list = []
