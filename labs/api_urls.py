"""API routes of labs (mounted under /api/)."""

from django.urls import path

from labs import api

urlpatterns = [
    path("check/", api.check, name="api-check"),
    path("labs/", api.lab_list, name="api-lab-list"),
    path("labs/<slug:slug>/", api.lab_detail, name="api-lab-detail"),
    path("labs/<slug:slug>/draft/", api.draft_save, name="api-lab-draft"),
    path("labs/<slug:slug>/submissions/", api.submission_create, name="api-submission-create"),
    path("submissions/<int:pk>/", api.submission_detail, name="api-submission-detail"),
    path("submissions/<int:pk>/approval/", api.submission_approval, name="api-submission-approval"),
]
