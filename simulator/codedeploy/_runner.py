"""Run EC2 hook scripts: an injectable interface, and the sandboxed implementation."""

from __future__ import annotations

import shlex
import shutil
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from simulator.sandbox import SRC_DIR, Limits, ShellSession

CURRENT, PREVIOUS = "current", "previous"


@dataclass(frozen=True)
class ScriptOutcome:
    """How one hook script ended (status is "Succeeded", "Failed" or "TimedOut")."""

    status: str
    exit_code: int | None
    duration_s: float
    output: list[str] = field(default_factory=list)
    reason: str | None = None


class TargetShell(Protocol):
    """Where one instance's scripts run; `revision` is CURRENT or PREVIOUS."""

    def run_script(
        self, revision: str, location: str, env: Mapping[str, str], timeout_s: float
    ) -> ScriptOutcome: ...

    def close(self) -> None: ...


class HookRunner(Protocol):
    """Opens a TargetShell per instance with the revision (and last good scripts) in place."""

    def open(
        self, target: str, current: Path | None, previous: Mapping[str, str]
    ) -> TargetShell: ...


BASE_ENV = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": "/root", "LANG": "C.UTF-8"}


class SandboxHookRunner:
    """Runs every hook script in bubblewrap: one sandboxed shell per instance."""

    def __init__(self, *, max_script_seconds: float = 30.0, limits: Limits | None = None) -> None:
        # A hook may declare up to 3600 s; the simulator stops a script after max_script_seconds
        # of real time and reports it as having run into its declared timeout.
        self.max_script_seconds = max_script_seconds
        self.limits = limits or Limits(wall_seconds=3600.0)

    def open(self, target: str, current: Path | None, previous: Mapping[str, str]) -> TargetShell:
        return _SandboxShell(self, current, previous)


class _SandboxShell:
    def __init__(
        self, runner: SandboxHookRunner, current: Path | None, previous: Mapping[str, str]
    ) -> None:
        self._runner = runner
        self._current = current
        self._previous = dict(previous)
        self._session: ShellSession | None = None

    def _fresh(self) -> ShellSession:
        session = ShellSession(env=BASE_ENV, limits=self._runner.limits)
        root = session.work_dir
        if self._current is not None:
            # symlinks=True copies links as links: the host never follows one from a revision.
            shutil.copytree(self._current, root / CURRENT, symlinks=True)
        prev = root / PREVIOUS
        prev.mkdir()
        for location, text in self._previous.items():
            path = (prev / location).resolve()
            if not path.is_relative_to(prev.resolve()):
                continue  # a stored location can never point outside the tree
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            path.chmod(0o755)
        session.start()
        return session

    def _shell(self) -> ShellSession:
        if self._session is None or not self._session.alive:
            if self._session is not None:
                self._session.close()
            self._session = self._fresh()
        return self._session

    def run_script(
        self, revision: str, location: str, env: Mapping[str, str], timeout_s: float
    ) -> ScriptOutcome:
        shell = self._shell()
        exports = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
        folder = f"{SRC_DIR}/{revision}"
        command = (
            f"( cd {shlex.quote(folder)} && {{ [ -x {shlex.quote(location)} ] || "
            f"chmod +x -- {shlex.quote(location)} 2>/dev/null; }}; "
            f"export {exports}; exec ./{shlex.quote(location)} ) 2>&1"
        )
        lines: list[str] = []
        limit = min(timeout_s, self._runner.max_script_seconds)
        outcome = shell.run(command, on_line=lines.append, timeout=limit)
        if outcome.status == "TIMED_OUT":
            return ScriptOutcome("TimedOut", None, outcome.duration_s, lines, outcome.reason)
        status = "Succeeded" if outcome.succeeded else "Failed"
        return ScriptOutcome(status, outcome.exit_code, outcome.duration_s, lines, outcome.reason)

    def close(self) -> None:
        if self._session is not None:
            self._session.close()
            self._session = None
