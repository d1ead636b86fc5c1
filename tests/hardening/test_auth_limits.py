"""Login floods are locked out (django-axes); sign-up floods are throttled per address."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

pytestmark = pytest.mark.django_db


def _login(client, username: str, password: str, address: str = "203.0.113.7"):
    return client.post(
        "/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=address
    )


def test_wrong_passwords_lock_the_account_from_that_address(client, learner, settings) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = _login(client, "alice", "wrong-password")
        assert response.status_code == 200  # the form again, with the usual error
    locked = _login(client, "alice", "wrong-password")
    assert locked.status_code == 429
    assert int(locked["Retry-After"]) == settings.AXES_COOLOFF_TIME.total_seconds()
    assert b"Too many failed log-ins" in locked.content
    # Even the right password is refused while locked: guessing cannot go on.
    assert _login(client, "alice", "pw-learner-123").status_code == 429
    assert "_auth_user_id" not in client.session


def test_a_flood_of_160_guesses_gets_only_the_allowed_tries(client, learner, settings) -> None:
    statuses = [_login(client, "alice", f"guess-{n}").status_code for n in range(160)]
    assert statuses.count(200) == settings.AXES_FAILURE_LIMIT - 1
    assert statuses.count(429) == 160 - (settings.AXES_FAILURE_LIMIT - 1)


def test_lockout_does_not_reach_the_learner_from_another_address(client, learner, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, "alice", "wrong-password", address="203.0.113.7")
    response = _login(client, "alice", "pw-learner-123", address="198.51.100.20")
    assert response.status_code == 302  # logged in from home


def test_right_password_before_the_limit_resets_the_count(client, learner, settings) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _login(client, "alice", "wrong-password")
    assert _login(client, "alice", "pw-learner-123").status_code == 302
    client.logout()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _login(client, "alice", "wrong-password").status_code == 200


def _signup(client, n: int, address: str = "203.0.113.9"):
    return client.post(
        "/accounts/signup/",
        {"username": f"flood{n}", "email": "", "password1": "A-long-pass-42!",
         "password2": "A-long-pass-42!"},
        REMOTE_ADDR=address,
    )  # fmt: skip


def test_signup_flood_is_throttled_per_address(client, settings) -> None:
    users = get_user_model().objects
    before = users.count()
    for n in range(settings.SIGNUPS_PER_ADDRESS):
        assert _signup(client, n).status_code == 302
        client.logout()
    refused = _signup(client, 99)
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert b"Too many accounts were created from your network address" in refused.content
    assert users.count() == before + settings.SIGNUPS_PER_ADDRESS
    assert not users.filter(username="flood99").exists()
    # Another address is not affected.
    assert _signup(client, 100, address="198.51.100.30").status_code == 302


def test_invalid_signups_do_not_use_up_the_allowance(client, settings) -> None:
    for _ in range(settings.SIGNUPS_PER_ADDRESS + 2):
        bad = client.post("/accounts/signup/", {"username": "x", "password1": "a"})
        assert bad.status_code == 200
    assert _signup(client, 1).status_code == 302


def test_signup_window_expires(client, settings) -> None:
    from datetime import timedelta

    from accounts.models import SignupWindow

    settings.SIGNUPS_PER_ADDRESS = 1
    assert _signup(client, 1).status_code == 302
    client.logout()
    assert _signup(client, 2).status_code == 429
    SignupWindow.objects.update(
        started_at=SignupWindow.objects.get().started_at - timedelta(hours=1)
    )
    assert _signup(client, 3).status_code == 302


def test_behind_a_proxy_the_forwarded_client_address_counts(client, learner, settings):
    settings.PROXY_COUNT = 1

    def via_proxy(client_address: str, password: str, spoofed: str = ""):
        # The proxy appends the address it got the request from; the client may send any prefix.
        return client.post(
            "/accounts/login/", {"username": "alice", "password": password},
            REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=f"{spoofed}{client_address}",
        )  # fmt: skip

    for n in range(settings.AXES_FAILURE_LIMIT):
        # A different forged prefix each time does not make a different client.
        via_proxy("203.0.113.7", "wrong-password", spoofed=f"192.0.2.{n}, ")
    assert via_proxy("203.0.113.7", "pw-learner-123").status_code == 429
    # Another learner behind the same proxy is not locked out with them.
    assert via_proxy("198.51.100.20", "pw-learner-123").status_code == 302


def test_a_flood_over_many_usernames_from_one_address_is_locked_out(client, learner, settings):
    """Spraying guesses over many names: each name stays under axes' own limit."""
    settings.LOGIN_FAILURES_PER_ADDRESS = 12
    statuses = [_login(client, f"someone{n}", "guess").status_code for n in range(20)]
    assert statuses[:12] == [200] * 12  # the form again: wrong name or password
    assert statuses[12:] == [429] * 8  # locked out before any password is hashed
    refused = _login(client, "alice", "pw-learner-123")
    assert refused.status_code == 429 and b"Too many failed log-ins" in refused.content
    assert int(refused["Retry-After"]) == settings.AXES_COOLOFF_TIME.total_seconds()
    # Another address is not affected.
    assert _login(client, "alice", "pw-learner-123", address="198.51.100.20").status_code == 302


def test_the_address_cap_does_not_hash_refused_passwords(client, learner, settings, monkeypatch):
    from django.contrib.auth.backends import ModelBackend

    settings.LOGIN_FAILURES_PER_ADDRESS = 3
    checked: list[str] = []
    real = ModelBackend.authenticate

    def counting(self, request, username=None, password=None, **kwargs):
        checked.append(username)
        return real(self, request, username=username, password=password, **kwargs)

    monkeypatch.setattr(ModelBackend, "authenticate", counting)
    for n in range(10):
        _login(client, f"spray{n}", "guess")
    assert len(checked) == 3  # the 7 refused tries cost no password check
