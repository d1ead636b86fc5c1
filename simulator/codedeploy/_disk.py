"""Each simulated instance's own files: a host folder hook scripts see at the real paths.

The Install step copies the AppSpec `files:` here and applies `permissions:`; hook scripts of
that instance see the same folders (bind mounts in the sandbox) in this and every later
deployment of the world. Every host-side change walks the folder with O_NOFOLLOW descriptors:
the sandbox writes there too, and no symlink it leaves can make the host touch another file.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import stat
import tempfile
import weakref
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from simulator._world_sections import FileOwner
from simulator.sandbox import Mount

if TYPE_CHECKING:
    from simulator.world import World

_DIR = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_NODE = os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK
# Top-level folders the sandbox itself provides: only some of their subfolders can be shown.
_SYSTEM_TOPS = {
    "bin",
    "sbin",
    "lib",
    "lib32",
    "lib64",
    "libx32",
    "proc",
    "dev",
    "sys",
    "codebuild",
    "usr",
    "etc",
    "tmp",
    "root",
}
_SHOWN_BELOW = {"etc", "tmp", "root"}  # a subfolder of these can be mounted over the tmpfs
# /etc entries the sandbox generates or binds (a mount there would hide them).
_ETC_RESERVED = {
    "passwd",
    "group",
    "hosts",
    "hostname",
    "ld.so.cache",
    "localtime",
    "nsswitch.conf",
    "mime.types",
    "alternatives",
    "ld.so.conf.d",
    "ssl",
}
AGENT_DIR = "/opt/codedeploy-agent"
ROOT_NAMES = ("root", "0")


class DiskError(ValueError):
    """An Install step that cannot be carried out on the instance (the message says why)."""


def parts_of(path: str) -> tuple[str, ...]:
    """An absolute instance path as its components (no `..`, no empty names)."""
    pure = PurePosixPath("/" + path.lstrip("/"))
    parts = tuple(p for p in pure.parts[1:] if p not in ("", "."))
    if ".." in parts:
        raise DiskError(f"{path}: '..' is not allowed in an instance path")
    return parts


@dataclass
class Ownership:
    """Owner and group names CodeDeploy set on a path (permissions section)."""

    owner: str | None = None
    group: str | None = None


@dataclass
class InstanceDisk:
    """One instance's file system view (host folder `root` stands for `/`)."""

    instance: str
    root: Path
    owners: dict[str, Ownership] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    # -- descriptors ---------------------------------------------------------------------------
    def _open_parent(self, parts: tuple[str, ...], *, create: bool, made: list[str]) -> int:
        fd = os.open(self.root, _DIR)
        try:
            walked: list[str] = []
            for part in parts[:-1]:
                walked.append(part)
                try:
                    nxt = os.open(part, _DIR, dir_fd=fd)
                except FileNotFoundError:
                    if not create:
                        raise
                    os.mkdir(part, 0o755, dir_fd=fd)
                    made.append("/" + "/".join(walked))
                    nxt = os.open(part, _DIR, dir_fd=fd)
                except OSError as exc:
                    raise DiskError(
                        f"/{'/'.join(walked)} on {self.instance} is not a directory "
                        f"({exc.strerror}); the file cannot be installed below it"
                    ) from exc
                os.close(fd)
                fd = nxt
        except BaseException:
            os.close(fd)
            raise
        return fd

    def kind(self, path: str) -> str | None:
        """'file', 'dir', 'link', 'other' or None when nothing is there."""
        parts = parts_of(path)
        if not parts:
            return "dir"
        try:
            fd = self._open_parent(parts, create=False, made=[])
        except (FileNotFoundError, DiskError):
            return None
        try:
            info = os.stat(parts[-1], dir_fd=fd, follow_symlinks=False)
        except FileNotFoundError:
            return None
        finally:
            os.close(fd)
        if stat.S_ISLNK(info.st_mode):
            return "link"
        if stat.S_ISDIR(info.st_mode):
            return "dir"
        return "file" if stat.S_ISREG(info.st_mode) else "other"

    def mkdirs(self, path: str) -> list[str]:
        """Create path and its missing ancestors; the folders created, outermost first."""
        made: list[str] = []
        parts = parts_of(path)
        if not parts:
            return made
        fd = self._open_parent((*parts, "x"), create=True, made=made)
        os.close(fd)
        return made

    def write(self, path: str, data: bytes, mode: int) -> list[str]:
        """Install a file (replacing a file or link there); the folders it had to create."""
        parts = parts_of(path)
        made: list[str] = []
        fd = self._open_parent(parts, create=True, made=made)
        try:
            with contextlib.suppress(FileNotFoundError):
                info = os.stat(parts[-1], dir_fd=fd, follow_symlinks=False)
                if stat.S_ISDIR(info.st_mode):
                    raise DiskError(f"{path} on {self.instance} is a directory, not a file")
                os.unlink(parts[-1], dir_fd=fd)
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
            out = os.open(parts[-1], flags, mode & 0o777, dir_fd=fd)
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(out, view) :]
                os.fchmod(out, mode & 0o7777)
            finally:
                os.close(out)
        finally:
            os.close(fd)
        return made

    def remove(self, path: str) -> None:
        """Delete a file or link (a folder only when empty); missing is fine."""
        parts = parts_of(path)
        if not parts:
            return
        try:
            fd = self._open_parent(parts, create=False, made=[])
        except (FileNotFoundError, DiskError):
            return
        try:
            info = os.stat(parts[-1], dir_fd=fd, follow_symlinks=False)
            if stat.S_ISDIR(info.st_mode):
                with contextlib.suppress(OSError):  # not empty: something else lives there
                    os.rmdir(parts[-1], dir_fd=fd)
            else:
                os.unlink(parts[-1], dir_fd=fd)
        except FileNotFoundError:
            pass
        finally:
            os.close(fd)

    def node(self, path: str) -> int | None:
        """A descriptor of the path itself (never through a symlink), or None."""
        return self._node(path)

    def _node(self, path: str) -> int | None:
        parts = parts_of(path)
        try:
            fd = self._open_parent(parts, create=False, made=[]) if parts else None
        except (FileNotFoundError, DiskError):
            return None
        try:
            if fd is None:
                return os.open(self.root, _DIR)
            return os.open(parts[-1], _NODE, dir_fd=fd)
        except OSError:
            return None  # a symlink (O_NOFOLLOW) or vanished: never followed
        finally:
            if fd is not None:
                os.close(fd)

    def chmod(self, path: str, mode: int) -> bool:
        node = self._node(path)
        if node is None:
            return False
        try:
            os.fchmod(node, mode)
        finally:
            os.close(node)
        return True

    def mode(self, path: str) -> int | None:
        node = self._node(path)
        if node is None:
            return None
        try:
            return stat.S_IMODE(os.fstat(node).st_mode)
        finally:
            os.close(node)

    def set_owner(self, path: str, owner: str | None, group: str | None) -> None:
        """Remember the names; `apply_owners` maps them onto the sandbox's two users."""
        known = self.owners.setdefault("/" + "/".join(parts_of(path)), Ownership())
        known.owner = owner or known.owner
        known.group = group or known.group

    def apply_owners(self, root_uid: int, user_uid: int) -> None:
        """Give paths to the sandbox's root or its one unprivileged user (runas), by name."""
        for path, names in self.owners.items():
            node = self._node(path)
            if node is None:
                continue
            try:
                info = os.fstat(node)
                uid = info.st_uid if names.owner is None else _uid(names.owner, root_uid, user_uid)
                gid = info.st_gid if names.group is None else _uid(names.group, root_uid, user_uid)
                with contextlib.suppress(OSError):
                    os.fchown(node, uid, gid)
            finally:
                os.close(node)

    def read(self, path: str, limit: int = 1 << 20) -> bytes | None:
        node = self._node(path)
        if node is None:
            return None
        try:
            if not stat.S_ISREG(os.fstat(node).st_mode):
                return None
            return os.read(node, limit)
        finally:
            os.close(node)

    # -- what the sandbox sees -----------------------------------------------------------------
    def mounts(self, paths: list[str], *, root_mode: bool) -> list[Mount]:
        """Bind mounts showing the instance's folders at their real paths.

        `paths` are instance paths that must be reachable (installed files, destinations);
        their host folders are created. Folders the sandbox provides itself (/usr, /bin, ...)
        cannot be replaced; a path there is recorded in `notes` as not visible.
        """
        points: set[tuple[str, ...]] = set()
        for path in paths:
            parts = parts_of(path)
            point = _mount_point(parts, root_mode=root_mode)
            if point is None:
                note = f"{path} is recorded but not visible to hook scripts (system folder)"
                if note not in self.notes:
                    self.notes.append(note)
                continue
            points.add(point)
        for entry in _top_entries(self.root):
            point = _mount_point((entry, "x"), root_mode=root_mode)
            if point is not None and len(point) == 1:
                points.add(point)
        out: list[Mount] = []
        for point in sorted(points, key=len):
            if any(point[: len(p)] == p for p in points if p != point and len(p) < len(point)):
                continue  # inside a folder that is already shown
            self.mkdirs("/" + "/".join(point))
            host = self.root.joinpath(*point)
            out.append(Mount(host, "/" + "/".join(point), writable=True))
        return out


def _uid(name: str, root_uid: int, user_uid: int) -> int:
    return root_uid if str(name) in ROOT_NAMES else user_uid


def _top_entries(root: Path) -> Iterator[str]:
    with contextlib.suppress(OSError):
        for entry in os.scandir(root):
            if entry.is_dir(follow_symlinks=False):
                yield entry.name


def _mount_point(parts: tuple[str, ...], *, root_mode: bool) -> tuple[str, ...] | None:
    """The folder to bind for an instance path, or None when the sandbox owns that place."""
    if len(parts) < 2:
        return None  # a file directly in / : nothing to bind it into
    top = parts[0]
    if top not in _SYSTEM_TOPS:
        return (top,)
    if top in _SHOWN_BELOW and len(parts) >= 3:
        if top == "etc" and parts[1] in _ETC_RESERVED:
            return None
        return (top, parts[1])
    if top == "usr" and root_mode and len(parts) >= 4 and parts[1] == "local":
        return (top, "local", parts[2])  # /usr/local is the sandbox root's own tmpfs
    return None


# -- one folder of disks per world ------------------------------------------------------------

# Keyed by the World object: a copy of a world (same state, other object) gets its own disks,
# and a world's folder goes when the world does (or at exit).
_FOLDERS: weakref.WeakKeyDictionary[World, Path] = weakref.WeakKeyDictionary()


def _world_folder(world: World) -> Path:
    folder = _FOLDERS.get(world)
    if folder is not None and folder.is_dir():
        return folder
    folder = Path(tempfile.mkdtemp(prefix="pa-instances-"))
    folder.chmod(0o755)  # bwrap runs as the session uid and must reach the mounts
    _FOLDERS[world] = folder
    weakref.finalize(world, shutil.rmtree, folder, ignore_errors=True)
    return folder


def _safe_name(instance: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", instance)[:100] or "instance"


def disk_of(world: World, instance: str, preexisting: Sequence[str] = ()) -> InstanceDisk:
    """The instance's disk in this world (created with its pre-existing files on first use)."""
    folders = _world_folder(world) / "instances"
    folders.mkdir(mode=0o755, exist_ok=True)
    folder = folders / _safe_name(instance)
    fresh = not folder.exists()
    disk = InstanceDisk(instance, folder)
    if fresh:
        folder.mkdir(mode=0o755)
        for path in preexisting:
            with contextlib.suppress(DiskError, OSError):
                disk.write(path, b"(on the instance before CodeDeploy)\n", 0o644)
    for path, names in world.disk_owners(instance).items():
        disk.owners[path] = Ownership(names.owner, names.group)
    return disk


def save_owners(world: World, disk: InstanceDisk) -> None:
    """Keep the owner names CodeDeploy set in the world (they outlive one sandbox session)."""
    world.set_disk_owners(
        disk.instance, {path: FileOwner(o.owner, o.group) for path, o in disk.owners.items()}
    )


def chown_paths(disk: InstanceDisk, paths: list[str], uid: int) -> None:
    """Give freshly installed paths to the sandbox's root (the host wrote them as itself)."""
    for path in paths:
        node = disk.node(path)
        if node is None:
            continue
        try:
            with contextlib.suppress(OSError):
                os.fchown(node, uid, uid)
        finally:
            os.close(node)


def blob_path(world: World, sha: str) -> Path:
    """Where the world keeps the content of an installed file (for rollbacks)."""
    return _world_folder(world) / ".blobs" / re.sub(r"[^0-9a-f]", "", sha)[:64]


def save_blob(world: World, sha: str, source: Path) -> None:
    target = blob_path(world, sha)
    if target.exists():
        return
    target.parent.mkdir(mode=0o700, exist_ok=True)
    shutil.copyfile(source, target)
    target.chmod(stat.S_IMODE(source.stat().st_mode) & 0o777)
