"""Read what the sandbox wrote without ever following a symlink or leaving the work tree."""

from __future__ import annotations

import errno
import os
import stat
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from simulator.sandbox._errors import PathEscapesWorkTree, TreeLimit

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_FILE_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK
# Deeper folders are refused (one open descriptor per level while walking); real builds
# (node_modules included) stay far below.
MAX_DEPTH = 256
DEFAULT_WALK_SECONDS = 20.0  # when the caller gives no deadline


def relative_parts(path: str, *, inside: str | None = None) -> tuple[str, ...]:
    """Split a sandbox-written relative path; refuse absolute paths, `..` and empty names.

    With `inside` (an absolute in-sandbox directory such as /codebuild/output/src), absolute
    paths under it are accepted and made relative.
    """
    pure = PurePosixPath(path)
    if pure.is_absolute():
        if inside is None:
            raise PathEscapesWorkTree(f"{path!r} is absolute; expected a path inside the work tree")
        try:
            pure = pure.relative_to(inside)
        except ValueError:
            raise PathEscapesWorkTree(f"{path!r} is outside {inside}") from None
    parts = tuple(p for p in pure.parts if p not in ("", "."))
    if any(p == ".." for p in parts):
        raise PathEscapesWorkTree(f"{path!r} climbs out of the work tree with '..'")
    return parts


def _open_dir_chain(root: Path, parts: tuple[str, ...]) -> int:
    """Open root/parts... as directories, refusing symlinks at every step; return the fd."""
    fd = os.open(root, _DIR_FLAGS)
    try:
        for part in parts:
            try:
                next_fd = os.open(part, _DIR_FLAGS, dir_fd=fd)
            except OSError as exc:
                raise PathEscapesWorkTree(
                    f"{'/'.join(parts)!r}: {part!r} is not a plain directory ({exc.strerror})"
                ) from exc
            os.close(fd)
            fd = next_fd
    except BaseException:
        os.close(fd)
        raise
    return fd


def read_file(root: Path, path: str, *, max_bytes: int, inside: str | None = None) -> bytes:
    """Contents of a regular file inside root (no symlinks anywhere on the way), size-capped."""
    parts = relative_parts(path, inside=inside)
    if not parts:
        raise PathEscapesWorkTree(f"{path!r} names the work tree itself, not a file")
    dir_fd = _open_dir_chain(root, parts[:-1])
    try:
        try:
            fd = os.open(parts[-1], _FILE_FLAGS, dir_fd=dir_fd)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise PathEscapesWorkTree(f"{path!r} is a symlink; it is not followed") from exc
            raise FileNotFoundError(f"{path}: {exc.strerror}") from exc
    finally:
        os.close(dir_fd)
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise PathEscapesWorkTree(f"{path!r} is not a regular file")
        if info.st_size > max_bytes:
            raise ValueError(f"{path}: {info.st_size} bytes is over the limit of {max_bytes}")
        data = handle.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ValueError(f"{path}: grew over the limit of {max_bytes} bytes while being read")
    return data


@dataclass(frozen=True)
class Entry:
    """One thing found while walking the work tree."""

    path: str  # relative, '/'-separated
    kind: str  # "file" | "dir" | "symlink" | "other"
    size: int
    link_target: str | None = None


def walk(
    root: Path,
    *,
    max_entries: int | None = None,
    max_depth: int = MAX_DEPTH,
    deadline: float | None = None,
) -> Iterator[Entry]:
    """Every entry under root, sorted by name within each folder, never following symlinks.

    Iterative: each folder is opened once, relative to its parent's descriptor with
    O_NOFOLLOW (a folder swapped for a symlink is not entered), and only the descriptors of
    the current path stay open, so the cost is linear in the size of the tree and no deep tree
    can exhaust the stack. Background jobs of a build may still change the tree: an entry that
    vanishes between listing and stat is skipped. TreeLimit past max_entries, past max_depth
    folders of nesting, or once time.monotonic() passes the deadline (default: now +
    DEFAULT_WALK_SECONDS).
    """
    if deadline is None:
        deadline = time.monotonic() + DEFAULT_WALK_SECONDS
    chain = [os.open(root, _DIR_FLAGS)]  # chain[d]: the open folder at depth d on the path
    pending: list[tuple[str, ...]] = [()]
    count = 0
    try:
        while pending:
            parts = pending.pop()
            if parts:
                while len(chain) > len(parts):
                    os.close(chain.pop())
                try:
                    chain.append(os.open(parts[-1], _DIR_FLAGS, dir_fd=chain[-1]))
                except OSError:
                    continue  # vanished, or replaced by a symlink or a file
            if time.monotonic() > deadline:
                raise TreeLimit("reading the work tree took longer than its time limit")
            fd = chain[-1]
            prefix = "".join(f"{p}/" for p in parts)
            try:
                with os.scandir(fd) as it:
                    items = sorted(it, key=lambda e: e.name)
            except OSError:
                continue  # the folder went away while being listed
            subdirs: list[tuple[str, ...]] = []
            for item in items:
                count += 1
                if max_entries is not None and count > max_entries:
                    raise TreeLimit(f"more than {max_entries} entries under the work tree")
                name = item.name
                try:
                    info = item.stat(follow_symlinks=False)  # fstatat on fd: no path lookup
                    target = os.readlink(name, dir_fd=fd) if stat.S_ISLNK(info.st_mode) else None
                except OSError:
                    continue  # removed (or replaced) since the listing
                rel = f"{prefix}{name}"
                if target is not None:
                    yield Entry(rel, "symlink", 0, target)
                elif stat.S_ISDIR(info.st_mode):
                    if len(parts) + 1 > max_depth:
                        raise TreeLimit(
                            f"folders nested more than {max_depth} levels deep ({rel[:200]}...)"
                        )
                    yield Entry(rel, "dir", 0)
                    subdirs.append((*parts, name))
                elif stat.S_ISREG(info.st_mode):
                    yield Entry(rel, "file", info.st_blocks * 512)
                else:
                    yield Entry(rel, "other", 0)
            pending.extend(reversed(subdirs))
    finally:
        for fd in chain:
            os.close(fd)


def tree_usage(root: Path, *, max_entries: int, deadline: float | None = None) -> tuple[int, int]:
    """(bytes on disk, entry count) of the work tree; TreeLimit past a limit."""
    total = 0
    count = 0
    for entry in walk(root, max_entries=max_entries, deadline=deadline):
        total += entry.size
        count += 1
    return total, count


def link_stays_inside(link_path: str, target: str) -> bool:
    """Whether a symlink at link_path (relative to the tree) resolves lexically inside it."""
    if target.startswith("/"):
        return False
    base = list(PurePosixPath(link_path).parent.parts)
    for part in PurePosixPath(target).parts:
        if part == "..":
            if not base:
                return False
            base.pop()
        elif part not in ("", "."):
            base.append(part)
    return True
