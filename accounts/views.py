"""Sign-up view (throttled per address) and the login lock-out page; log in/out come from
django.contrib.auth, guarded by django-axes."""

from axes.helpers import get_cool_off
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.db import transaction
from django.forms.utils import ErrorDict
from django.shortcuts import redirect, render

from accounts.forms import SignupForm
from accounts.services import SignupThrottled, client_address, signup_allow, user_create


def signup(request):
    """Create a learner account and sign it in (a few accounts per address an hour)."""
    if request.user.is_authenticated:
        return redirect("core:dashboard")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                signup_allow(client_address(request))
                user = user_create(
                    username=form.cleaned_data["username"],
                    password=form.cleaned_data["password1"],
                    email=form.cleaned_data.get("email", ""),
                )
        except SignupThrottled as exc:
            form.add_error(None, ValidationError(exc.message, code="throttled"))
            response = render(request, "accounts/signup.html", {"form": form}, status=429)
            response["Retry-After"] = str(exc.wait_seconds)
            return response
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, "Welcome! Your account is ready.")
        return redirect("core:dashboard")
    return render(request, "accounts/signup.html", {"form": form})


def login_locked_out(request, original_response=None, credentials=None):
    """What django-axes shows after too many failed logins: the login page with the reason."""
    cool_off = get_cool_off(request)
    minutes = max(1, int(cool_off.total_seconds() // 60)) if cool_off else None
    form = AuthenticationForm(request)
    # An unbound form that shows one error: Django keeps the errors in the private `_errors`.
    form._errors, form.cleaned_data = ErrorDict(), {}  # type: ignore[attr-defined]
    when = f"in {minutes} minutes" if minutes else "later"
    form.add_error(
        None,
        ValidationError(
            "Too many failed log-ins from your address or for this account. For your safety, "
            f"logging in is paused: try again {when}.",
            code="locked_out",
        ),
    )
    response = render(request, "registration/login.html", {"form": form}, status=429)
    if cool_off:
        response["Retry-After"] = str(int(cool_off.total_seconds()))
    return response
