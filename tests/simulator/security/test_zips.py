"""Zips the host unpacks (pipeline artifacts, build caches) may have been made by a learner."""

from __future__ import annotations

import io
import stat
import zipfile
from pathlib import Path

import pytest

from simulator.codebuild._files import unzip_into
from simulator.codepipeline import _artifacts
from simulator.codepipeline._actions import _unpacked
from simulator.codepipeline._artifacts import ArtifactError, members, read_member, unzip_to


def make(*entries: tuple[str, bytes] | zipfile.ZipInfo, link: str | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for entry in entries:
            if isinstance(entry, zipfile.ZipInfo):
                archive.writestr(entry, b"x")
            else:
                archive.writestr(*entry)
        if link:
            info = zipfile.ZipInfo("link")
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, link)
    return buffer.getvalue()


def encrypted() -> bytes:
    data = bytearray(make(("secret.txt", b"hidden")))
    # Set the "encrypted" bit in the local and central headers: zipfile then needs a password.
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = data.find(signature)
        data[at + offset] |= 0x1
    return bytes(data)


def tree(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*"))


# -- pipeline artifacts ------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["../evil.txt", "a/../../evil.txt", "/etc/evil.txt"])
def test_zip_slip_entry_is_refused(tmp_path, name):
    dest = tmp_path / "dest"
    dest.mkdir()
    with pytest.raises(ArtifactError, match="unsafe path"):
        unzip_to(make(("ok.txt", b"1"), (name, b"pwned")), dest)
    assert not (tmp_path / "evil.txt").exists()


def test_symlink_entry_is_not_recreated(tmp_path):
    unzip_to(make(("ok.txt", b"1"), link="/etc/passwd"), tmp_path)
    assert tree(tmp_path) == ["ok.txt"]


def test_file_and_folder_with_one_name_is_an_artifact_error(tmp_path):
    with pytest.raises(ArtifactError, match="cannot be unpacked"):
        unzip_to(make(("a", b"file"), ("a/b", b"under a file")), tmp_path)


def test_encrypted_entry_is_an_artifact_error(tmp_path):
    with pytest.raises(ArtifactError, match="cannot be read"):
        unzip_to(encrypted(), tmp_path)
    with pytest.raises(ArtifactError, match="cannot be read"):
        read_member(encrypted(), "secret.txt")


def test_not_a_zip_is_an_artifact_error(tmp_path):
    with pytest.raises(ArtifactError, match="not a zip"):
        unzip_to(b"PK\x03\x04 but not really", tmp_path)
    with pytest.raises(ArtifactError, match="not a zip"):
        list(members(b"plain text"))


def test_zip_bomb_is_refused_before_inflating(tmp_path, monkeypatch):
    monkeypatch.setattr(_artifacts, "MAX_ARTIFACT_BYTES", 1000)
    bomb = make(("zeros", b"\0" * 5000))
    assert len(bomb) < 1000
    with pytest.raises(ArtifactError, match="more than 256 MB"):
        unzip_to(bomb, tmp_path)
    with pytest.raises(ArtifactError, match="more than 256 MB"):
        read_member(bomb, "zeros")
    assert tree(tmp_path) == []


def test_refused_artifact_leaves_no_temporary_folder(tmp_path, monkeypatch):
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    with pytest.raises(ArtifactError):
        _unpacked(make(("ok.txt", b"1"), ("../evil", b"2")))
    # The folder is renamed away at once and deleted by the background discarder.
    from simulator.sandbox._cleanup import wait_for_discards

    assert wait_for_discards(timeout=10)
    assert list(tmp_path.iterdir()) == []


# -- build cache -------------------------------------------------------------------------------
def test_cache_zip_bomb_writes_nothing(tmp_path):
    with pytest.raises(ValueError, match="unpacks to more than 1000 bytes"):
        unzip_into(make(("small", b"1"), ("zeros", b"\0" * 5000)), tmp_path, max_bytes=1000)
    assert tree(tmp_path) == []


def test_cache_with_too_many_entries_writes_nothing(tmp_path):
    entries = [(f"f{i}", b"") for i in range(20)]
    with pytest.raises(ValueError, match="more than 10 entries"):
        unzip_into(make(*entries), tmp_path, max_bytes=1000, max_entries=10)
    assert tree(tmp_path) == []


@pytest.mark.parametrize("data", [b"junk", encrypted()])
def test_unreadable_cache_zip_is_a_value_error(tmp_path, data):
    with pytest.raises(ValueError, match="cache zip cannot be read"):
        unzip_into(data, tmp_path, max_bytes=10_000)
    assert tree(tmp_path) == []


def test_cache_entries_never_leave_the_tree_or_follow_links(tmp_path):
    root = tmp_path / "root"
    root.mkdir()
    outside = tmp_path / "outside"
    outside.mkdir()
    (root / "deps").symlink_to(outside)
    (root / "dir").mkdir()
    data = make(
        ("../escape", b"1"),
        ("deps/through-link", b"2"),
        ("dir", b"a file where a folder is"),
        ("ok/file", b"3"),
        link="/etc/passwd",
    )
    assert unzip_into(data, root, max_bytes=10_000) == 1
    assert tree(root) == ["deps", "dir", "ok", "ok/file"]
    assert list(outside.iterdir()) == []
    assert not (tmp_path / "escape").exists()
