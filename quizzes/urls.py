"""Quiz pages (mounted under /quizzes/)."""

from django.urls import path

from quizzes import instructor_views, views

app_name = "quizzes"
urlpatterns = [
    path("", views.home, name="home"),
    path("practice/", views.practice_start, name="practice_start"),
    path("exam/", views.exam_start, name="exam_start"),
    path("review/", views.review_start, name="review_start"),
    path("settings/", views.review_settings, name="settings"),
    path("attempts/<int:attempt_id>/", views.attempt_detail, name="attempt_detail"),
    path(
        "attempts/<int:attempt_id>/q/<int:position>/",
        views.attempt_question,
        name="attempt_question",
    ),
    path("attempts/<int:attempt_id>/review/", views.attempt_review, name="attempt_review"),
    path("attempts/<int:attempt_id>/submit/", views.attempt_submit, name="attempt_submit"),
    path("attempts/<int:attempt_id>/result/", views.attempt_result, name="attempt_result"),
    path(
        "attempts/<int:attempt_id>/q/<int:position>/report/",
        views.attempt_report,
        name="attempt_report",
    ),
    path("flashcards/", views.flashcards, name="flashcards"),
    path("cheatsheets/", views.cheatsheet_list, name="cheatsheet_list"),
    path("cheatsheets/<slug:slug>/", views.cheatsheet_detail, name="cheatsheet_detail"),
    path("instructor/reports/", instructor_views.reports, name="reports"),
    path(
        "instructor/reports/<int:report_id>/resolve/",
        instructor_views.report_resolve,
        name="report_resolve",
    ),
    path("instructor/items/", instructor_views.item_stats, name="item_stats"),
    path("instructor/items.csv", instructor_views.item_stats_csv, name="item_stats_csv"),
    path("instructor/domains/", instructor_views.domain_stats, name="domain_stats"),
    path("instructor/domains.csv", instructor_views.domain_stats_csv, name="domain_stats_csv"),
    path(
        "instructor/questions/preview/",
        instructor_views.question_preview_live,
        name="question_preview_live",
    ),
    path(
        "instructor/questions/<int:question_id>/preview/",
        instructor_views.question_preview,
        name="question_preview",
    ),
]
