"""Run EC2 hook scripts: an injectable interface, and the sandboxed implementation."""

from __future__ import annotations

import contextlib
import os
import shlex
import shutil
import stat
import tempfile
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Protocol

from simulator.codedeploy._disk import AGENT_DIR, InstanceDisk
from simulator.sandbox import SRC_DIR, Limits, Mount, ShellSession

CURRENT, PREVIOUS = "current", "previous"


class ScriptStatus(StrEnum):
    """How a hook script ended, as the engine reads it."""

    SUCCEEDED = "Succeeded"
    FAILED = "Failed"
    TIMED_OUT = "TimedOut"  # ran into its AppSpec timeout on the virtual clock (as on AWS)
    SIMULATOR_LIMIT = "SimulatorLimit"  # stopped by the host's real-time cap: not an AWS event


@dataclass(frozen=True)
class ScriptOutcome:
    """How one hook script ended (status: a ScriptStatus value).

    virtual_s is the script's time on the deployment's virtual clock (real time plus what
    `sleep` added); None means the real duration.
    """

    status: str
    exit_code: int | None
    duration_s: float
    output: list[str] = field(default_factory=list)
    reason: str | None = None
    virtual_s: float | None = None
    limit_s: float | None = None  # the real-time cap that stopped it (SimulatorLimit)


@dataclass
class InstanceView:
    """What one instance's scripts see besides the revision: its disk, at the real paths."""

    disk: InstanceDisk
    paths: list[str]  # instance paths that must be reachable (destinations, installed files)
    uids: tuple[int, int] | None = None  # host uids of the sandbox's root and runas user


_VIEW: ContextVar[InstanceView | None] = ContextVar("codedeploy_instance_view", default=None)


@contextlib.contextmanager
def viewing(view: InstanceView | None) -> Iterator[None]:
    """Runners opened inside this block show `view` to the scripts (wrappers pass through)."""
    token = _VIEW.set(view)
    try:
        yield
    finally:
        _VIEW.reset(token)


class TargetShell(Protocol):
    """Where one instance's scripts run; `revision` is CURRENT or PREVIOUS.

    env["USER"], when set and not root, is the AppSpec `runas` user the script runs as.
    """

    def run_script(
        self, revision: str, location: str, env: Mapping[str, str], timeout_s: float
    ) -> ScriptOutcome: ...

    def close(self) -> None: ...


class HookRunner(Protocol):
    """Opens a TargetShell per instance with the revision (and last good scripts) in place."""

    def open(
        self, target: str, current: Path | None, previous: Mapping[str, str]
    ) -> TargetShell: ...


BASE_ENV = {
    "PATH": f"{AGENT_DIR}/bin:/usr/local/bin:/usr/bin:/bin",
    "HOME": "/root",
    "LANG": "C.UTF-8",
}
# `sleep` inside hook scripts advances the virtual clock instead of the host's: a hook that
# waits 40 s with the default 3600 s timeout succeeds at once; one that sleeps past its timeout
# is stopped (its parent script killed) and reported as timed out, as the agent would.
SLEEP_SHIM = r"""#!/bin/sh
# Pipeline Academy: sleep on the deployment's virtual clock.
agent=/opt/codedeploy-agent
secs=$(awk -v a="$*" 'BEGIN {
  n = split(a, w, " "); t = 0
  if (n == 0) exit 1
  for (i = 1; i <= n; i++) {
    v = w[i]; m = 1; u = substr(v, length(v))
    if (v == "infinity" || v == "inf") { print "inf"; exit 0 }
    if (u == "s") v = substr(v, 1, length(v) - 1)
    else if (u == "m") { m = 60; v = substr(v, 1, length(v) - 1) }
    else if (u == "h") { m = 3600; v = substr(v, 1, length(v) - 1) }
    else if (u == "d") { m = 86400; v = substr(v, 1, length(v) - 1) }
    if (v !~ /^[0-9]*[.]?[0-9]+$/) exit 1
    t += v * m
  }
  printf "%.3f\n", t }') || exec /bin/sleep "$@"
echo "$secs" >> "$agent/slept" 2>/dev/null
over=$(awk -v lim="$(cat "$agent/limit" 2>/dev/null || echo 3600)" \
  '{ if ($1 == "inf") s = 1e18; else s += $1 } END { print (s > lim) ? 1 : 0 }' "$agent/slept")
if [ "$over" = 1 ]; then
  kill -KILL "$PPID" 2>/dev/null
  exit 137
fi
exit 0
"""
_FILE_FLAGS = os.O_NOFOLLOW | os.O_CLOEXEC


class SandboxHookRunner:
    """Runs every hook script in bubblewrap: one sandboxed shell per instance."""

    def __init__(self, *, max_script_seconds: float = 30.0, limits: Limits | None = None) -> None:
        # A hook may declare up to 3600 s on the virtual clock; max_script_seconds caps the real
        # time one script may hold the host, and is reported as the simulator's limit.
        self.max_script_seconds = max_script_seconds
        self.limits = limits or Limits(wall_seconds=3600.0)

    def open(self, target: str, current: Path | None, previous: Mapping[str, str]) -> TargetShell:
        return _SandboxShell(self, current, previous, _VIEW.get())


def _agent_folder() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="pa-agent-"))
    folder.chmod(0o755)
    (folder / "bin").mkdir(mode=0o755)
    shim = folder / "bin" / "sleep"
    shim.write_text(SLEEP_SHIM)
    shim.chmod(0o755)
    return folder


class _SandboxShell:
    def __init__(
        self,
        runner: SandboxHookRunner,
        current: Path | None,
        previous: Mapping[str, str],
        view: InstanceView | None = None,
    ) -> None:
        self._runner = runner
        self._current = current
        self._previous = dict(previous)
        self._view = view
        self._session: ShellSession | None = None
        self._agent: Path | None = None

    def _fresh(self) -> ShellSession:
        if self._agent is None:
            self._agent = _agent_folder()
        mounts: list[Mount] = []
        if self._view is not None:
            mounts += self._view.disk.mounts(self._view.paths, root_mode=os.geteuid() == 0)
        mounts.append(Mount(self._agent, AGENT_DIR, writable=True))
        session = ShellSession(env=BASE_ENV, limits=self._runner.limits, mounts=mounts)
        root = session.work_dir
        if self._current is not None:
            # symlinks=True copies links as links: the host never follows one from a revision.
            shutil.copytree(self._current, root / CURRENT, symlinks=True)
            (root / CURRENT).chmod(0o755)  # a runas user must enter it too
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
        self._own(session)
        return session

    def _own(self, session: ShellSession) -> None:
        """After a start the sandbox owns its folders: give CodeDeploy's owners back."""
        if self._view is None:
            return
        uid = session.work_dir.stat().st_uid
        if uid == os.geteuid():
            self._view.uids = None  # an unprivileged host: one identity, nothing to map
            return
        self._view.uids = (uid, uid + 1 if session.root else uid)
        self._view.disk.apply_owners(*self._view.uids)

    def _shell(self) -> ShellSession:
        if self._session is None or not self._session.alive:
            if self._session is not None:
                self._session.close()
            self._session = self._fresh()
        return self._session

    def _clock(self, limit: float) -> None:
        """Start the script's virtual clock: nothing slept yet, its timeout as the limit."""
        assert self._agent is not None
        fd = os.open(self._agent, os.O_RDONLY | os.O_DIRECTORY | _FILE_FLAGS)
        try:
            for name, text, mode in (("slept", "", 0o666), ("limit", f"{limit:g}\n", 0o644)):
                with contextlib.suppress(FileNotFoundError, IsADirectoryError, PermissionError):
                    os.unlink(name, dir_fd=fd)
                flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _FILE_FLAGS
                out = os.open(name, flags, mode, dir_fd=fd)
                try:
                    os.write(out, text.encode())
                    os.fchmod(out, mode)
                finally:
                    os.close(out)
        finally:
            os.close(fd)

    def _slept(self) -> float:
        """Seconds the script's `sleep` calls added to the virtual clock."""
        assert self._agent is not None
        try:
            fd = os.open(self._agent / "slept", os.O_RDONLY | os.O_NONBLOCK | _FILE_FLAGS)
        except OSError:
            return 0.0
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                return 0.0
            data = os.read(fd, 1 << 20).decode("ascii", "replace")
        finally:
            os.close(fd)
        total = 0.0
        for line in data.split():
            if line == "inf":
                return float("inf")
            with contextlib.suppress(ValueError):
                total += max(float(line), 0.0)
        return total

    def run_script(
        self, revision: str, location: str, env: Mapping[str, str], timeout_s: float
    ) -> ScriptOutcome:
        shell = self._shell()
        user = env.get("USER")
        user = None if user in (None, "", "root", "0") else user
        folder = f"{SRC_DIR}/{revision}"
        quoted = shlex.quote(location)
        make_executable = (
            f"cd {shlex.quote(folder)} && "
            f"{{ [ -x {quoted} ] || chmod +x -- {quoted} 2>/dev/null; }}"
        )
        if user is not None:
            # The agent (root) makes a script executable; the runas user could not.
            shell.run(make_executable, on_line=lambda _line: None, timeout=10)
        exports = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
        command = f"( {make_executable}; export {exports}; exec ./{quoted} ) 2>&1"
        lines: list[str] = []
        cap = self._runner.max_script_seconds
        self._clock(timeout_s)
        outcome = shell.run(command, on_line=lines.append, timeout=min(timeout_s, cap), user=user)
        virtual = outcome.duration_s + self._slept()
        if virtual > timeout_s or (outcome.status == "TIMED_OUT" and timeout_s <= cap):
            return ScriptOutcome(
                ScriptStatus.TIMED_OUT, None, outcome.duration_s, lines, outcome.reason, virtual
            )
        if outcome.status == "TIMED_OUT":
            return ScriptOutcome(
                ScriptStatus.SIMULATOR_LIMIT,
                None,
                outcome.duration_s,
                lines,
                outcome.reason,
                virtual,
                limit_s=cap,
            )
        status = ScriptStatus.SUCCEEDED if outcome.succeeded else ScriptStatus.FAILED
        return ScriptOutcome(
            status, outcome.exit_code, outcome.duration_s, lines, outcome.reason, virtual
        )

    def close(self) -> None:
        if self._session is not None:
            self._session.close()
            self._session = None
        if self._agent is not None:
            shutil.rmtree(self._agent, ignore_errors=True)
            self._agent = None
