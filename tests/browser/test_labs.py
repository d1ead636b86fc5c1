"""The complete-pipeline lab, as the demo learner: fix the buildspec, run, approve, reach 100 %."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from playwright.sync_api import expect

from accounts.services import demo_users_ensure
from core.content import LoadReport
from labs.loading import load_labs
from labs.models import Submission
from tests.browser.conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.sandbox, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def eager_grading():
    """Grade inside the request (the live server's test database is not shared with a worker)."""
    from config.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


def test_complete_pipeline_lab_to_full_marks(page, eager_grading):
    load_labs(settings.CONTENT_ROOT, LoadReport())
    demo_users_ensure()
    login(page, "learner", "learner-demo")
    page.goto("/labs/")
    page.get_by_role("link", name=re.compile("complete pipeline", re.I)).click()

    status = page.locator('[data-findings-for="buildspec.yml"]')
    expect(status).to_contain_text("1 error", timeout=15_000)  # the checker's inline finding
    editor = page.locator('[data-editor-for="buildspec.yml"]')
    expect(editor.locator(".cm-lint-marker-error")).to_have_count(1)

    # Fix the phase name in the editor, as a learner would: select the word and retype it.
    editor.locator(".cm-line", has_text=re.compile(r"^\s*prebuild:")).locator(
        "text=prebuild"
    ).dblclick()
    page.keyboard.type("pre_build")
    expect(status).to_contain_text("No errors", timeout=15_000)
    expect(editor.locator(".cm-lint-marker-error")).to_have_count(0)

    # Eager grading runs inside this request (the sandboxed build and the pipeline): allow it time.
    page.get_by_role("button", name="Run & grade").click(timeout=60_000)
    expect(page.locator("#submission-status")).to_have_attribute(
        "data-status", "awaiting_approval", timeout=60_000
    )
    expect(page.get_by_text("waiting for a manual approval")).to_be_visible()
    page.get_by_role("button", name="Approve").click(timeout=60_000)
    expect(page.locator("#submission-status")).to_have_attribute(
        "data-status", "graded", timeout=60_000
    )
    expect(page.locator(".score")).to_contain_text("(100 %)")
    submission = Submission.objects.get()
    assert submission.percent == 100.0 and submission.approval == "approved"
    assert "pre_build:" in submission.files["buildspec.yml"]
