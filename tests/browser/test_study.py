"""Browser: the demo learner logs in, opens a lesson, marks it done and sees the progress."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from accounts.services import demo_users_ensure
from core.content import load_all
from tests.courses.content import write_content

from .conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def study_content(tmp_path):
    """A small content tree (not the real, still-growing content), loaded like load_content."""
    root = write_content(tmp_path / "content")
    load_all(root)
    demo_users_ensure()
    return root


def test_learner_marks_a_lesson_done_and_sees_progress(page, study_content):
    login(page, "learner", "learner-demo")

    page.goto("/study/")
    module = page.get_by_role("listitem").filter(has_text="CodeBuild basics")
    expect(module.get_by_text("0 of 2 done")).to_be_visible()
    page.get_by_role("link", name="CodeBuild basics").click()
    page.get_by_role("link", name="Build phases and failures").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Build phases and failures")
    expect(page.get_by_role("navigation", name="Breadcrumb")).to_contain_text("CodeBuild basics")
    page.get_by_role("button", name="Mark as done").click()
    expect(page.get_by_text("You marked this lesson as done.")).to_be_visible()
    expect(page.get_by_role("button", name="Mark as not done")).to_be_visible()

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Study").click()
    expect(page).to_have_url(re.compile(r"/study/$"))
    module = page.get_by_role("listitem").filter(has_text="CodeBuild basics")
    expect(module.get_by_text("1 of 2 done")).to_be_visible()
    expect(module.get_by_role("progressbar")).to_have_attribute("aria-valuenow", "50")
    expect(page.get_by_text("Resume where you left off")).to_be_visible()
    # The lesson just finished is done: Resume goes to the next lesson not done, not back to it.
    expect(page.locator(".resume").get_by_role("link", name="Appspec hooks")).to_be_visible()
