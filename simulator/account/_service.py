"""Host handle of one run's account server: start it, seed it, ask it, stop it."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
from dataclasses import fields
from pathlib import Path
from typing import Any

from simulator.account._types import (
    AccountSnapshot,
    Alias,
    ApiCall,
    Function,
    FunctionVersion,
    Image,
    Parameter,
    ParameterVersion,
    S3Object,
    Secret,
    SecretVersion,
    Stack,
    StackInstance,
)
from simulator.sandbox import discard_tree

SANDBOX_ACCOUNT_DIR = "/codebuild/pa/account"  # where the sandbox sees aws.sock
SANDBOX_SOCKET = f"{SANDBOX_ACCOUNT_DIR}/aws.sock"
_PROJECT_ROOT = Path(__file__).resolve().parents[2]


class AccountUnavailable(RuntimeError):
    """The account server could not be started or stopped answering."""


class AccountRequestError(KeyError):
    """The account refused a host request; args[0] is "Code: message" like the old World."""

    def __init__(self, message: str, code: str = "") -> None:
        super().__init__(message)
        self.code = code


class _UnixConnection(http.client.HTTPConnection):
    def __init__(self, path: str, timeout: float = 60.0) -> None:
        super().__init__("localhost", timeout=timeout)
        self._path = path

    def connect(self) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        sock.connect(self._path)
        self.sock = sock


class Zygote:
    """One warm parent per host process (started on first use)."""

    _lock = threading.Lock()
    _proc: subprocess.Popen[str] | None = None
    _pid: int | None = None
    _spawned = 0  # account servers this host process asked for

    @classmethod
    def spawn(cls, directory: Path) -> int:
        with cls._lock:
            proc = cls._ensure()
            assert proc.stdin is not None and proc.stdout is not None
            # The first run forks from the lightly warmed zygote; from the second on, a host
            # process runs many: load every service into the zygote once (see _zygote.py).
            request = {"dir": str(directory), "warm": cls._spawned >= 1}
            cls._spawned += 1
            proc.stdin.write(json.dumps(request) + "\n")
            proc.stdin.flush()
            line = proc.stdout.readline()
        try:
            answer = json.loads(line)
        except ValueError as exc:
            raise AccountUnavailable(f"the account zygote answered {line!r:.200}") from exc
        if "pid" not in answer:
            raise AccountUnavailable(f"the account server did not start: {answer}")
        return int(answer["pid"])

    @classmethod
    def _ensure(cls) -> subprocess.Popen[str]:
        # A forked host process (a Celery child) needs its own zygote: pipes are not shared.
        if cls._proc is not None and cls._pid == os.getpid() and cls._proc.poll() is None:
            return cls._proc
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "PYTHONPATH": str(_PROJECT_ROOT),
            "LANG": "C.UTF-8",
        }
        proc = subprocess.Popen(
            [sys.executable, "-m", "simulator.account._zygote"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
            cwd=str(_PROJECT_ROOT),
        )
        assert proc.stdout is not None
        ready = proc.stdout.readline()
        if '"ready"' not in ready:
            raise AccountUnavailable("the account zygote did not start (is moto installed?)")
        cls._proc, cls._pid, cls._spawned = proc, os.getpid(), 0
        return proc


def prewarm() -> None:
    """Start the zygote and load every service now (a worker calls this at start)."""
    with Zygote._lock:
        proc = Zygote._ensure()
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write(json.dumps({"warm": True}) + "\n")
        proc.stdin.flush()
        answer = proc.stdout.readline()
        if '"warm"' not in answer:
            raise AccountUnavailable(f"the account zygote did not warm up: {answer!r:.200}")


class AccountService:
    """One run's account server (all accounts and Regions of one world)."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="pa-acct-"))
        self.dir.chmod(0o755)
        self.pid: int | None = Zygote.spawn(self.dir)
        self._seen_calls = 0

    @property
    def sandbox_dir(self) -> Path:
        """Host folder holding only aws.sock: bind it at SANDBOX_ACCOUNT_DIR."""
        return self.dir / "sandbox"

    def call(self, op: str, **kwargs: Any) -> Any:
        if self.pid is None:
            raise AccountUnavailable("the account server was stopped")
        conn = _UnixConnection(str(self.dir / "control.sock"))
        try:
            body = json.dumps(kwargs).encode()
            conn.request("POST", f"/{op}", body, {"Content-Type": "application/json"})
            answer = json.loads(conn.getresponse().read())
        except (OSError, ValueError, http.client.HTTPException) as exc:
            raise AccountUnavailable(f"the account server did not answer {op}: {exc}") from exc
        finally:
            conn.close()
        if not answer.get("ok"):
            if "trace" in answer:
                raise AccountUnavailable(f"{op}: {answer.get('error')}\n{answer['trace']}")
            raise AccountRequestError(answer.get("error", "refused"), answer.get("code", ""))
        return answer.get("result")

    def calls(self) -> list[ApiCall]:
        return [ApiCall(**c) for c in self.call("calls", since=0)]

    def snapshot(self) -> AccountSnapshot:
        return snapshot_from_export(self.call("export"))

    def close(self) -> None:
        pid, self.pid = self.pid, None
        if pid is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        discard_tree(self.dir)


def _only(cls: type, data: dict[str, Any]) -> Any:
    names = {f.name for f in fields(cls)}
    return cls(**{k: v for k, v in data.items() if k in names})


def snapshot_from_export(data: dict[str, Any]) -> AccountSnapshot:
    """Typed snapshot of what the backend holds (from the server's export)."""
    params = tuple(
        Parameter(
            name=p.get("name", name),
            type=p["type"],
            value=p["versions"][-1]["value"] if p["versions"] else "",
            version=p["versions"][-1]["version"] if p["versions"] else 0,
            account=p["account"],
            region=p["region"],
            history=tuple(
                ParameterVersion(v["version"], v["value"], tuple(v["labels"]))
                for v in p["versions"]
            ),
        )
        for name, p in data["parameters"].items()
    )
    secrets = tuple(
        Secret(
            name=s.get("name", name),
            arn=s["arn"],
            account=s["account"],
            region=s["region"],
            versions=tuple(
                SecretVersion(v["id"], tuple(v["stages"]), v["value"]) for v in s["versions"]
            ),
        )
        for name, s in data["secrets"].items()
    )
    images = tuple(
        Image(repo, r["account"], r["region"], i["digest"], tuple(i["tags"]))
        for repo, r in data["ecr"].items()
        for i in r["images"]
    )
    objects = tuple(
        S3Object(
            bucket,
            key,
            o["size"],
            o.get("sha256", ""),
            b["account"],
            b["region"],
            text=o.get("text"),
        )
        for bucket, b in data["s3"].items()
        for key, o in b["objects"].items()
    )
    stacks = tuple(_only(Stack, s) for s in data["stacks"])
    instances = tuple(_only(StackInstance, s) for s in data["stack_instances"])
    functions = tuple(
        Function(
            name=name,
            account=f["account"],
            region=f["region"],
            code_sha256=f["code_sha256"],
            environment=f.get("environment", {}),
            versions=tuple(
                FunctionVersion(str(v["version"]), v["code_sha256"], v["description"])
                for v in f["versions"]
            ),
            aliases={
                a: Alias(a, str(v["version"]), {str(k): float(w) for k, w in v["weights"].items()})
                for a, v in f["aliases"].items()
            },
        )
        for name, f in data["lambda"].items()
    )
    return AccountSnapshot(
        s3_objects=objects,
        parameters=params,
        secrets=secrets,
        images=images,
        stacks=stacks,
        stack_instances=instances,
        functions=functions,
        extra={k: v for k, v in data.items() if k.startswith("x-")},
    )
