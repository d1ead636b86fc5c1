"""Build the bubblewrap command line and the process setup of one sandbox session."""

from __future__ import annotations

import contextlib
import hashlib
import os
import resource
import secrets
import shutil
import signal
import tempfile
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from simulator.sandbox._limits import Limits

SRC_DIR = "/codebuild/output/src"
STATE_DIR = "/codebuild/output/tmp"  # the driver's shell-state file (see _driver.py)
STATE_TMPFS_BYTES = 16 * 1024 * 1024
SANDBOX_UID = 1000
SANDBOX_USER = "codebuild-user"
ROOT_UID = 0
# Small writable tmpfs mounts root gets (CodeBuild runs commands as root: writes under /etc and
# /usr/local work there; the host's own /usr/local is not part of the build image).
ETC_TMPFS_BYTES = 8 * 1024 * 1024
# Host uids for sandboxes come from a range no distribution hands out, one fresh uid per session,
# so RLIMIT_NPROC counts only that session's processes and a final kill(-1) hits only them.
_HOST_UID_BASE = 1_500_000_000
_HOST_UID_SPAN = 500_000_000

_ETC_FILES = ("ld.so.cache", "localtime", "nsswitch.conf", "mime.types")
_ETC_DIRS = ("alternatives", "ld.so.conf.d", "ssl")


@dataclass(frozen=True)
class Mount:
    """An extra host directory visible in the sandbox."""

    host: Path
    dest: str
    writable: bool = False


@dataclass
class Layout:
    """Everything the sandbox sees, decided by the host before the session starts."""

    work_dir: Path
    etc_files: Mapping[str, int]  # /etc/<name> -> readable fd whose content bwrap copies in
    env: Mapping[str, str]
    mounts: list[Mount] = field(default_factory=list)
    cwd: str = SRC_DIR
    files: dict[str, int] = field(default_factory=dict)  # in-sandbox path -> fd to copy in
    # A user namespace mapping root and the build user (root host only, see _userns.py):
    # commands then run as root by default and `run-as` switches to the build user for real.
    userns_fd: int | None = None
    # Forbid nested user namespaces (bwrap 0.8+): inside one, a build is "root" over new
    # namespaces, a large kernel surface for privilege-escalation exploits.
    disable_userns: bool = False


def running_as_root() -> bool:
    """Whether this host process must drop to an unprivileged uid before starting bwrap."""
    return os.geteuid() == 0


def fresh_host_uid() -> int:
    """A random unprivileged host uid for one session (only meaningful when running as root)."""
    return _HOST_UID_BASE + secrets.randbelow(_HOST_UID_SPAN - 1)  # uid + 1 is the build user


def etc_contents() -> dict[str, str]:
    """The sandbox's passwd/group/hosts: root, the build user and nobody, nothing from the host."""
    return {
        "passwd": "root:x:0:0:root:/root:/bin/bash\n"
        f"{SANDBOX_USER}:x:{SANDBOX_UID}:{SANDBOX_UID}:build:/root:/bin/bash\n"
        "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n",
        "group": f"root:x:0:\n{SANDBOX_USER}:x:{SANDBOX_UID}:\nnogroup:x:65534:\n",
        "hosts": "127.0.0.1 localhost codebuild\n::1 localhost\n",
        "hostname": "codebuild\n",
    }


def content_fd(content: str | bytes) -> int:
    """A readable fd holding content (bwrap --file copies it in: no mount, no host path)."""
    fd = os.memfd_create("pa-file", os.MFD_CLOEXEC)
    data = content.encode() if isinstance(content, str) else content
    while data:
        data = data[os.write(fd, data) :]
    os.lseek(fd, 0, os.SEEK_SET)
    return fd


def tmpfs_mounts(limits: Limits, *, root: bool = False) -> dict[str, int]:
    """Every tmpfs a learner can fill, with its size; their use counts against total memory."""
    mounts = {
        "/tmp": limits.tmp_bytes,  # noqa: S108 - a path inside the sandbox
        "/root": limits.tmp_bytes,
        "/dev/shm": limits.tmp_bytes,  # noqa: S108 - a path inside the sandbox
        STATE_DIR: STATE_TMPFS_BYTES,
    }
    if root:
        mounts["/etc"] = ETC_TMPFS_BYTES
        mounts["/usr/local"] = limits.tmp_bytes
    return mounts


# Modes of the tmpfs mounts when two users share the sandbox (the state file is written by
# whichever user ran the command; the sticky bit keeps each user's files its own).
_TMPFS_MODES = {"/tmp": "1777", "/dev/shm": "1777", STATE_DIR: "1777", "/root": "0755"}  # noqa: S108


def bwrap_command(bwrap: str, layout: Layout, limits: Limits, program: list[str]) -> list[str]:
    """The full argv: namespaces, read-only system dirs, private tmpfs, work tree, env.

    The program runs as process 1 (--as-pid-1): the in-sandbox driver, so bwrap's own argv
    (host paths) is never visible in /proc/1/cmdline. Generated /etc files are copied into the
    sandbox's root tmpfs (--file), so /proc/self/mountinfo does not name host temp folders.
    """
    root = layout.userns_fd is not None
    args = [bwrap, "--die-with-parent", "--new-session", "--as-pid-1"]
    if root:
        # Join the two-identity namespace; the driver keeps only what it needs to switch users
        # and to drop every capability for the commands it starts (see _driver.py).
        args += ["--userns", str(layout.userns_fd), "--unshare-ipc", "--unshare-pid"]
        args += ["--unshare-net", "--unshare-uts", "--unshare-cgroup-try"]
        args += ["--uid", str(ROOT_UID), "--gid", str(ROOT_UID)]
        for cap in ("CAP_SETUID", "CAP_SETGID", "CAP_SETPCAP"):
            args += ["--cap-add", cap]
    else:
        args += ["--unshare-all"]
        if layout.disable_userns:
            args += ["--unshare-user", "--disable-userns"]
        args += ["--uid", str(SANDBOX_UID), "--gid", str(SANDBOX_UID)]
    args += ["--hostname", "codebuild", "--ro-bind", "/usr", "/usr"]
    for name in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        host = f"/{name}"
        if os.path.islink(host):
            args += ["--symlink", os.readlink(host), host]
        elif os.path.isdir(host):
            args += ["--ro-bind", host, host]
    args += ["--proc", "/proc", "--dev", "/dev"]
    # Every tmpfs is size-capped (bwrap's default is half the host's memory); the host adds
    # their use to the processes' resident memory when it checks the memory budget. /dev
    # itself is made read-only below (the device nodes are bind mounts and stay writable).
    for dest, size in tmpfs_mounts(limits, root=root).items():
        if root:
            args += ["--perms", _TMPFS_MODES.get(dest, "0755")]
        args += ["--size", str(size), "--tmpfs", dest]
    if root:
        for name in ("bin", "sbin", "lib", "share", "include", "etc", "src"):
            args += ["--dir", f"/usr/local/{name}"]
    for name in _ETC_FILES:
        if os.path.isfile(f"/etc/{name}"):
            args += ["--ro-bind", f"/etc/{name}", f"/etc/{name}"]
    for name in _ETC_DIRS:
        if os.path.isdir(f"/etc/{name}"):
            args += ["--ro-bind", f"/etc/{name}", f"/etc/{name}"]
    for name, fd in layout.etc_files.items():
        args += ["--perms", "0644", "--file", str(fd), f"/etc/{name}"]
    for dest, fd in layout.files.items():
        args += ["--perms", "0444", "--file", str(fd), dest]
    args += ["--bind", str(layout.work_dir), SRC_DIR]
    for mount in layout.mounts:
        source = neutral_source(mount.host, writable=mount.writable)
        args += ["--bind" if mount.writable else "--ro-bind", str(source), mount.dest]
    args += ["--remount-ro", "/", "--remount-ro", "/dev", "--chdir", layout.cwd, "--clearenv"]
    for key, value in layout.env.items():
        args += ["--setenv", key, value]
    return [*args, "--", *program]


STAGE_PREFIX = "pa-stage-"
_staged: dict[str, Path] = {}
_stage_lock = threading.Lock()


def neutral_source(host: Path, *, writable: bool = False) -> Path:
    """The folder bwrap binds for `host`: one whose path names nothing of the host.

    /proc/self/mountinfo in the sandbox shows each bind mount's source path (its place in the
    host filesystem). Run folders already live under neutral temp names (pa-sbx-…); read-only
    trees from elsewhere (our tools in the work tree, a virtualenv under a home folder) are
    staged once per process as hard links under the temp dir, named by a digest of the path.
    Writable mounts are the run's own temp folders and are bound as they are.
    """
    real = Path(os.path.realpath(host))
    temp = Path(os.path.realpath(tempfile.gettempdir()))
    if writable or real.is_relative_to(temp) or not real.is_dir():
        return real
    with _stage_lock:
        known = _staged.get(str(real))
        if known is not None and known.is_dir():
            return known
        digest = hashlib.sha256(f"{real}|{_tree_signature(real)}".encode()).hexdigest()[:20]
        target = temp / f"{STAGE_PREFIX}{digest}"
        if not target.is_dir():
            _stage_copy(real, target)
        _staged[str(real)] = target
        return target


def _tree_signature(root: Path) -> str:
    """Count, size and newest change of a (small, our own) tree: a changed tree stages anew."""
    count = size = 0
    newest = 0.0
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            with contextlib.suppress(OSError):
                info = os.lstat(os.path.join(dirpath, name))
                count, size = count + 1, size + info.st_size
                newest = max(newest, info.st_mtime)
    return f"{count}:{size}:{newest}"


def _stage_copy(source: Path, target: Path) -> None:
    """Hard-link (or copy) a tree into a fresh folder, then rename it into place atomically."""
    from simulator.sandbox._cleanup import remove_tree

    staging = Path(tempfile.mkdtemp(prefix=f"{target.name}.", dir=target.parent))
    try:
        for dirpath, dirs, files in os.walk(source):
            rel = Path(dirpath).relative_to(source)
            here = staging / rel
            here.mkdir(exist_ok=True)
            here.chmod(0o755)  # the sandbox's uid must read it
            for name in dirs:
                src = Path(dirpath) / name
                if src.is_symlink():
                    os.symlink(os.readlink(src), here / name)
            for name in files:
                src = Path(dirpath) / name
                if src.is_symlink():
                    os.symlink(os.readlink(src), here / name)
                    continue
                try:
                    os.link(src, here / name)
                except OSError:  # another filesystem: copy
                    shutil.copy2(src, here / name)
        staging.rename(target)
    except OSError:
        if not target.is_dir():
            raise
    finally:
        if staging.exists():  # another process won the race, or the copy failed
            remove_tree(staging)


def rlimit_setter(limits: Limits) -> Callable[[], None]:
    """A preexec function setting the per-process limits bwrap and everything below inherit."""
    cpu = int(limits.cpu_seconds)
    pairs = [
        (resource.RLIMIT_CPU, (cpu, cpu + 1)),  # SIGXCPU, then SIGKILL a second later
        (resource.RLIMIT_AS, (limits.memory_bytes, limits.memory_bytes)),
        (resource.RLIMIT_FSIZE, (limits.file_size_bytes, limits.file_size_bytes)),
        (resource.RLIMIT_NOFILE, (limits.open_files, limits.open_files)),
        (resource.RLIMIT_NPROC, (limits.processes, limits.processes)),
        (resource.RLIMIT_CORE, (0, 0)),
    ]

    def apply() -> None:
        for which, value in pairs:
            resource.setrlimit(which, value)

    return apply


def kill_host_uid(uid: int) -> None:
    """SIGKILL every process running as this (session-private) host uid; root only."""
    if not running_as_root():
        return
    pid = os.fork()
    if pid == 0:  # pragma: no cover - child
        try:
            os.setgroups([])
            os.setresgid(uid, uid, uid)
            os.setresuid(uid, uid, uid)
            # kill(-1) from this uid reaches exactly the processes of this uid (and not us).
            # Repeat until nothing but zombies is left: a fork bomb can create children
            # during one pass, and zombies wait for a reaper we do not control.
            for _ in range(400):
                os.kill(-1, signal.SIGKILL)
                if not [pid for pid in live_pids(uid) if pid != os.getpid()]:
                    break
                time.sleep(0.005)
        except OSError:
            pass  # ESRCH: no process of this uid is left
        finally:
            os._exit(0)
    os.waitpid(pid, 0)


def live_pids(uid: int) -> list[int]:
    """Host pids of processes of this uid that are not zombies."""
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            if os.stat(f"/proc/{name}").st_uid != uid:
                continue
            with open(f"/proc/{name}/stat", "rb") as handle:
                state = handle.read().rsplit(b")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue
        if state not in (b"Z", b"X"):
            found.append(int(name))
    return found


def chown_tree(root: Path, uid: int) -> None:
    """Give a host directory tree to the session uid so the sandbox may write it (no symlinks).

    Iterative and bounded (see walk): past its limits the rest keeps its owner, and the
    session's disk check reports the tree as too deep or too large.
    """
    from simulator.sandbox._errors import TreeLimit
    from simulator.sandbox._safe_fs import walk

    os.chown(root, uid, uid, follow_symlinks=False)
    try:
        for entry in walk(root):
            with contextlib.suppress(OSError):  # vanished meanwhile
                os.chown(root / entry.path, uid, uid, follow_symlinks=False)
    except TreeLimit:
        return
