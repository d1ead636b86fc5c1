"""Every page of the crawl, in real Chromium at 1366×900 and 390×844, as each role: no page is
wider than the viewport. The main pages also pass axe-core (from package-lock.json) with no
serious or critical violation."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.urls import get_resolver

from tests.browser.conftest import VIEWPORTS, no_horizontal_overflow
from tests.core.test_no_server_errors import PARAM, _routes, seed  # noqa: F401 (a fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
# Not pages: API (JSON), downloads, actions that only take POST, the health check.
SKIP_PREFIXES = ("api/", "healthz", "favicon.ico", "accounts/logout/")
SKIP_SUFFIXES = (".csv",)


def _pages(seed) -> list[str]:  # noqa: F811 (the fixture's value)
    """Each URL pattern once, filled with the seed's real ids and slugs (the owner's first)."""
    paths = []
    for route in _routes(get_resolver()):
        template = route.template
        if template.startswith(SKIP_PREFIXES) or template.endswith(SKIP_SUFFIXES):
            continue
        values = {}
        for match in PARAM.finditer(template):
            real = seed.by_name.get(match["name"])
            if not real:
                break
            values[match["name"]] = real[0]
        else:
            paths.append("/" + PARAM.sub(lambda m, v=values: v[m["name"]], template))
    # Long input that once widened the page (a 300-character search term: 2,136 px).
    paths.append("/study/search/?q=" + "x" * 300)
    return sorted(set(paths))


def _widths(page, paths: list[str]) -> tuple[list[str], int]:
    """Pages wider than the viewport, and how many HTML pages were measured."""
    too_wide, measured = [], 0
    for path in paths:
        # Ask first (same cookies): only 200 HTML pages are opened, so no error page or
        # download ever interrupts the next navigation.
        probe = page.request.get(path, max_redirects=0)
        if probe.status != 200 or "text/html" not in probe.headers.get("content-type", ""):
            continue
        response = page.goto(path)
        assert response is not None and response.status == 200, path
        measured += 1
        extra = no_horizontal_overflow(page)
        if extra > 0:
            too_wide.append(f"{path}: {extra} px too wide")
    return too_wide, measured


@pytest.mark.parametrize("viewport", ["desktop", "mobile"])
@pytest.mark.parametrize("role", ["anonymous", "learner", "instructor"])
def test_no_page_of_the_crawl_overflows(open_page, seed, role, viewport, request):  # noqa: F811
    user = None if role == "anonymous" else request.getfixturevalue(role)
    page = open_page(VIEWPORTS[viewport], user)
    paths = _pages(seed)
    assert len(paths) > 20, paths
    too_wide, measured = _widths(page, paths)
    assert measured >= (8 if role == "anonymous" else 20), measured
    assert not too_wide, "\n".join(too_wide)


MAIN_PAGES = {
    "anonymous": ["/", "/accounts/login/", "/accounts/signup/", "/study/", "/labs/"],
    "learner": [
        "/dashboard/",
        "/study/",
        "/study/codebuild-basics/",
        "/study/codebuild-basics/buildspec-structure/",
        "/labs/",
        "/labs/fix-buildspec/",
        "/labs/submissions/{submission}/",
        "/quizzes/",
    ],
    "instructor": ["/instructor/", "/labs/fix-buildspec/submissions/"],
}


def _axe(page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))"
    )
    return [
        f"{v['impact']} {v['id']}: {v['help']} at {v['nodes']}"
        for v in result
        if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize("viewport", ["desktop", "mobile"])
@pytest.mark.parametrize("role", ["anonymous", "learner", "instructor"])
def test_main_pages_pass_axe(open_page, seed, role, viewport, request):  # noqa: F811
    assert AXE.exists(), "axe-core is missing: run `make install` (npm ci from package-lock.json)"
    user = None if role == "anonymous" else request.getfixturevalue(role)
    # The CSP would refuse the injected axe script; the page itself is unchanged.
    page = open_page(VIEWPORTS[viewport], user, bypass_csp=True)
    problems = []
    for path in MAIN_PAGES[role]:
        path = path.format(submission=seed.by_name["pk"][0])
        response = page.goto(path)
        assert response.status == 200, path
        problems += [f"{path}: {p}" for p in _axe(page)]
    assert not problems, "\n".join(problems)
