"""Shared fixtures: users in each role, logged-in clients, service requirements."""

from __future__ import annotations

import os

import pytest

from accounts.services import user_create

REQUIRE_SERVICES = os.environ.get("PA_REQUIRE_SERVICES") == "1"


@pytest.fixture
def learner(db):
    """A learner account (password: pw-learner-123)."""
    return user_create(username="alice", password="pw-learner-123")


@pytest.fixture
def other_learner(db):
    """A second learner, for ownership tests."""
    return user_create(username="bob", password="pw-learner-456")


@pytest.fixture
def instructor(db):
    """An instructor account: staff in the instructors group, not a superuser."""
    return user_create(username="ines", password="pw-instructor-1", instructor=True)


@pytest.fixture
def learner_client(client, learner):
    """A Django test client logged in as the learner."""
    client.force_login(learner)
    return client


@pytest.fixture
def instructor_client(client, instructor):
    """A Django test client logged in as the instructor."""
    client.force_login(instructor)
    return client


def pytest_collection_modifyitems(config, items):
    # Integration tests need PostgreSQL and Redis. Required (never skipped) when
    # PA_REQUIRE_SERVICES=1, which scripts/test.sh sets in CI.
    if REQUIRE_SERVICES:
        return
    skip = pytest.mark.skip(
        reason="needs PostgreSQL and Redis: run with CI=true make test (or PA_TEST_SERVICES=1)"
    )
    for item in items:
        if "integration" in item.keywords:
            item.add_marker(skip)
