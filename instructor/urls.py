"""The instructor home's URL."""

from django.urls import path

from instructor import views

app_name = "instructor"
urlpatterns = [path("", views.home, name="home")]
