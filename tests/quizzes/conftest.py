"""Fixtures for the quizzes tests: a fixed clock and a small bank."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.quizzes.bank import make_bank


@pytest.fixture
def t0():
    """A fixed 'now' injected into the services."""
    return datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def bank(db):
    """8 questions per domain (a quarter of them multiple response)."""
    return make_bank({1: 8, 2: 8, 3: 8, 4: 8})


@pytest.fixture(autouse=True)
def no_broker(monkeypatch):
    """Record expiry scheduling instead of publishing: the test settings keep the real broker
    folder, and a test must never queue work for someone's worker."""
    from quizzes.tasks import attempt_expire

    calls: list[dict] = []
    monkeypatch.setattr(attempt_expire, "apply_async", lambda **kw: calls.append(kw))
    return calls
