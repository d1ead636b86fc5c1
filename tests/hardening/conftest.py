"""Fixtures for the hardening tests: a small check-only lab that grades in milliseconds."""

from __future__ import annotations

import pytest

from core.content import LoadReport
from labs.loading import load_labs
from labs.models import Lab
from tests.labs.test_spec import make_lab


@pytest.fixture
def grading_lab(db, tmp_path) -> Lab:
    """The labs tests' check-only lab (15 points), loaded from a temporary content tree."""
    make_lab(tmp_path)
    load_labs(tmp_path, LoadReport())
    return Lab.objects.get(slug="fix-buildspec")


@pytest.fixture
def lab(grading_lab) -> Lab:
    """Tests in this folder that grade use the check-only lab (files may define their own)."""
    return grading_lab
