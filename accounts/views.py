"""Sign-up view; log in/out and password change come from django.contrib.auth."""

from django.contrib import messages
from django.contrib.auth import login
from django.shortcuts import redirect, render

from accounts.forms import SignupForm
from accounts.services import user_create


def signup(request):
    """Create a learner account and sign it in."""
    if request.user.is_authenticated:
        return redirect("core:dashboard")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = user_create(
            username=form.cleaned_data["username"],
            password=form.cleaned_data["password1"],
            email=form.cleaned_data.get("email", ""),
        )
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, "Welcome! Your account is ready.")
        return redirect("core:dashboard")
    return render(request, "accounts/signup.html", {"form": form})
