"""A sandboxed bash that runs commands one at a time, streaming output and enforcing limits."""

from __future__ import annotations

import contextlib
import functools
import os
import re
import selectors
import subprocess
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from simulator.sandbox import _driver
from simulator.sandbox._bwrap import (
    Layout,
    Mount,
    bwrap_command,
    chown_tree,
    content_fd,
    etc_contents,
    fresh_host_uid,
    kill_host_uid,
    live_pids,
    rlimit_setter,
    running_as_root,
    tmpfs_mounts,
)
from simulator.sandbox._cleanup import discard_tree
from simulator.sandbox._errors import SandboxUnavailable, TreeLimit
from simulator.sandbox._limits import MIB, Limits
from simulator.sandbox._probe import can_disable_userns, probe
from simulator.sandbox._safe_fs import tree_usage
from simulator.sandbox._userns import make_userns

LineCallback = Callable[[str], None]

_MAX_LINE = 16 * 1024  # longer lines are split so one huge line cannot pin memory
_DISK_POLL_SECONDS = 0.25
_PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")
_MEMORY_SIGNS = re.compile(
    r"MemoryError|Cannot allocate memory|out of memory|bad_alloc|memory exhausted"
    r"|Allocation failed|failed to map segment",
    re.IGNORECASE,
)
_FORK_SIGNS = re.compile(r"(fork|clone).*Resource temporarily unavailable", re.IGNORECASE)

_PYTHON = "/usr/bin/python3"
_SIGNAL_NAMES = {
    1: "SIGHUP",
    2: "SIGINT",
    3: "SIGQUIT",
    4: "SIGILL",
    6: "SIGABRT",
    7: "SIGBUS",
    8: "SIGFPE",
    9: "SIGKILL",
    11: "SIGSEGV",
    13: "SIGPIPE",
    14: "SIGALRM",
    15: "SIGTERM",
    24: "SIGXCPU",
    25: "SIGXFSZ",
    31: "SIGSYS",
}
_DRIVER_GONE = (
    "the sandbox's command runner stopped before the command finished (a limit or a kill "
    "ended the session); later commands start in a fresh sandbox"
)


DRIVER_PATH = "/codebuild/driver.pyc"  # copied into the sandbox's root tmpfs (bwrap --file)


@functools.cache
def _driver_source() -> str:
    """The in-sandbox driver program (fallback: passed to python3 -c and compiled each time)."""
    return Path(_driver.__file__).read_text()


@functools.cache
def _driver_bytecode() -> bytes | None:
    """The driver compiled once by the sandbox's own python3, so a session skips compiling it."""
    with tempfile.TemporaryDirectory(prefix="pa-drv-") as folder:
        target = Path(folder) / "driver.pyc"
        done = subprocess.run(
            [
                _PYTHON,
                "-I",
                "-S",
                "-c",
                "import py_compile, sys; "
                "py_compile.compile(sys.argv[1], sys.argv[2], 'driver.py', doraise=True)",
                _driver.__file__,
                str(target),
            ],
            capture_output=True,
            timeout=30,
            check=False,
            env={},
        )
        if done.returncode != 0 or not target.is_file():
            return None
        return target.read_bytes()


@dataclass(frozen=True)
class CommandOutcome:
    """How one command ended."""

    exit_code: int | None  # None when the sandbox killed the session before it finished
    status: str  # "SUCCEEDED" | "FAILED" | "TIMED_OUT"
    reason: str | None  # plain-language cause when a limit or the sandbox ended it
    duration_s: float
    session_over: bool = False  # the session was killed: later commands cannot run
    signal: int | None = None  # the command's shell was killed by this signal (from waitpid)

    @property
    def succeeded(self) -> bool:
        return self.status == "SUCCEEDED"


@dataclass
class _Reader:
    """Turns chunks from the output pipe into lines, counting every byte."""

    on_line: LineCallback
    limit: int
    total: int = 0
    pending: bytes = b""
    recent: list[str] = field(default_factory=list)

    def feed(self, chunk: bytes) -> bool:
        """Add a chunk; False once the output limit is passed (nothing over it is shown)."""
        room = self.limit - self.total
        self.total += len(chunk)
        data = self.pending + chunk[: max(room, 0)]
        lines = data.split(b"\n")
        self.pending = lines.pop()
        while len(self.pending) > _MAX_LINE:
            lines.append(self.pending[:_MAX_LINE])
            self.pending = self.pending[_MAX_LINE:]
        for raw in lines:
            self._emit(raw)
        return self.total <= self.limit

    def note(self, text: str) -> None:
        """A line from the driver (not the command): shown, not counted as output."""
        self.flush()
        self.on_line(text)

    def flush(self) -> None:
        if self.pending:
            self._emit(self.pending)
            self.pending = b""

    def _emit(self, raw: bytes) -> None:
        text = raw.decode("utf-8", "replace").rstrip("\r")
        self.recent.append(text)
        del self.recent[:-20]
        self.on_line(text)


class ShellSession:
    """One bwrap + bash; `run()` executes a command in it (state persists between commands)."""

    def __init__(
        self,
        work_dir: Path | None = None,
        *,
        env: Mapping[str, str],
        limits: Limits | None = None,
        mounts: list[Mount] | None = None,
        cwd: str | None = None,
        clock: Callable[[], float] = time.monotonic,
        root: bool = True,
        shell: str = "bash",
    ) -> None:
        self.bwrap = probe()
        self.limits = limits or Limits()
        self._clock = clock
        self._env = dict(env)
        self._mounts = list(mounts or [])
        self._cwd = cwd
        self._proc: subprocess.Popen[bytes] | None = None
        self._uid: int | None = None
        # Commands run as root in the sandbox (as on CodeBuild) when the host can map two
        # identities (it runs as root); `run(..., user=...)` then switches to the build user.
        # Without root on the host every command runs as the build user.
        self.root = root and running_as_root()
        # buildspec env.shell: "bash" (default) or "sh" (/bin/sh: dash on the Linux images).
        self.shell = "sh" if shell in ("sh", "/bin/sh") else "bash"
        self._private = Path(tempfile.mkdtemp(prefix="pa-sbx-"))
        self._private.chmod(0o755)  # bwrap runs as the session uid and must read etc/
        self._statuses = 0  # statuses reported by the current shell
        if work_dir is None:
            work_dir = self._private / "src"
            work_dir.mkdir()
        self.work_dir = Path(work_dir)
        _check_reachable(self.work_dir)
        for mount in self._mounts:
            _check_reachable(mount.host)
        self._deadline: float | None = None
        self._dead_reason: str | None = None
        self._output_total = 0

    # -- lifecycle -------------------------------------------------------------------------
    def __enter__(self) -> ShellSession:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self) -> None:
        """Start the sandboxed shell; the wall-time budget starts now."""
        self._deadline = self._clock() + self.limits.wall_seconds
        self._spawn()

    def _spawn(self) -> None:
        uid = fresh_host_uid() if running_as_root() else None
        if uid is not None:
            chown_tree(self.work_dir, uid)
            for mount in self._mounts:
                if mount.writable:
                    chown_tree(mount.host, uid)
        userns_fd = make_userns(uid, uid + 1) if uid is not None and self.root else None
        cmd_r, self._cmd_w = os.pipe()
        self._status_r, status_w = os.pipe()
        etc_fds = {name: content_fd(text) for name, text in etc_contents().items()}
        bytecode = _driver_bytecode()
        code_fd = content_fd(bytecode) if bytecode is not None else None
        layout = Layout(self.work_dir, etc_fds, self._env, self._mounts)
        if code_fd is not None:
            layout.files[DRIVER_PATH] = code_fd
        layout.userns_fd = userns_fd
        layout.disable_userns = can_disable_userns(self.bwrap)
        if self._cwd:
            layout.cwd = self._cwd
        program = [_PYTHON, "-I", "-S"]
        program += [DRIVER_PATH] if code_fd is not None else ["-c", _driver_source()]
        program += [str(cmd_r), str(status_w), layout.cwd, self.shell]
        argv = bwrap_command(self.bwrap, layout, self.limits, program)
        try:
            self._proc = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                # bwrap's own process keeps the environment it was started with: give it
                # nothing of the host's.
                env={},
                pass_fds=(cmd_r, status_w, *etc_fds.values(), *layout.files.values())
                + ((userns_fd,) if userns_fd is not None else ()),
                start_new_session=True,
                preexec_fn=rlimit_setter(self.limits),
                user=uid,
                group=uid,
                extra_groups=[] if uid is not None else None,
            )
        finally:
            for fd in (cmd_r, status_w, *etc_fds.values(), *layout.files.values()):
                os.close(fd)
            if userns_fd is not None:
                os.close(userns_fd)
        self._uid = uid
        self._statuses = 0
        assert self._proc.stdout is not None
        os.set_blocking(self._proc.stdout.fileno(), False)
        os.set_blocking(self._status_r, False)

    def close(self) -> None:
        """Kill whatever still runs in the sandbox and release host resources."""
        self._kill()
        discard_tree(self._private)

    def _kill(self) -> None:
        proc = self._proc
        if proc is None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, 9)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=5)
        if self._uid is not None:
            kill_host_uid(self._uid)
            if self.root:
                kill_host_uid(self._uid + 1)
        for fd in (self._cmd_w, self._status_r):
            with contextlib.suppress(OSError):
                os.close(fd)
        if proc.stdout:
            proc.stdout.close()
        self._proc = None

    @property
    def alive(self) -> bool:
        return self._proc is not None and self._dead_reason is None

    def remaining_seconds(self) -> float:
        """Wall-clock seconds left in the session budget."""
        if self._deadline is None:
            return self.limits.wall_seconds
        return max(0.0, self._deadline - self._clock())

    # -- running ---------------------------------------------------------------------------
    def export(self, values: Mapping[str, str]) -> None:
        """Set environment variables for the following commands (not echoed to the log).

        The driver keeps them as part of the build's environment: a shell that exits or loses
        its state does not lose them (commands may still change them, as on CodeBuild).
        """
        items = [f"{k}={v}" for k, v in values.items() if "\0" not in k + v]
        self._env.update(values)  # a sandbox started after a crash begins with them too
        if items:
            self._send(b"E", "\0".join(items), on_line=lambda _line: None, timeout=None)

    def run(
        self,
        command: str,
        *,
        on_line: LineCallback,
        timeout: float | None = None,
        user: str | None = None,
    ) -> CommandOutcome:
        """Run one command in the shell; output goes line by line to on_line.

        user: None or "root" runs as root (CodeBuild's default); any other name runs the
        command as the unprivileged build user (buildspec `run-as`, appspec `runas`).
        """
        started = self._clock()
        if self._dead_reason is not None:
            return CommandOutcome(None, "FAILED", self._dead_reason, 0.0, session_over=True)
        if self._proc is None or self._proc.poll() is not None:
            # The previous command ended the shell itself (`exit 3`): a new shell, fresh state.
            self._kill()
            self._spawn()
        if "\0" in command:
            return CommandOutcome(None, "FAILED", "the command contains a NUL byte", 0.0)
        kind = b"C" if user in (None, "root", "0") else b"R"
        return self._send(kind, command, on_line=on_line, timeout=timeout, started=started)

    def _send(
        self,
        kind: bytes,
        text: str,
        *,
        on_line: LineCallback,
        timeout: float | None,
        started: float | None = None,
    ) -> CommandOutcome:
        """Frame one request to the driver (kind, length, bytes) and wait for its status."""
        if started is None:
            started = self._clock()
            if self._dead_reason is not None:
                return CommandOutcome(None, "FAILED", self._dead_reason, 0.0, session_over=True)
            if self._proc is None or self._proc.poll() is not None:
                self._kill()
                self._spawn()
        assert self._proc is not None and self._proc.stdout is not None
        payload = text.encode("utf-8", "surrogateescape")
        frame = kind + b"%d\n" % len(payload) + payload
        with contextlib.suppress(BrokenPipeError):  # a dead driver is noticed below
            while frame:
                frame = frame[os.write(self._cmd_w, frame) :]
        deadline = self._deadline if self._deadline is not None else started + 1e9
        if timeout is not None:
            deadline = min(deadline, started + timeout)
        reader = _Reader(on_line, max(self.limits.output_bytes - self._output_total, 0))
        outcome = self._wait(reader, deadline, started, timed_by_caller=timeout is not None)
        reader.flush()
        self._output_total += reader.total
        return outcome

    def _wait(
        self, reader: _Reader, deadline: float, started: float, *, timed_by_caller: bool
    ) -> CommandOutcome:
        assert self._proc is not None and self._proc.stdout is not None
        out_fd = self._proc.stdout.fileno()
        status_buf = b""
        next_disk = started + _DISK_POLL_SECONDS
        with selectors.DefaultSelector() as sel:
            sel.register(out_fd, selectors.EVENT_READ, "out")
            sel.register(self._status_r, selectors.EVENT_READ, "status")
            while True:
                now = self._clock()
                if now >= deadline:
                    return self._die("TIMED_OUT", self._timeout_reason(timed_by_caller), started)
                if now >= next_disk:
                    problem = self._disk_problem() or self._memory_problem()
                    if problem:
                        return self._die("FAILED", problem, started)
                    next_disk = now + _DISK_POLL_SECONDS
                events = sel.select(timeout=min(0.1, max(deadline - now, 0.0)))
                for key, _mask in events:
                    if key.data == "out":
                        if not self._drain(reader, out_fd, sel):
                            return self._die(
                                "FAILED",
                                f"output limit: the build printed more than "
                                f"{self.limits.output_bytes // MIB} MB",
                                started,
                            )
                        if any(_FORK_SIGNS.search(line) for line in reader.recent[-5:]):
                            return self._die(
                                "FAILED",
                                f"process limit: more than {self.limits.processes} processes",
                                started,
                            )
                        continue
                    chunk = self._read(self._status_r)
                    if chunk == b"":  # the driver is gone: only a kill from outside does that
                        sel.unregister(self._status_r)
                        return self._driver_gone(reader, out_fd, sel, started)
                    status_buf += chunk or b""
                    while b"\n" in status_buf:
                        line, status_buf = status_buf.split(b"\n", 1)
                        kind, _, detail = line.decode("utf-8", "replace").partition(" ")
                        if kind == "note":
                            reader.note(f"[sandbox] {detail}")
                            continue
                        self._drain(reader, out_fd, sel)
                        self._statuses += 1
                        return self._finish(kind, detail, reader, started)

    def _driver_gone(
        self, reader: _Reader, out_fd: int, sel: selectors.BaseSelector, started: float
    ) -> CommandOutcome:
        assert self._proc is not None
        with contextlib.suppress(subprocess.TimeoutExpired):
            self._proc.wait(timeout=2)
        self._drain(reader, out_fd, sel)
        if self._statuses == 0 and reader.recent and reader.recent[0].startswith("bwrap:"):
            self._kill()
            raise SandboxUnavailable(f"the sandbox could not start: {reader.recent[0]}")
        self._kill()  # the next run() starts a fresh sandbox
        return CommandOutcome(None, "FAILED", _DRIVER_GONE, self._clock() - started)

    def _finish(self, kind: str, detail: str, reader: _Reader, started: float) -> CommandOutcome:
        took = self._clock() - started
        if kind == "error":
            problem = detail
            if "Resource temporarily unavailable" in detail:
                problem = f"process limit: more than {self.limits.processes} processes"
            return CommandOutcome(None, "FAILED", problem, took)
        number = int(detail)
        if kind == "signal":
            killed = self._signal_reason(number, reader.recent)
            return CommandOutcome(128 + number, "FAILED", killed, took, signal=number)
        reason = self._exit_reason(number, reader.recent)
        return CommandOutcome(number, "SUCCEEDED" if number == 0 else "FAILED", reason, took)

    def _signal_reason(self, number: int, recent: list[str]) -> str:
        """The command's own shell was killed by a signal (waitpid says so)."""
        if number == 24:
            return f"CPU time limit: a process used more than {self.limits.cpu_seconds} s of CPU"
        if number == 25:
            return f"file size limit: a file grew past {self.limits.file_size_bytes // MIB} MB"
        if any(_MEMORY_SIGNS.search(line) for line in recent):
            return f"memory limit: {self.limits.memory_bytes // MIB} MB of memory per process"
        name = _SIGNAL_NAMES.get(number)
        return f"killed by signal {number}" + (f" ({name})" if name else "")

    def _exit_reason(self, code: int, recent: list[str]) -> str | None:
        """An exit status is reported as such (exit 252 is 252); a limit adds its cause.

        A process the shell ran that hit a limit makes the shell exit 128+N and print bash's
        own notice ("CPU time limit exceeded"); both must agree before a limit is named.
        """
        if code == 0:
            return None
        tail = "\n".join(recent[-5:])
        if code == 152 and "CPU time limit exceeded" in tail:
            return f"CPU time limit: a process used more than {self.limits.cpu_seconds} s of CPU"
        if code == 153 and "File size limit exceeded" in tail:
            return f"file size limit: a file grew past {self.limits.file_size_bytes // MIB} MB"
        if any(_MEMORY_SIGNS.search(line) for line in recent):
            return f"memory limit: {self.limits.memory_bytes // MIB} MB of memory per process"
        return None

    def _timeout_reason(self, timed_by_caller: bool) -> str:
        if timed_by_caller:
            return "timed out: the command ran past its time limit"
        return f"timed out: the run exceeded its {self.limits.wall_seconds:g} s time limit"

    def _disk_problem(self) -> str | None:
        # Every host folder the sandbox can write counts: the work tree and writable mounts
        # (secondary sources), which share one budget. The walk is bounded in entries, depth
        # and time (the session's remaining time), so no tree can hold the host here.
        roots = [self.work_dir, *(m.host for m in self._mounts if m.writable)]
        deadline = time.monotonic() + max(min(self.remaining_seconds(), 10.0), 0.5)
        used = count = 0
        try:
            for root in roots:
                room = self.limits.disk_entries - count
                size, entries = tree_usage(root, max_entries=max(room, 0), deadline=deadline)
                used, count = used + size, count + entries
        except TreeLimit as exc:
            return f"disk limit: {exc}"
        if used > self.limits.disk_bytes:
            return f"disk limit: the work tree grew past {self.limits.disk_bytes // MIB} MB"
        return None

    def _memory_problem(self) -> str | None:
        """RLIMIT_AS is per process: 100 processes of 2 GB each could still exhaust the host.

        As root every session has its own host uid, so the resident memory of all its
        processes can be added up (without root there is no reliable way to find them). Files
        in the sandbox's tmpfs mounts (/tmp, $HOME, /dev/shm) are memory too: they count.
        """
        if self._uid is None:
            return None
        resident = 0
        pids = live_pids(self._uid) + (live_pids(self._uid + 1) if self.root else [])
        for pid in pids:
            try:
                with open(f"/proc/{pid}/statm", "rb") as handle:
                    resident += int(handle.read().split()[1]) * _PAGE_BYTES
            except (OSError, IndexError, ValueError):
                continue  # the process ended meanwhile
        resident += self._tmpfs_used(pids)
        if resident > self.limits.total_memory_bytes:
            return (
                "memory limit: the build's processes and the files in its tmpfs folders (/tmp, "
                f"$HOME, /dev/shm) together used more than "
                f"{self.limits.total_memory_bytes // MIB} MB"
            )
        return None

    def _tmpfs_used(self, pids: list[int]) -> int:
        """Bytes stored in the sandbox's tmpfs mounts, seen through one of its processes."""
        for pid in pids:
            used = 0
            try:
                for dest in tmpfs_mounts(self.limits, root=self.root):
                    info = os.statvfs(f"/proc/{pid}/root{dest}")
                    used += (info.f_blocks - info.f_bfree) * info.f_frsize
            except OSError:
                continue  # not a sandbox process (bwrap outside), or it ended meanwhile
            return used
        return 0

    def _die(self, status: str, reason: str, started: float) -> CommandOutcome:
        self._dead_reason = reason
        self._kill()
        return CommandOutcome(None, status, reason, self._clock() - started, session_over=True)

    def _drain(self, reader: _Reader, fd: int, sel: selectors.BaseSelector) -> bool:
        """Read everything available now; False when the output limit is passed."""
        while True:
            chunk = self._read(fd)
            if chunk is None:
                return True
            if chunk == b"":
                with contextlib.suppress(KeyError, ValueError):
                    sel.unregister(fd)
                return True
            if not reader.feed(chunk):
                return False

    @staticmethod
    def _read(fd: int) -> bytes | None:
        try:
            return os.read(fd, 65536)
        except BlockingIOError:
            return None
        except OSError:
            return b""


def _check_reachable(path: Path) -> None:
    """bwrap runs as an unprivileged uid: every parent of a bound directory must be searchable."""
    if not running_as_root():
        return
    for parent in [path.resolve(), *path.resolve().parents]:
        if not parent.stat().st_mode & 0o001:
            raise ValueError(
                f"{path} cannot be bound into the sandbox: {parent} is not searchable by other "
                "users; let ShellSession create the work tree, or use a directory under /tmp"
            )


def run_once(
    command: str,
    work_dir: Path | None = None,
    *,
    env: Mapping[str, str],
    on_line: LineCallback,
    limits: Limits | None = None,
    mounts: list[Mount] | None = None,
    timeout: float | None = None,
) -> CommandOutcome:
    """Run one command in a fresh sandboxed shell (buildspec 0.1, hook scripts)."""
    with ShellSession(work_dir, env=env, limits=limits, mounts=mounts) as session:
        return session.run(command, on_line=on_line, timeout=timeout)
