"""Lab pages."""

from django.urls import path
from django.views.generic import TemplateView

app_name = "labs"
urlpatterns = [
    path("", TemplateView.as_view(template_name="core/placeholder.html"), name="lab_list"),
]
