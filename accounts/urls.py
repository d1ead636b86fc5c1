"""Account URLs: sign-up here, the rest from django.contrib.auth (login, logout, password)."""

from django.urls import path

from accounts import views

app_name = "accounts"
urlpatterns = [
    path("signup/", views.signup, name="signup"),
]
