"""A new Domain 1 lab end to end as the demo learner: find it under Domain 1 in the catalogue,
edit its files in the workspace, run and grade, and see a passing score."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import expect

from accounts.services import demo_users_ensure
from labs.models import Lab
from tests.browser.conftest import login
from tests.browser.test_labs import complete_lab, eager_grading, load_only  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.sandbox, pytest.mark.django_db(transaction=True)]

# The Domain 1 lab of labs round 2 (issue 12) that this test completes.
SLUG = "stage-variables"


def test_domain1_lab_end_to_end_to_a_passing_score(page, eager_grading, tmp_path):  # noqa: F811
    assert (Path(settings.CONTENT_ROOT) / "labs" / SLUG / "lab.yaml").is_file(), f"{SLUG} is gone"
    load_only(tmp_path / "content", SLUG)
    lab = Lab.objects.get(slug=SLUG)
    assert lab.domain == 1, f"{SLUG} is in domain {lab.domain}, not Domain 1"
    demo_users_ensure()
    login(page, "learner", "learner-demo")
    submission = complete_lab(page, SLUG)
    pass_mark = 90
    expect(page.locator(".score")).to_be_visible()
    assert submission.percent is not None and submission.percent >= pass_mark
    page.goto("/labs/")
    card = page.locator(f'section[aria-labelledby="domain-1"] [data-lab="{SLUG}"]')
    expect(card).to_contain_text("passed")
