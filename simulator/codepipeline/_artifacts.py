"""Pipeline artifacts: zips made from directories, kept in the world's S3 artifact store."""

from __future__ import annotations

import io
import os
import stat
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import Any

MAX_ARTIFACT_BYTES = 256 * 1024 * 1024  # CloudFormation input artifact limit (fact sheet 6.6)
_FIXED_TIME = (2020, 1, 1, 0, 0, 0)


class ArtifactError(ValueError):
    """An artifact that cannot be stored or unpacked safely."""


def zip_dir(folder: Path) -> bytes:
    """A deterministic zip of a directory (symlinks are left out: never followed)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for root, dirs, files in os.walk(folder):
            dirs[:] = sorted(d for d in dirs if d != ".git" and not Path(root, d).is_symlink())
            for name in sorted(files):
                path = Path(root, name)
                if path.is_symlink() or not path.is_file():
                    continue
                info = zipfile.ZipInfo(path.relative_to(folder).as_posix(), _FIXED_TIME)
                info.external_attr = (path.stat().st_mode & 0o777 | stat.S_IFREG) << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, path.read_bytes())
    return buffer.getvalue()


# What a hostile zip can raise while being read: a bad CRC or header, an encrypted or
# unsupported entry, a broken deflate stream; a name clash (file vs folder) while unpacking.
_ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, RuntimeError, NotImplementedError,
               zlib.error, EOFError, OSError, ValueError)  # fmt: skip


def members(data: bytes) -> Iterator[tuple[zipfile.ZipInfo, bytes]]:
    """(entry, content) of every file of a zip; ArtifactError when it is unsafe or unreadable.

    Sizes are checked from the headers before anything is decompressed (zipfile never returns
    more than the declared size), so a zip bomb is refused without being inflated.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except _ZIP_ERRORS as exc:
        raise ArtifactError(f"the artifact is not a zip file ({exc})") from exc
    with archive:
        infos = archive.infolist()
        if sum(i.file_size for i in infos) > MAX_ARTIFACT_BYTES:
            raise ArtifactError("the artifact unpacks to more than 256 MB")
        for info in infos:
            if info.is_dir():
                continue
            try:
                body = archive.read(info)
            except _ZIP_ERRORS as exc:
                raise ArtifactError(
                    f"{info.filename}: cannot be read from the zip ({exc})"
                ) from exc
            yield info, body


def unzip_to(data: bytes, dest: Path) -> None:
    """Unpack a zip; refuses absolute paths, `..`, symlinks and oversized content."""
    for info, body in members(data):
        name = PurePosixPath(info.filename)
        if name.is_absolute() or ".." in name.parts:
            raise ArtifactError(f"the artifact holds an unsafe path: {info.filename}")
        mode = info.external_attr >> 16
        if stat.S_ISLNK(mode):
            continue  # links are not recreated on the host
        target = dest / name
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(body)
        except OSError as exc:  # "a" and "a/b" both in the zip, say
            raise ArtifactError(f"{info.filename}: cannot be unpacked ({exc.strerror})") from exc
        if mode & 0o111:
            target.chmod(0o755)


def read_member(data: bytes, member: str) -> bytes | None:
    """One file of a zip artifact, or None if it is not there (ArtifactError if unreadable)."""
    wanted = member.lstrip("/")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            info = archive.getinfo(wanted)
            too_big = info.file_size > MAX_ARTIFACT_BYTES
            body = b"" if too_big else archive.read(info)
    except (KeyError, zipfile.BadZipFile):
        return None
    except _ZIP_ERRORS as exc:
        raise ArtifactError(f"{wanted}: cannot be read from the artifact ({exc})") from exc
    if too_big:
        raise ArtifactError(f"{wanted} unpacks to more than 256 MB")
    return body


class ArtifactStore:
    """The pipeline's artifact buckets (one per region for cross-region actions)."""

    def __init__(self, world: Any, pipeline_name: str, stores: dict[str, str], home: str) -> None:
        self.world = world
        self.pipeline_name = pipeline_name
        self.stores = stores  # region -> bucket
        self.home = home

    def bucket(self, region: str | None) -> str:
        region = region or self.home
        if region not in self.stores:
            raise ArtifactError(
                f"no artifact store for region {region}: add it to the pipeline's artifactStores"
            )
        return self.stores[region]

    def put(
        self, artifact: str, data: bytes, execution_id: str, region: str | None = None
    ) -> dict[str, str]:
        if len(data) > MAX_ARTIFACT_BYTES:
            raise ArtifactError(f"artifact {artifact} is larger than 256 MB")
        bucket = self.bucket(region)
        # The artifact bucket is created with the pipeline in real accounts.
        self.world.s3_create_bucket(bucket, region or self.home, versioning=True)
        key = f"{self.pipeline_name[:20]}/{artifact[:20]}/{execution_id[:8]}-{artifact}.zip"
        self.world.s3_put(bucket, key, data)
        return {"bucket": bucket, "key": key, "region": region or self.home}

    def get(self, location: dict[str, str]) -> bytes:
        return self.world.s3_get(location["bucket"], location["key"])

    def copy_to(
        self, artifact: str, location: dict[str, str], region: str, execution_id: str
    ) -> dict[str, str]:
        """The artifact in `region`'s store (cross-region actions read their own region's)."""
        if location["region"] == region:
            return location
        return self.put(artifact, self.get(location), execution_id, region)
