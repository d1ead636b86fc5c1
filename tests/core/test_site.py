"""Site-level pages: home, dashboard, error pages, health check, navigation and layout."""

import pytest
from django.test import override_settings
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_home_for_anonymous_and_redirect_for_signed_in(client, learner):
    response = client.get("/")
    assert response.status_code == 200
    assert b"Create a free account" in response.content
    client.force_login(learner)
    assert client.get("/")["Location"] == reverse("core:dashboard")


def test_dashboard_needs_login(client):
    response = client.get(reverse("core:dashboard"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_layout_has_navigation_skip_link_and_theme_toggle(learner_client):
    html = learner_client.get(reverse("core:dashboard")).content.decode()
    for label in ("Study", "Quizzes", "Labs", "Dashboard"):
        assert f">{label}</a>" in html
    assert 'class="skip-link" href="#main"' in html
    assert 'id="theme-toggle"' in html and "aria-label" in html
    assert 'aria-current="page"' in html  # the dashboard entry is marked current


@override_settings(DEBUG=False)
def test_unknown_url_gets_styled_404(client):
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert b"Page not found" in response.content
    assert b"Pipeline Academy" in response.content


def test_healthz(client):
    assert client.get("/healthz").json() == {"status": "ok", "database": "ok", "broker": "ok"}


def test_api_schema_is_served(learner_client):
    response = learner_client.get("/api/schema/")
    assert response.status_code == 200
    assert b"openapi" in response.content


def test_read_only_pages_refuse_other_methods(learner_client):
    assert learner_client.post(reverse("core:dashboard")).status_code == 405
    assert learner_client.post("/healthz").status_code == 405


@override_settings(DEBUG=False)
def test_csrf_failure_page_is_styled(learner):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(learner)
    response = client.post(reverse("logout"))
    assert response.status_code == 403
    assert b"This form has expired" in response.content and b"Pipeline Academy" in response.content
