"""Content-Security-Policy on every page: our own origin only, scripts by file or nonce."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.django_db
PAGES = ["/", "/accounts/login/", "/accounts/signup/"]


def _policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {
        part.split()[0]: part.split()[1:] for part in (p.strip() for p in header.split(";")) if part
    }


@pytest.mark.parametrize("url", PAGES)
def test_pages_send_a_strict_policy(client, url) -> None:
    policy = _policy(client.get(url))
    assert policy["default-src"] == ["'self'"]
    for directive in ("script-src", "style-src"):
        assert "'unsafe-inline'" not in policy[directive]
        assert "'unsafe-eval'" not in policy[directive]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]


@pytest.mark.parametrize("url", [*PAGES, "/dashboard/", "/labs/", "/quizzes/", "/api/docs/"])
def test_inline_scripts_and_styles_carry_the_responses_nonce(learner_client, url) -> None:
    response = learner_client.get(url, follow=True)
    assert response.status_code == 200
    header = response["Content-Security-Policy"]
    nonce = re.search(r"'nonce-([^']+)'", header)
    html = response.content.decode()
    for tag in re.findall(r"<script\b[^>]*>", html) + re.findall(r"<style\b[^>]*>", html):
        if "src=" in tag:
            continue  # a file from our origin: allowed by 'self'
        assert nonce and f'nonce="{nonce.group(1)}"' in tag, (url, tag)
    assert not re.search(r"\son[a-z]+=", html), "inline event handlers cannot run under CSP"


def test_nonce_is_fresh_per_response(rf) -> None:
    from csp.middleware import CSPMiddleware
    from django.http import HttpResponse

    nonces = []
    for _ in range(2):
        request = rf.get("/")
        middleware = CSPMiddleware(lambda req: HttpResponse(str(req.csp_nonce)))
        nonces.append(middleware(request).content)
    assert nonces[0] != nonces[1]
