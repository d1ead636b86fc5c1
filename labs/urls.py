"""Lab pages."""

from django.urls import path

from labs import views

app_name = "labs"
urlpatterns = [
    path("", views.lab_list, name="lab_list"),
    path("<slug:slug>/", views.lab_detail, name="lab_detail"),
    path("<slug:slug>/hints/<int:index>/", views.hint_reveal, name="hint_reveal"),
    path("<slug:slug>/diff/", views.submission_diff, name="submission_diff"),
    path("<slug:slug>/submissions/", views.lab_submissions, name="lab_submissions"),
    path("<slug:slug>/regrade/progress/", views.regrade_progress, name="regrade_progress"),
    path("submissions/<int:pk>/", views.submission_detail, name="submission_detail"),
    path("submissions/<int:pk>/approval/", views.submission_approve, name="submission_approve"),
]
