"""Sign-up, log in/out, password change, roles and demo accounts."""

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.urls import reverse

from accounts.roles import INSTRUCTORS, LEARNERS
from accounts.services import demo_users_ensure, is_instructor, user_create

User = get_user_model()
pytestmark = pytest.mark.django_db


def test_signup_creates_a_learner_and_logs_in(client):
    response = client.post(
        reverse("accounts:signup"),
        {
            "username": "newbie",
            "email": "n@example.com",
            "password1": "a-long-Passphrase-9",
            "password2": "a-long-Passphrase-9",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("core:dashboard")
    user = User.objects.get(username="newbie")
    assert list(user.groups.values_list("name", flat=True)) == [LEARNERS]
    assert not user.is_staff and not user.is_superuser
    assert client.get(reverse("core:dashboard")).status_code == 200


def test_signup_rejects_mismatched_passwords_with_a_message(client):
    response = client.post(
        reverse("accounts:signup"),
        {"username": "x", "password1": "a-long-Passphrase-9", "password2": "different-Pass-9"},
    )
    assert response.status_code == 200
    assert "didn\u2019t match" in response.content.decode()
    assert not User.objects.filter(username="x").exists()


def test_login_logout_and_password_change(client, learner):
    response = client.post(
        reverse("login"), {"username": "alice", "password": "pw-learner-123"}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("core:dashboard")
    response = client.post(
        reverse("password_change"),
        {
            "old_password": "pw-learner-123",
            "new_password1": "another-Long-pass-7",
            "new_password2": "another-Long-pass-7",
        },
    )
    assert response.status_code == 302
    learner.refresh_from_db()
    assert learner.check_password("another-Long-pass-7")
    client.post(reverse("logout"))
    assert client.get(reverse("core:dashboard")).status_code == 302


def test_instructor_is_staff_in_group_but_not_superuser(instructor):
    assert instructor.is_staff and not instructor.is_superuser
    assert instructor.groups.filter(name=INSTRUCTORS).exists()
    assert is_instructor(instructor)
    perms = instructor.get_all_permissions()
    assert not any(p.startswith("auth.") for p in perms)


def test_learner_is_not_instructor_and_cannot_open_admin(learner_client, learner):
    assert not is_instructor(learner)
    response = learner_client.get("/admin/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_instructor_can_open_admin(instructor_client):
    assert instructor_client.get("/admin/").status_code == 200


def test_demo_users_are_created_idempotently(settings):
    settings.LOCAL_MODE = True
    assert sorted(demo_users_ensure()) == ["instructor", "learner"]
    assert demo_users_ensure() == []
    assert User.objects.filter(username__in=["learner", "instructor"]).count() == 2
    assert User.objects.get(username="learner").check_password("learner-demo")
    assert User.objects.get(username="instructor").is_staff


def test_demo_users_refused_outside_local_mode(settings):
    settings.LOCAL_MODE = False
    with pytest.raises(PermissionDenied):
        demo_users_ensure()
    with pytest.raises(CommandError, match="local mode"):
        call_command("seed_demo")
    assert not User.objects.filter(username="learner").exists()


def test_user_create_can_switch_role():
    user = user_create(username="t", password="pw-12345678-x")
    from accounts.services import user_set_role

    user_set_role(user, instructor=True)
    assert list(user.groups.values_list("name", flat=True)) == [INSTRUCTORS]
    assert user.is_staff
