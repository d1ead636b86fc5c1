"""Fixtures: sandbox sessions with short limits (shared with the run tests)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from simulator.sandbox import ShellSession
from tests.simulator.run.conftest import BASE_ENV, short_limits


@pytest.fixture
def session_factory() -> Iterator:
    """Start sessions on private work trees; all are closed after the test."""
    yield from _factory(root=True)


@pytest.fixture(params=[True, False], ids=["as-root", "single-user"])
def both_identities(request) -> Iterator:
    """session_factory for the two sandbox modes: root + build user, or the build user only."""
    yield from _factory(root=request.param)


def _factory(*, root: bool) -> Iterator:
    opened: list[ShellSession] = []

    def make(**overrides: float) -> ShellSession:
        session = ShellSession(env=BASE_ENV, limits=short_limits(**overrides), root=root)
        session.start()
        opened.append(session)
        return session

    yield make
    for session in opened:
        session.close()


def run(session: ShellSession, command: str, **kw):
    """(outcome, output lines) of one command."""
    lines: list[str] = []
    if kw.get("user") is None:
        kw.pop("user", None)
    outcome = session.run(command, on_line=lines.append, **kw)
    return outcome, lines
