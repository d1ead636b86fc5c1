"""Content-Security-Policy in real Chromium: the site's pages run with no blocked script or style
(the lab editor, htmx lesson pages, the API docs)."""

from __future__ import annotations

import pytest
from django.conf import settings
from playwright.sync_api import expect

from core.content import LoadReport, load_all
from courses.models import Lesson
from labs.loading import load_labs
from labs.models import Lab
from tests.browser.conftest import DESKTOP
from tests.courses.content import write_content

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Every `securitypolicyviolation` event, gathered before any page script runs.
LISTEN = """
window.__csp = [];
document.addEventListener('securitypolicyviolation',
  e => window.__csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`));
"""


@pytest.fixture
def site(tmp_path, learner) -> dict[str, str]:
    load_all(write_content(tmp_path / "content"))
    load_labs(settings.CONTENT_ROOT, LoadReport())
    lab = Lab.objects.filter(published=True).order_by("order").first()
    return {"lesson": Lesson.objects.first().get_absolute_url(), "lab": f"/labs/{lab.slug}/"}


def test_pages_run_without_csp_violations(open_page, learner, site) -> None:
    page = open_page(DESKTOP, learner)
    page.add_init_script(LISTEN)
    messages: list[str] = []
    page.on("console", lambda m: messages.append(m.text) if "Content Security" in m.text else None)
    visited = {}
    for url, ready in [
        ("/dashboard/", "main"),
        (site["lesson"], "main"),
        (site["lab"], ".cm-editor"),
        ("/quizzes/", "main"),
        ("/api/docs/", ".swagger-ui .info"),
    ]:
        page.goto(url)
        expect(page.locator(ready).first).to_be_visible()
        page.wait_for_timeout(300)  # late style injections (editor themes, htmx)
        visited[url] = page.evaluate("window.__csp")
    assert {u: v for u, v in visited.items() if v} == {}, messages
