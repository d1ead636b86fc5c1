"""Root URL configuration: site pages per app, the API under /api/, the admin."""

from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

api_patterns: list[URLPattern | URLResolver] = [
    path("", include("quizzes.api_urls")),
    path("", include("labs.api_urls")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # GET only: OPTIONS would render DRF's metadata through the page's HTML-only renderer (a 500).
    path(
        "docs/",
        SpectacularSwaggerView.as_view(url_name="schema", http_method_names=["get", "head"]),
        name="api-docs",
    ),
]

urlpatterns = [
    path("", include("core.urls")),
    path("accounts/", include("accounts.urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("study/", include("courses.urls")),
    path("quizzes/", include("quizzes.urls")),
    path("labs/", include("labs.urls")),
    path("instructor/", include("instructor.urls")),
    path("api/", include(api_patterns)),
    path("admin/", admin.site.urls),
]

handler404 = "core.views.page_not_found"
handler500 = "core.views.server_error"
