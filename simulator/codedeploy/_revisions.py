"""Revisions as the world remembers them: the last good one per group and instance, files."""

from __future__ import annotations

import hashlib
import os
import posixpath
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from simulator._appspec_model import AppSpec, appspec_of

if TYPE_CHECKING:
    from simulator.world import World

MAX_SCRIPT_BYTES = 256 * 1024


@dataclass
class Revision:
    """What CodeDeploy keeps of a deployed revision: its AppSpec, hook scripts and file list."""

    deployment_id: str
    appspec: AppSpec
    scripts: dict[str, str] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)  # destination path -> sha256

    def to_state(self) -> dict[str, Any]:
        return {
            "deployment_id": self.deployment_id,
            "appspec": dict(self.appspec.data),
            "scripts": dict(self.scripts),
            "files": dict(self.files),
        }

    @classmethod
    def from_state(cls, data: dict[str, Any]) -> Revision:
        return cls(
            data["deployment_id"],
            appspec_of(data["appspec"], "ec2"),
            dict(data.get("scripts", {})),
            dict(data.get("files", {})),
        )

    def materialize(self) -> Path:
        """A temporary directory holding the stored scripts (to run a rollback from)."""
        root = Path(tempfile.mkdtemp(prefix="pa-rev-"))
        for location, text in self.scripts.items():
            path = (root / location).resolve()
            if path.is_relative_to(root.resolve()):
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text)
                path.chmod(0o755)
        return root


def inside(root: Path, relative: str) -> Path | None:
    """root/relative if it stays inside root after resolving symlinks, else None."""
    base = root.resolve()
    path = (root / relative.lstrip("/")).resolve()
    return path if path.is_relative_to(base) else None


def capture(
    deployment_id: str, appspec: AppSpec, revision_dir: Path, files: dict[str, str]
) -> Revision:
    """Keep the scripts a later deployment may need (ApplicationStop runs the last good one)."""
    scripts: dict[str, str] = {}
    for location in appspec.script_locations():
        path = inside(revision_dir, location)
        if path is None or not path.is_file() or path.stat().st_size > MAX_SCRIPT_BYTES:
            continue
        scripts[location] = path.read_text(errors="replace")
    return Revision(deployment_id, appspec, scripts, dict(files))


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def install_sources(
    appspec: AppSpec, revision_dir: Path
) -> tuple[dict[str, Path], list[str], str | None]:
    """({destination file: source file}, folders a folder copy makes, error) of `files`.

    Symlinks in the revision are never followed (the agent copies a link's target only from
    inside the bundle; here a link is simply left out).
    """
    plan: dict[str, Path] = {}
    folders: list[str] = []
    for entry in appspec.files:
        at = f"{entry.where}: files[{entry.index}]" if entry.where else f"files[{entry.index}]"
        if not entry.is_mapping:
            return {}, [], f"{at} is not a mapping"
        source, dest = entry.source, entry.destination
        if not dest.startswith("/"):
            return {}, [], f"{at}.destination {dest!r} is not an absolute path"
        src = inside(revision_dir, "" if source in ("/", "") else source)
        if src is None or not src.exists():
            return {}, [], f"{at}.source {source!r} does not exist in the revision"
        if src.is_file():
            plan[posixpath.join(dest, src.name)] = src
            continue
        folders.append(posixpath.normpath(dest))
        for folder, dirs, names in os.walk(src):
            dirs[:] = [d for d in dirs if not Path(folder, d).is_symlink()]
            rel_folder = Path(folder).relative_to(src).as_posix()
            if rel_folder != ".":
                folders.append(posixpath.join(dest, rel_folder))
            for name in names:
                file = Path(folder, name)
                if file.is_symlink() or not file.is_file():
                    continue
                rel = file.relative_to(src).as_posix()
                if source in ("/", "") and rel in ("appspec.yml", "appspec.yaml"):
                    continue
                plan[posixpath.join(dest, rel)] = file
    return plan, folders, None


def install_plan(appspec: AppSpec, revision_dir: Path) -> tuple[dict[str, str], str | None]:
    """{destination file: sha256} the `files` section copies, or an error message."""
    sources, _folders, problem = install_sources(appspec, revision_dir)
    if problem:
        return {}, problem
    return {dest: _sha(src) for dest, src in sources.items()}, None


class RevisionStore:
    """The deployment group's memory in the world: revisions by id and who has which."""

    def __init__(self, world: World, group_id: str) -> None:
        self._group = world.codedeploy_revisions(group_id)

    def last_successful(self) -> Revision | None:
        dep = self._group["last_successful"]
        return Revision.from_state(self._group["revisions"][dep]) if dep else None

    def on_instance(self, instance: str) -> Revision | None:
        dep = self._group["instances"].get(instance, {}).get("last_successful")
        return Revision.from_state(self._group["revisions"][dep]) if dep else None

    def instance_files(self, instance: str, preexisting: list[str]) -> dict[str, str]:
        """{path: origin} on the instance: 'preexisting' or the deployment that installed it."""
        entry = self._group["instances"].setdefault(instance, {})
        if "files" not in entry:
            entry["files"] = {path: "preexisting" for path in preexisting}
        return entry["files"]

    def instance_folders(self, instance: str) -> list[str]:
        """Folders the group's last Install created on the instance (removed when empty)."""
        entry = self._group["instances"].setdefault(instance, {})
        folders = entry.setdefault("folders", [])
        return folders if isinstance(folders, list) else []

    def add(self, revision: Revision) -> None:
        self._group["revisions"][revision.deployment_id] = revision.to_state()

    def mark_instance(self, instance: str, deployment_id: str) -> None:
        self._group["instances"].setdefault(instance, {})["last_successful"] = deployment_id

    def mark_group(self, deployment_id: str) -> None:
        self._group["last_successful"] = deployment_id

    def seed(self, revision: Revision, instances: list[str]) -> bool:
        """A revision the world says is already installed (before any simulated deployment)."""
        if self._group["last_successful"] is not None:
            return False
        self.add(revision)
        self.mark_group(revision.deployment_id)
        for instance in instances:
            self.mark_instance(instance, revision.deployment_id)
            files = self.instance_files(instance, [])
            for path in revision.files:
                files[path] = revision.deployment_id
        return True
