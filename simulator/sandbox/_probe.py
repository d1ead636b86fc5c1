"""Check once per process that bubblewrap can create the namespaces we rely on."""

from __future__ import annotations

import functools
import os
import shutil
import subprocess

from simulator.sandbox._bwrap import fresh_host_uid
from simulator.sandbox._errors import SandboxUnavailable

BWRAP_CANDIDATES = ("/usr/bin/bwrap", "/bin/bwrap")


def find_bwrap() -> str:
    """Path of the bwrap binary, or SandboxUnavailable with the install hint."""
    override = os.environ.get("PA_BWRAP")
    for candidate in ((override,) if override else ()) + BWRAP_CANDIDATES:
        if candidate and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    found = shutil.which("bwrap")
    if found:
        return found
    raise SandboxUnavailable(
        "bubblewrap (bwrap) is not installed, so learner commands cannot be run safely; "
        "install it with `apt-get install bubblewrap` (make install does this)"
    )


def _run_minimal(path: str, extra: list[str]) -> subprocess.CompletedProcess[bytes]:
    """Run `true` in a minimal sandbox (with extra bwrap options), the way sessions start."""
    args = [path, "--unshare-all", "--die-with-parent", *extra, "--ro-bind", "/usr", "/usr"]
    for name in ("bin", "lib", "lib64"):
        if os.path.islink(f"/{name}"):
            args += ["--symlink", os.readlink(f"/{name}"), f"/{name}"]
        elif os.path.isdir(f"/{name}"):
            args += ["--ro-bind", f"/{name}", f"/{name}"]
    args += ["--", "/usr/bin/true"]
    # As root, probe the way sessions run: from an unprivileged uid (see _bwrap.fresh_host_uid).
    uid = fresh_host_uid() if os.geteuid() == 0 else None
    return subprocess.run(
        args,
        capture_output=True,
        timeout=10,
        check=False,
        env={},
        user=uid,
        group=uid,
        extra_groups=[] if uid is not None else None,
    )


@functools.cache
def can_disable_userns(path: str) -> bool:
    """Whether this bwrap (0.8+) and kernel can forbid nested user namespaces in the sandbox."""
    try:
        return _run_minimal(path, ["--unshare-user", "--disable-userns"]).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


@functools.cache
def probe(bwrap: str | None = None) -> str:
    """Run `true` in a minimal sandbox; return the bwrap path or raise SandboxUnavailable."""
    path = bwrap or find_bwrap()
    try:
        done = _run_minimal(path, [])
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise SandboxUnavailable(f"bubblewrap could not be started ({exc})") from exc
    if done.returncode != 0:
        detail = done.stderr.decode("utf-8", "replace").strip() or f"exit {done.returncode}"
        raise SandboxUnavailable(
            "bubblewrap cannot create the user/PID/network namespaces the sandbox needs "
            f"({detail}); allow unprivileged user namespaces "
            "(sysctl kernel.unprivileged_userns_clone=1 or user.max_user_namespaces > 0)"
        )
    return path
