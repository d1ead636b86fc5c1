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


@pytest.fixture(
    params=[(True, "bash"), (False, "bash"), (True, "sh")],
    ids=["as-root", "single-user", "sh-as-root"],
)
def both_identities(request) -> Iterator:
    """session_factory for the sandbox modes: root + build user or the build user only; sh."""
    root, shell = request.param
    yield from _factory(root=root, shell=shell)


def _factory(*, root: bool, shell: str = "bash") -> Iterator:
    opened: list[ShellSession] = []

    def make(**overrides: float) -> ShellSession:
        limits = short_limits(**overrides)
        session = ShellSession(env=BASE_ENV, limits=limits, root=root, shell=shell)
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
