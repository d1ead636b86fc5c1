"""Fixtures for the run tests: a sandbox session factory with short limits."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from simulator.sandbox import MIB, Limits, ShellSession

BASE_ENV = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": "/root", "LANG": "C.UTF-8"}


def short_limits(**overrides: float) -> Limits:
    """Limits small enough that every hostile command ends within a couple of seconds."""
    values = {
        "wall_seconds": 3.0,
        "cpu_seconds": 2,
        "memory_bytes": 1024 * MIB,
        "processes": 64,
        "file_size_bytes": 32 * MIB,
        "disk_bytes": 64 * MIB,
        "output_bytes": 1 * MIB,
        "open_files": 128,
        "tmp_bytes": 16 * MIB,
    }
    values.update(overrides)
    return Limits(**values)


@pytest.fixture
def session_factory() -> Iterator:
    """Start sessions, each on its own private work tree; all are closed after the test."""
    opened: list[ShellSession] = []

    def make(**overrides: float) -> ShellSession:
        session = ShellSession(env=BASE_ENV, limits=short_limits(**overrides))
        session.start()
        opened.append(session)
        return session

    yield make
    for session in opened:
        session.close()
