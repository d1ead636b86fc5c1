"""Site-level pages: home and the learner dashboard."""

from django.urls import path

from core import shell, views

app_name = "core"
urlpatterns = [
    path("", views.home, name="home"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", shell.favicon, name="favicon"),
    path("start/", shell.landing, name="landing"),
]
