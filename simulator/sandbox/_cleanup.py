"""Remove what the host created for runs: learner trees of any depth, leftovers of killed runs."""

from __future__ import annotations

import contextlib
import errno
import itertools
import os
import queue
import stat
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
# Below this depth, a sub-folder is moved up to the top of the tree being removed instead of
# being entered: the removal keeps at most this many descriptors open and never recurses.
_FLATTEN_DEPTH = 32
# Folders the simulator creates under the temp dir (sandbox sessions, builds, revisions,
# pipeline artifacts, lab runs, account service, driver compile).
LEFTOVER_PREFIXES = (
    "pa-sbx-",
    "pa-build-",
    "pa-rev-",
    "pa-art-",
    "pa-chan-",
    "pa-lab-",
    "pa-acct-",
    "pa-drv-",
)
# The longest a run may hold its folders: the CodeBuild maximum timeout (8 hours) is far more
# than any lab uses, but a leftover is only removed once no run could still be using it.
LONGEST_RUN_SECONDS = 8 * 3600 + 600


def remove_tree(path: Path | str) -> None:
    """Delete a folder and everything in it; never follows a symlink, never recurses.

    Learner trees can be thousands of folders deep (shutil.rmtree raises RecursionError),
    hold folders without permissions, or still change while we delete (the processes that
    wrote them are dead by then, but a vanished entry is fine). Missing path: nothing to do.
    """
    try:
        top = os.open(path, _DIR_FLAGS)
    except FileNotFoundError:
        return
    except OSError as exc:
        if exc.errno in (errno.ENOTDIR, errno.ELOOP):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)  # a file or a symlink: remove the name only
            return
        raise
    moved = itertools.count()
    try:
        while _empty_folder(top, top, moved):
            pass
    finally:
        os.close(top)
    with contextlib.suppress(FileNotFoundError):
        os.rmdir(path)


def _empty_folder(top: int, start: int, moved: itertools.count) -> bool:
    """Empty the folder `start` (a descriptor); True when something was moved up to `top`.

    Depth-first with a chain of open descriptors, each folder listed once (and once more when
    empty, to be sure); at _FLATTEN_DEPTH a sub-folder is renamed into `top` (same filesystem,
    so O(1)) and emptied by a later pass.
    """
    # (descriptor, name in its parent, sub-folders still to empty or None: list it first)
    chain: list[tuple[int, str | None, list[str] | None]] = [(os.dup(start), None, None)]
    any_moved = False
    try:
        while chain:
            fd, name, pending = chain[-1]
            if not pending:
                subdirs = _clear_files(fd)
                if subdirs:
                    chain[-1] = (fd, name, subdirs)
                    continue
                os.close(fd)
                chain.pop()
                if chain and name is not None:
                    with contextlib.suppress(FileNotFoundError):
                        os.rmdir(name, dir_fd=chain[-1][0])
                continue
            sub = pending.pop()
            if len(chain) >= _FLATTEN_DEPTH:
                with contextlib.suppress(FileNotFoundError):
                    os.rename(sub, f".pa-rm-{next(moved)}", src_dir_fd=fd, dst_dir_fd=top)
                    any_moved = True
                continue
            try:
                chain.append((os.open(sub, _DIR_FLAGS, dir_fd=fd), sub, None))
            except FileNotFoundError:
                continue
            except OSError as exc:
                if exc.errno not in (errno.ENOTDIR, errno.ELOOP):
                    raise
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(sub, dir_fd=fd)  # replaced by a file or a symlink meanwhile
    finally:
        for fd, _name, _pending in chain:
            os.close(fd)
    return any_moved


def _clear_files(fd: int) -> list[str]:
    """Unlink every non-folder in the folder; return the names of its sub-folders."""
    _allow(fd)
    subdirs: list[str] = []
    with os.scandir(fd) as it:
        items = list(it)
    for item in items:
        try:
            is_dir = item.is_dir(follow_symlinks=False)
        except OSError:
            is_dir = False
        if is_dir:
            subdirs.append(item.name)
            continue
        with contextlib.suppress(FileNotFoundError):
            os.unlink(item.name, dir_fd=fd)
    return subdirs


def _allow(fd: int) -> None:
    """A learner may have removed our permissions on its own folder: give them back."""
    info = os.fstat(fd)
    if info.st_mode & 0o700 != 0o700 and (info.st_uid == os.geteuid() or os.geteuid() == 0):
        with contextlib.suppress(OSError):
            os.fchmod(fd, stat.S_IMODE(info.st_mode) | 0o700)


_discards: queue.SimpleQueue[Path] = queue.SimpleQueue()
_discarder: threading.Thread | None = None
_discard_lock = threading.Lock()
_pending = 0


def discard_tree(path: Path | str) -> None:
    """Remove a folder in the background: renamed away now, deleted by a worker thread.

    Deleting a learner tree costs one disk operation per folder (about 2 ms each on a
    discard-mounted disk: 12,000 nested folders take 30 s); the run's result must not wait for
    that. The folder keeps its prefix, so if the process dies first, remove_leftovers finds it.
    """
    global _discarder, _pending
    source = Path(path)
    target = source.with_name(f"{source.name}.discard-{next(_discard_names)}")
    try:
        os.rename(source, target)
    except FileNotFoundError:
        return
    except OSError:
        target = source  # cannot rename (a busy mount point?): delete it in place
    with _discard_lock:
        _pending += 1
        _discards.put(target)
        if _discarder is None or not _discarder.is_alive():
            _discarder = threading.Thread(target=_discard_loop, name="pa-discard", daemon=True)
            _discarder.start()


def wait_for_discards(timeout: float = 60.0) -> bool:
    """Block until every discarded folder is deleted (tests, worker shutdown); True if done."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        with _discard_lock:
            if _pending == 0:
                return True
        time.sleep(0.01)
    return False


def _discard_loop() -> None:
    global _pending
    while True:
        path = _discards.get()
        with contextlib.suppress(OSError):
            remove_tree(path)
        with _discard_lock:
            _pending -= 1


_discard_names = itertools.count()


@dataclass(frozen=True)
class Leftovers:
    """What remove_leftovers found and removed."""

    removed: tuple[str, ...]
    failed: tuple[str, ...]


def remove_leftovers(
    *,
    temp_dir: Path | str | None = None,
    older_than_seconds: float = LONGEST_RUN_SECONDS,
    prefixes: tuple[str, ...] = LEFTOVER_PREFIXES,
    now: float | None = None,
) -> Leftovers:
    """Remove folders a killed run left under the temp dir (call at worker start).

    Only folders that carry one of the simulator's prefixes, belong to this process's user,
    and were last changed longer ago than the longest run are touched: a run still going in
    another worker keeps its folders.
    """
    base = Path(temp_dir or tempfile.gettempdir())
    moment = time.time() if now is None else now
    removed: list[str] = []
    failed: list[str] = []
    try:
        names = sorted(os.listdir(base))
    except OSError:
        return Leftovers((), ())
    for name in names:
        if not name.startswith(prefixes):
            continue
        path = base / name
        try:
            info = os.lstat(path)
        except OSError:
            continue
        if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.geteuid():
            continue
        if moment - info.st_mtime < older_than_seconds:
            continue
        try:
            remove_tree(path)
        except OSError:
            failed.append(str(path))
        else:
            removed.append(str(path))
    return Leftovers(tuple(removed), tuple(failed))
