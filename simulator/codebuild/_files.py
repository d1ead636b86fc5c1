"""Match buildspec globs against the work tree and zip what matched, never following symlinks."""

from __future__ import annotations

import io
import os
import re
import stat
import time
import zipfile
import zlib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path, PurePosixPath

from simulator.sandbox import (
    SRC_DIR,
    PathEscapesWorkTree,
    TreeChanged,
    TreeLimit,
    link_stays_inside,
    read_file,
    walk,
)

_ZIP_TIME = (2026, 1, 1, 0, 0, 0)  # fixed, so the same inputs give the same zip bytes
# Collection time when the caller gives no deadline (CodeBuild counts UPLOAD_ARTIFACTS in the
# build's timeout; a tree that needs longer is refused with a clear message).
COLLECT_SECONDS = 20.0


@cache
def glob_regex(pattern: str) -> re.Pattern[str]:
    """`**` crosses directories (and may match none), `*` and `?` stay within one name."""
    parts = [p for p in PurePosixPath(pattern).parts if p not in ("", ".")]
    out = ""
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        if part == "**":
            out += ".*" if last else "(?:[^/]+/)*"
            continue
        piece = ""
        for char in part:
            if char == "*":
                piece += "[^/]*"
            elif char == "?":
                piece += "[^/]"
            else:
                piece += re.escape(char)
        out += piece + ("" if last else "/")
    return re.compile(f"^{out}$")


def relative_pattern(pattern: str) -> str:
    """Patterns may be written absolute under the source directory, or with a leading ./."""
    if pattern.startswith(SRC_DIR + "/"):
        pattern = pattern[len(SRC_DIR) + 1 :]
    while pattern.startswith("./"):
        pattern = pattern[2:]
    return pattern


@dataclass
class Selection:
    """Files picked for one artifact (or report group) and what was left out and why."""

    files: list[tuple[str, str]] = field(default_factory=list)  # (path in tree, name in zip)
    links: list[tuple[str, str, str]] = field(default_factory=list)  # (tree path, zip name, target)
    skipped: list[str] = field(default_factory=list)
    base_dirs: list[str] = field(default_factory=list)


def select(
    root: Path,
    files: tuple[str, ...],
    *,
    base_directory: str = "",
    discard_paths: bool = False,
    exclude_paths: tuple[str, ...] = (),
    keep_symlinks: bool = False,
    max_entries: int = 50_000,
    deadline: float | None = None,
) -> Selection:
    """Apply files/base-directory/discard-paths/exclude-paths to the tree under root.

    The walk is iterative and bounded: TreeLimit (an OverflowError) past max_entries, past
    MAX_DEPTH levels of folders, or past the deadline (time.monotonic(); default now +
    COLLECT_SECONDS), each with a message fit for the build log.
    """
    if deadline is None:
        deadline = time.monotonic() + COLLECT_SECONDS
    try:
        entries = list(walk(root, max_entries=max_entries, deadline=deadline))
    except TreeLimit as exc:
        raise TreeLimit(f"the artifact files could not be collected: {exc}") from exc
    result = Selection()
    bases = [""]
    if base_directory:
        base_pat = glob_regex(relative_pattern(base_directory).rstrip("/"))
        bases = [e.path for e in entries if e.kind == "dir" and base_pat.match(e.path)]
    result.base_dirs = bases
    seen: set[str] = set()
    patterns = [glob_regex(relative_pattern(f)) for f in files]
    excludes = [glob_regex(relative_pattern(x)) for x in exclude_paths]
    for base in bases:
        prefix = f"{base}/" if base else ""
        for entry in entries:
            if not entry.path.startswith(prefix) or entry.kind in ("dir", "other"):
                continue
            rel = entry.path[len(prefix) :]
            if not any(p.match(rel) or _under_dir(p, rel) for p in patterns):
                continue
            if any(x.match(rel) for x in excludes):
                continue
            name = PurePosixPath(rel).name if discard_paths else rel
            if name in seen:
                result.skipped.append(f"{entry.path}: another file is already stored as {name}")
                continue
            if entry.kind == "symlink":
                target = entry.link_target or ""
                if keep_symlinks and link_stays_inside(entry.path, target):
                    result.links.append((entry.path, name, target))
                    seen.add(name)
                else:
                    why = (
                        "it points outside the source directory"
                        if not link_stays_inside(entry.path, target)
                        else "symlinks are kept only with enable-symlinks: yes"
                    )
                    result.skipped.append(f"{entry.path} -> {target}: {why}")
                continue
            result.files.append((entry.path, name))
            seen.add(name)
    return result


def _under_dir(pattern: re.Pattern[str], rel: str) -> bool:
    """A pattern naming a directory takes everything under it."""
    parent = PurePosixPath(rel).parent
    while str(parent) not in (".", ""):
        if pattern.match(str(parent)):
            return True
        parent = parent.parent
    return False


def make_zip(
    root: Path, selection: Selection, *, max_bytes: int, deadline: float | None = None
) -> bytes:
    """Zip the selection (contents read with O_NOFOLLOW, within root, size-capped).

    Every failure is a ValueError with a message for the build log: over max_bytes, past the
    deadline (TreeLimit), or a file that vanished or was swapped for something else while the
    zip was being written (TreeChanged: a background job of the build still changing it).
    """
    if deadline is None:
        deadline = time.monotonic() + COLLECT_SECONDS
    buffer = io.BytesIO()
    total = 0
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for tree_path, name in selection.files:
            if time.monotonic() > deadline:
                raise ValueError("zipping the artifact files took longer than the time limit")
            try:
                data = read_file(root, tree_path, max_bytes=max_bytes - total)
            except PathEscapesWorkTree as exc:
                raise TreeChanged(
                    f"{tree_path} changed while the artifacts were being collected ({exc}); "
                    "is a background process of the build still writing it?"
                ) from exc
            except OSError as exc:
                raise TreeChanged(
                    f"{tree_path} disappeared while the artifacts were being collected "
                    f"({exc.strerror or exc}); is a background process of the build still "
                    "changing the source directory?"
                ) from exc
            total += len(data)
            info = zipfile.ZipInfo(name, _ZIP_TIME)
            info.external_attr = (stat.S_IFREG | 0o644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
        for _tree_path, name, target in selection.links:
            info = zipfile.ZipInfo(name, _ZIP_TIME)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, target)
    return buffer.getvalue()


def _plain_path(root: Path, parts: tuple[str, ...]) -> bool:
    """Every existing parent is a real directory (no symlink) and the target is not a link."""
    current = root
    for index, part in enumerate(parts):
        current = current / part
        if current.is_symlink():
            return False
        last = index == len(parts) - 1
        if not last and current.exists() and not current.is_dir():
            return False
    return True


_ZIP_ERRORS = (zipfile.BadZipFile, RuntimeError, NotImplementedError, zlib.error, EOFError)


def unzip_into(data: bytes, root: Path, *, max_bytes: int, max_entries: int = 50_000) -> int:
    """Extract a (cache) zip written by make_zip into root; names are checked, links skipped.

    The zip comes from the world's S3, where the build's own `aws s3 cp` may have replaced it:
    sizes are checked from the headers and every entry is read before anything is written,
    so a zip bomb or a broken zip (ValueError) leaves the tree untouched.
    """
    wanted: list[tuple[tuple[str, ...], bytes]] = []
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            if len(infos) > max_entries:
                raise ValueError(f"the cache zip has more than {max_entries} entries")
            if sum(i.file_size for i in infos) > max_bytes:
                raise ValueError(f"the cache zip unpacks to more than {max_bytes} bytes")
            for info in infos:
                parts = PurePosixPath(info.filename).parts
                if (
                    info.is_dir()
                    or not parts
                    or any(p in ("..", "") for p in parts)
                    or info.filename.startswith("/")
                    or stat.S_ISLNK(info.external_attr >> 16)
                ):
                    continue
                wanted.append((parts, archive.read(info)))
    except _ZIP_ERRORS as exc:
        raise ValueError(f"the cache zip cannot be read ({exc})") from exc
    count = 0
    for parts, body in wanted:
        if not _plain_path(root, parts):
            continue  # a symlink (or file) in the way: never write through it
        target = root.joinpath(*parts)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o644)
        except OSError:
            continue  # a folder where the zip has a file ("a/b" then "a"): keep the folder
        with os.fdopen(fd, "wb") as handle:
            handle.write(body)
        count += 1
    return count
