"""Execution environments: one sandbox session per function, our bootstrap, a socket channel."""

from __future__ import annotations

import compileall
import contextlib
import importlib.metadata
import json
import os
import select
import shutil
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from simulator.lambdas._spec import NODE_RUNTIMES, FunctionSpec
from simulator.lambdas._xray import DAEMON_ADDRESS, Trace
from simulator.sandbox import MIB, Limits, Mount, ShellSession

BOOT_DIR = Path(__file__).resolve().parent / "_boot"
SANDBOX_RT = "/codebuild/pa/lambda/rt"
SANDBOX_SDK = "/codebuild/pa/lambda/sdk"
SANDBOX_BOOT = "/codebuild/pa/lambda/boot"
SANDBOX_ACCOUNT = "/codebuild/pa/account"
TASK_DIR = "/var/task"
INIT_SECONDS = 10.0  # Lambda's init phase limit
NODE_ALLOWANCE_MIB = 2048
RUNTIME_ALLOWANCE_MIB = 384  # address space the interpreter and the SDK need besides the handler
MAX_LOG_LINES = 500
SDK_PACKAGES = (
    "boto3",
    "botocore",
    "s3transfer",
    "jmespath",
    "dateutil",
    "six.py",
    "urllib3",
    "aws_xray_sdk",  # the X-Ray SDK for Python, importable as on Lambda when bundled
    "wrapt",
)
_sdk_lock = threading.Lock()


def _link_or_copy(src: str, dst: str) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def sdk_dir() -> Path:
    """boto3, the X-Ray SDK and their dependencies, hard-linked once into a root-owned
    read-only folder (named by their versions, so an upgrade gets a new folder)."""
    import boto3

    versions = "-".join(importlib.metadata.version(p) for p in ("boto3", "aws-xray-sdk", "wrapt"))
    tag = f"py{sys.version_info.major}{sys.version_info.minor}"
    target = Path(tempfile.gettempdir()) / f"pa-lambda-sdk-{versions}-{tag}-pyc"
    if (target / ".complete").is_file():
        return target
    with _sdk_lock:
        if (target / ".complete").is_file():
            return target
        site = Path(boto3.__file__).resolve().parent.parent
        staging = Path(tempfile.mkdtemp(prefix=f"{target.name}.", dir=target.parent))
        for name in SDK_PACKAGES:
            src = site / name
            if src.is_dir():
                # __pycache__ comes along: the sandbox cannot write bytecode (-B, read-only), so
                # without pip's compiled files every cold start would compile botocore again.
                shutil.copytree(src, staging / name, copy_function=_link_or_copy)
            elif src.is_file():
                _link_or_copy(str(src), str(staging / name))
        # Bytecode for every module (pip may have installed without it): the sandbox runs with
        # -B on a read-only mount, so a missing .pyc means compiling it on every cold start.
        compileall.compile_dir(staging, quiet=2, workers=1)
        (staging / ".complete").write_text(versions)
        for dirpath, _dirs, _files in os.walk(staging):
            os.chmod(dirpath, 0o555)  # noqa: S103 - read-only for everyone is the point
        try:
            staging.rename(target)
        except OSError:  # another process won the race
            shutil.rmtree(staging, ignore_errors=True)
    return target


@dataclass
class Outcome:
    """What one invocation did, as the host saw it on the channel."""

    status: str  # ok | error | timeout | crashed
    value: Any = None
    error_type: str = ""
    error_message: str = ""
    logs: list[str] = field(default_factory=list)
    duration_ms: int = 0
    cold: bool = False
    trace: Trace = field(default_factory=Trace)  # what reached the X-Ray daemon


class Environment:
    """One function's execution environment (warm between invocations until it fails)."""

    def __init__(
        self,
        spec: FunctionSpec,
        *,
        env: Mapping[str, str],
        account_dir: Path,
    ) -> None:
        self.spec = spec
        self.env = dict(env)
        self.account_dir = account_dir
        self.session: ShellSession | None = None
        self.conn: socket.socket | None = None
        self.buffer = b""
        self.dir: Path | None = None
        self.init_logs: list[str] = []
        self.started_at = 0.0

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self) -> Outcome | None:
        """Start the environment; an Outcome when the init phase failed."""
        self.dir = Path(tempfile.mkdtemp(prefix="pa-fn-"))
        self.dir.chmod(0o755)
        rt = self.dir / "rt"
        rt.mkdir()
        rt.chmod(0o755)
        (rt / "config").write_text("[default]\ns3 =\n    addressing_style = path\n")
        (rt / "config").chmod(0o644)
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(str(rt / "runtime.sock"))
        (rt / "runtime.sock").chmod(0o666)  # the sandbox's uid connects to it
        listener.listen(1)
        # A private copy of the code, readable by the sandbox's uid wherever the original is.
        task = self.dir / "task"
        shutil.copytree(self.spec.code, task, symlinks=False, ignore_dangling_symlinks=True)
        for path in [task, *task.rglob("*")]:
            if not path.is_symlink():
                path.chmod(0o755 if path.is_dir() else 0o644)
        node = self.spec.runtime in NODE_RUNTIMES
        # V8 reserves ~1.5 GiB of address space up front: for Node the heap flag is the memory
        # limit (--max-old-space-size) and the address-space cap only a backstop.
        allowance = NODE_ALLOWANCE_MIB if node else RUNTIME_ALLOWANCE_MIB
        memory = (self.spec.memory + allowance) * MIB
        limits = Limits(wall_seconds=3600, memory_bytes=memory, processes=64)
        mounts = [
            Mount(task, TASK_DIR),
            Mount(rt, SANDBOX_RT),
            Mount(BOOT_DIR, SANDBOX_BOOT),
            Mount(self.account_dir, SANDBOX_ACCOUNT),
        ]
        if self.spec.runtime not in NODE_RUNTIMES:
            mounts.append(Mount(sdk_dir(), SANDBOX_SDK))
        env = {
            **self.env,
            "AWS_CONFIG_FILE": f"{SANDBOX_RT}/config",
            "AWS_ENDPOINT_URL": "http://aws.internal",
            "LAMBDA_TASK_ROOT": TASK_DIR,
            "LAMBDA_RUNTIME_DIR": SANDBOX_BOOT,
            "_HANDLER": self.spec.handler,
            "HOME": "/tmp",  # noqa: S108 - the sandbox's own private tmpfs
            "LANG": "C.UTF-8",
            "TZ": ":UTC",
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            # Where the X-Ray SDK sends segments (the runtime relays them to the host).
            "AWS_XRAY_DAEMON_ADDRESS": DAEMON_ADDRESS,
            "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR",
        }
        self.session = ShellSession(env=env, limits=limits, mounts=mounts, cwd=TASK_DIR)
        try:
            self.session.start()
            if self.spec.runtime in NODE_RUNTIMES:
                heap = max(16, self.spec.memory - 32)
                program = f"node --max-old-space-size={heap} {SANDBOX_BOOT}/bootstrap.js"
            else:
                program = f"/usr/bin/python3 -I -S -B {SANDBOX_BOOT}/bootstrap.py"
            self.session.run(
                f"( exec {program} </dev/null >/dev/null 2>&1 & )", on_line=lambda _line: None
            )
            listener.settimeout(INIT_SECONDS)
            try:
                self.conn, _ = listener.accept()
            except TimeoutError:
                self.close()
                return Outcome(
                    "crashed",
                    error_type="Runtime.Unavailable",
                    error_message="the runtime did not start",
                )
        finally:
            listener.close()
        deadline = time.monotonic() + INIT_SECONDS
        logs: list[str] = []
        while True:
            message = self._read(deadline)
            if message is None:
                self.close()
                return Outcome(
                    "timeout" if time.monotonic() >= deadline else "crashed",
                    error_type="Runtime.InitError",
                    error_message="the init phase did not finish",
                    logs=logs,
                )
            if message.get("t") == "log":
                logs.append(str(message.get("line", "")))
            elif message.get("t") == "xray":
                continue  # Lambda discards subsegments made during init (no trace yet)
            elif message.get("t") == "ready":
                self.init_logs = logs
                return None
            else:
                self.close()
                return Outcome(
                    "crashed",
                    error_type="Runtime.ImportModuleError",
                    error_message=f"{message.get('type')}: {message.get('message')}",
                    logs=logs,
                )

    def close(self) -> None:
        if self.conn is not None:
            with contextlib.suppress(OSError):
                self.conn.close()
            self.conn = None
        if self.session is not None:
            self.session.close()
            self.session = None
        if self.dir is not None:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None
        self.buffer = b""

    @property
    def alive(self) -> bool:
        return self.conn is not None

    # -- the channel -------------------------------------------------------------------------
    def _read(self, deadline: float) -> dict[str, Any] | None:
        """The next message, or None on EOF or when the deadline passes."""
        assert self.conn is not None
        while b"\n" not in self.buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            ready, _, _ = select.select([self.conn], [], [], left)
            if not ready:
                return None
            try:
                chunk = self.conn.recv(65536)
            except OSError:
                return None
            if not chunk:
                return None
            self.buffer += chunk
            if len(self.buffer) > 8 * MIB:
                return None  # a runaway writer: treated as a crash
        line, _, self.buffer = self.buffer.partition(b"\n")
        try:
            message = json.loads(line)
        except ValueError:
            return {"t": "log", "line": line.decode("utf-8", "replace")}
        return message if isinstance(message, dict) else {}

    def invoke(
        self,
        event: Any,
        context: Mapping[str, Any],
        on_log: Callable[[str], None] | None = None,
        *,
        trace: str = "",
    ) -> Outcome:
        """Run one invocation; `trace` is the X-Ray header the runtime puts in _X_AMZN_TRACE_ID."""
        cold = not self.alive
        if cold:
            failed = self.start()
            if failed is not None:
                failed.cold = True
                return failed
        assert self.conn is not None
        started = time.monotonic()
        self.started_at = time.time()  # epoch of the handler's start: trace times count from it
        deadline = started + float(self.spec.timeout)
        logs: list[str] = list(self.init_logs) if cold else []
        self.init_logs = []
        received = Trace()
        payload = {
            "t": "invoke",
            "event": event,
            "context": dict(context),
            "timeout": float(self.spec.timeout),
            "trace": trace,
        }
        try:
            self.conn.sendall((json.dumps(payload) + "\n").encode())
        except OSError:
            self.close()
            return Outcome(
                "crashed",
                error_type="Runtime.ExitError",
                error_message="the runtime exited",
                logs=logs,
                cold=cold,
            )
        while True:
            message = self._read(deadline)
            elapsed = int((time.monotonic() - started) * 1000)
            if message is None:
                timed_out = time.monotonic() >= deadline
                self.close()  # Lambda discards the environment after a timeout or a crash
                if timed_out:
                    return Outcome(
                        "timeout",
                        error_type="Sandbox.Timedout",
                        error_message=f"Task timed out after {self.spec.timeout:.2f} seconds",
                        logs=logs,
                        duration_ms=elapsed,
                        cold=cold,
                        trace=received,
                    )
                return Outcome(
                    "crashed",
                    error_type="Runtime.ExitError",
                    error_message="Runtime exited without providing a reason",
                    logs=logs,
                    duration_ms=elapsed,
                    cold=cold,
                    trace=received,
                )
            kind = message.get("t")
            if kind == "xray":
                received.add(str(message.get("data", "")))
            elif kind == "log":
                line = str(message.get("line", ""))
                if len(logs) < MAX_LOG_LINES:
                    logs.append(line)
                if on_log:
                    on_log(line)
            elif kind == "result":
                if message.get("ok"):
                    return Outcome(
                        "ok",
                        value=message.get("value"),
                        logs=logs,
                        duration_ms=elapsed,
                        cold=cold,
                        trace=received,
                    )
                crash = bool(message.get("crash"))
                if crash:
                    self.close()
                return Outcome(
                    "crashed" if crash else "error",
                    error_type=str(message.get("type", "")),
                    error_message=str(message.get("message", "")),
                    logs=logs,
                    duration_ms=elapsed,
                    cold=cold,
                    trace=received,
                )
