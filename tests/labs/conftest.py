"""Fixtures: a small check-only lab loaded from a temporary content tree."""

from __future__ import annotations

import pytest

from core.content import LoadReport
from labs.loading import load_labs
from labs.models import Lab
from tests.labs.test_spec import make_lab


@pytest.fixture
def lab(db, tmp_path) -> Lab:
    """A check-only lab: 10 points for no errors, 5 for a pre_build phase; one hint costing 2."""
    make_lab(tmp_path)
    load_labs(tmp_path, LoadReport())
    return Lab.objects.get(slug="fix-buildspec")


GOOD = "version: 0.2\nphases:\n  pre_build:\n    commands:\n      - echo ready\n"
