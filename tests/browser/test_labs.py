"""Labs in the browser as the demo learner: the complete pipeline to full marks (fix, run,
approve), and a new lab from the catalogue by domain to a passing grade, with screenshots."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import expect

from accounts.services import demo_users_ensure
from core.content import LoadReport
from labs.loading import load_labs
from labs.models import Submission
from labs.spec import parse_lab
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


def load_only(tmp_path: Path, *slugs: str) -> None:
    """Load just these labs (a copy of their folders), so that a lab being written elsewhere in
    content/labs cannot stop this test."""
    import shutil

    from core.guide import load_exam_guide

    for slug in slugs:
        shutil.copytree(Path(settings.CONTENT_ROOT) / "labs" / slug, tmp_path / "labs" / slug)
    load_exam_guide(Path(settings.CONTENT_ROOT), LoadReport())  # the skills' texts on the cards
    load_labs(tmp_path, LoadReport())


def replace_file(page, name: str, text: str) -> None:
    """Select everything in the editor of `name` and put `text` in its place, as a paste does
    (no auto-indent on the way in)."""
    content = page.locator(f'[data-editor-for="{name}"] .cm-content')
    content.click()
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.insert_text(text)


def run_and_wait_for_grade(page) -> None:
    """Run & grade, then wait until the submission page shows a grade (eager grading runs the
    sandboxed scenario inside the request: allow it time)."""
    page.get_by_role("button", name="Run & grade").click(timeout=90_000)
    expect(page.locator("#submission-status")).to_have_attribute(
        "data-status", "graded", timeout=90_000
    )


def complete_lab(page, slug: str, shots: Path | None = None) -> Submission:
    """From the lab list, open the lab (found under its domain's heading), put the reference
    answer into each editor, run and wait for the grade. Screenshots when `shots` is set."""
    spec = parse_lab(Path(settings.CONTENT_ROOT) / "labs" / slug)
    page.goto("/labs/")
    section = page.locator(f'section[aria-labelledby="domain-{spec.domain}"]')
    card = section.locator(f'[data-lab="{slug}"]')
    expect(card).to_be_visible()
    if spec.skills:
        expect(card.locator(".lab-skills")).to_contain_text(spec.skills[0])
    if shots is not None:
        page.screenshot(path=str(shots / "lab-list.png"), full_page=True)
    card.get_by_role("link", name=spec.title).click()
    expect(page.get_by_text("What this lab proves")).to_be_visible()
    if shots is not None:
        page.screenshot(path=str(shots / "lab-page.png"), full_page=False)
    for name, text in spec.reference.items():
        replace_file(page, name, text)
        expect(page.locator(f'[data-findings-for="{name}"]')).not_to_contain_text(
            re.compile(r"\b[1-9]\d* errors?\b"), timeout=15_000
        )
    run_and_wait_for_grade(page)
    return Submission.objects.get(lab__slug=slug)


def test_complete_pipeline_lab_to_full_marks(page, eager_grading, tmp_path):
    load_only(tmp_path, "complete-pipeline")
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

    # The two faults the checker cannot see (both files are valid): a missing artifact file in
    # the buildspec and a misnamed file in the pipeline. Fixed here as a paste of the answer.
    spec = parse_lab(Path(settings.CONTENT_ROOT) / "labs" / "complete-pipeline")
    for name, text in spec.reference.items():
        replace_file(page, name, text)

    page.get_by_role("button", name="Run & grade").click(timeout=90_000)
    expect(page.locator("#submission-status")).to_have_attribute(
        "data-status", "awaiting_approval", timeout=90_000
    )
    expect(page.get_by_text("waiting for a manual approval")).to_be_visible()
    page.get_by_role("button", name="Approve").click(timeout=90_000)
    expect(page.locator("#submission-status")).to_have_attribute(
        "data-status", "graded", timeout=90_000
    )
    expect(page.locator(".score")).to_contain_text("(100 %)")
    submission = Submission.objects.get()
    assert submission.percent == 100.0 and submission.approval == "approved"
    assert "pre_build:" in submission.files["buildspec.yml"]


def test_parameter_store_labels_from_the_domain_list_to_a_pass(page, eager_grading, tmp_path):
    load_only(tmp_path / "content", "parameter-store-labels", "stacksets-deploy")
    shots = tmp_path / "shots"
    shots.mkdir()
    demo_users_ensure()
    login(page, "learner", "learner-demo")
    submission = complete_lab(page, "parameter-store-labels", shots=shots)
    expect(page.locator(".score")).to_contain_text("(100 %)")
    assert submission.percent == 100.0
    assert "$PARAM:prod" in submission.files["buildspec.yml"]
    # Back on the list, the lab is marked passed under its domain.
    page.goto("/labs/")
    card = page.locator('section[aria-labelledby="domain-3"] [data-lab="parameter-store-labels"]')
    expect(card).to_contain_text("best 100 % · passed")
    for shot in ("lab-list.png", "lab-page.png"):
        assert (shots / shot).stat().st_size > 10_000
