"""The Install step on one instance: remove the last install, copy `files:`, apply `permissions:`.

Follows the CodeDeploy agent's installer as the AppSpec reference describes it: the previous
deployment's files (its cleanup list) go first; a destination file that still exists is handled
by file_exists_behavior (DISALLOW fails, OVERWRITE replaces, RETAIN keeps it and copies
nothing); permissions apply only to what this Install copied or created.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from simulator._appspec_model import FileExists, Permission
from simulator.codedeploy._disk import DiskError, InstanceDisk

MAX_FILE_BYTES = 64 * 1024 * 1024


@dataclass
class Installed:
    """What one Install did (or why it failed)."""

    copied: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    folders: list[str] = field(default_factory=list)  # created by this Install
    applied: list[str] = field(default_factory=list)  # permission lines, for the event output
    error: str = ""


def _norm(path: str) -> str:
    return posixpath.normpath("/" + str(path).lstrip("/"))


def remove_previous(disk: InstanceDisk, files: list[str], folders: list[str]) -> None:
    """Undo the last Install of the group on this instance (the agent's cleanup file)."""
    for path in files:
        disk.remove(path)
    for folder in sorted(folders, key=len, reverse=True):
        disk.remove(folder)  # only when empty


def install(
    disk: InstanceDisk,
    sources: Mapping[str, Path],
    folders: list[str],
    permissions: tuple[Permission, ...],
    behaviour: str,
) -> Installed:
    """Copy `sources` ({destination: host file}) onto the disk, then apply `permissions`."""
    done = Installed()
    conflicts = sorted(p for p in sources if disk.kind(p) is not None)
    if conflicts and behaviour == FileExists.DISALLOW:
        done.error = (
            "The deployment failed because a specified file already exists at this location: "
            f"{conflicts[0]} (file_exists_behavior DISALLOW)"
        )
        return done
    try:
        for folder in folders:
            if disk.kind(folder) is None:
                done.folders += disk.mkdirs(folder)
        for dest, src in sources.items():
            if dest in conflicts and behaviour == FileExists.RETAIN:
                done.kept.append(dest)
                continue
            size = src.stat().st_size
            if size > MAX_FILE_BYTES:
                done.error = f"{dest}: {size} bytes is more than the simulator copies"
                return done
            done.folders += disk.write(dest, src.read_bytes(), src.stat().st_mode)
            done.copied.append(dest)
    except DiskError as exc:
        done.error = str(exc)
        return done
    done.error = _permissions(disk, permissions, done)
    return done


def _glob(pattern: str) -> re.Pattern[str]:
    # The agent's simple glob: only `*` is special, and it never crosses a folder.
    return re.compile("".join("[^/]*" if c == "*" else re.escape(c) for c in pattern) + r"\Z")


def _mode(text: str, where: str) -> int:
    if not re.fullmatch(r"[0-7]{1,4}", text.strip()):
        raise DiskError(
            f'{where}: mode {text!r} must be octal digits like 644 or "0755" '
            "(symbolic modes such as u+x are not accepted)"
        )
    return int(text.strip(), 8)


def _matches(obj: str, path: str, pattern: str, excepts: tuple[str, ...]) -> bool:
    if not path.startswith(obj.rstrip("/") + "/"):
        return False
    rel = path[len(obj.rstrip("/")) + 1 :]
    if pattern != "**" and not _glob(pattern).match(rel):
        return False
    return not any(_glob(e).match(rel) for e in excepts)


def _permissions(disk: InstanceDisk, permissions: tuple[Permission, ...], done: Installed) -> str:
    """Apply the permissions section; an error message, or "" when all went well."""
    copied = set(done.copied)
    made = set(done.folders)
    for entry in permissions:
        where = f"permissions[{entry.index}]"
        if entry.where:
            where = f"{entry.where}: {where}"
        if not entry.is_mapping or not entry.object:
            return f"{where}: a permission needs an object (the file or folder it applies to)"
        obj = _norm(entry.object)
        pattern, excepts, kinds = entry.pattern, entry.excepts, entry.types
        if entry.type_is_string:
            return f"{where}.type must be a list such as [file] or [file, directory]"
        try:
            mode = _mode(entry.mode, where) if entry.mode is not None else None
        except DiskError as exc:
            return str(exc)
        if obj in copied:
            if "file" not in kinds:
                continue
            if pattern != "**" or excepts:
                return (
                    f'{where}: object {obj} is a file, so pattern must be "**" and except '
                    "empty (a pattern selects entries inside a folder)"
                )
            targets = [obj]
        elif obj in made or disk.kind(obj) == "dir":
            targets = []
            if "file" in kinds:
                targets += sorted(p for p in copied if _matches(obj, p, pattern, excepts))
            if "directory" in kinds:
                targets += sorted(p for p in made if _matches(obj, p, pattern, excepts))
        else:
            continue  # nothing this Install copied: the agent leaves it alone
        for target in targets:
            if mode is not None:
                disk.chmod(target, mode)
            if entry.owner or entry.group:
                disk.set_owner(target, entry.owner or None, entry.group or None)
        extras = [
            k for k, given in (("acls", entry.has_acls), ("context", entry.has_context)) if given
        ]
        named = (("owner", entry.owner), ("group", entry.group))
        summary = ", ".join(f"{k} {v}" for k, v in named if v) + (
            f", mode {oct(mode)[2:]}" if mode is not None else ""
        )
        done.applied.append(
            f"permissions on {obj}: {len(targets)} path(s)"
            + (f" ({summary.strip(', ')})" if summary.strip(", ") else "")
            + (f"; {' and '.join(extras)} recorded, not applied in the sandbox" if extras else "")
        )
    return ""
