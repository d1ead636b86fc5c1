"""The grader checks templates under the same budget: a bomb ends as the learner's finding."""

from __future__ import annotations

import time

import pytest
from django.conf import settings

from core.content import LoadReport
from labs import services
from labs.loading import load_labs
from labs.models import Lab, Submission
from tests.hardening.test_template_budget import FOREACH_BOMB

TEMPLATE_LAB = "stacksets-template"


@pytest.fixture
def template_lab(db) -> Lab:
    load_labs(settings.CONTENT_ROOT, LoadReport())
    return Lab.objects.get(slug=TEMPLATE_LAB)


def test_a_template_bomb_is_graded_quickly_as_the_learners_error(template_lab, learner) -> None:
    (name,) = template_lab.spec["files"]
    sub = Submission.objects.create(
        user=learner, lab=template_lab, number=1, files={name: FOREACH_BOMB},
        max_score=template_lab.max_points,
    )  # fmt: skip
    started = time.monotonic()
    services.submission_grade(sub.pk)
    assert time.monotonic() - started < 10  # was minutes, holding a grading slot
    sub.refresh_from_db()
    assert sub.status == Submission.Status.GRADED  # the learner's result, not "system error"
    finding = next(f for f in sub.findings[name] if f["code"] == "TP003")
    assert finding["severity"] == "error"
    assert "template too complex to check here: 8,000 generated resources" in finding["message"]
    assert sub.score == 0 or sub.percent < 100
