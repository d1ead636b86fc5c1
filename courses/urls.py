"""Study pages: module list, search, module and lesson pages, progress."""

from django.urls import path

from courses import views

app_name = "courses"
urlpatterns = [
    path("", views.module_list, name="module_list"),
    path("search/", views.lesson_search, name="search"),
    path("<slug:module_slug>/", views.module_detail, name="module_detail"),
    path("<slug:module_slug>/<slug:lesson_slug>/", views.lesson_detail, name="lesson_detail"),
    path(
        "<slug:module_slug>/<slug:lesson_slug>/progress/",
        views.lesson_progress,
        name="lesson_progress",
    ),
]
