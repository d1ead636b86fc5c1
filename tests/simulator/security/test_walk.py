"""Walking the work tree while a sandboxed process still changes it (background jobs live on)."""

from __future__ import annotations

import os
from pathlib import Path

from simulator.sandbox import walk
from simulator.sandbox._safe_fs import tree_usage


def test_entry_removed_during_the_walk_is_skipped(tmp_path: Path):
    for name in ("a", "b", "c"):
        (tmp_path / name).write_text(name)
    seen = []
    for entry in walk(tmp_path):
        seen.append(entry.path)
        if len(seen) == 1:
            (tmp_path / "b").unlink()  # a build's background job deleting files
    assert sorted(seen) == ["a", "c"]


def test_folder_swapped_for_a_symlink_during_the_walk_is_not_followed(tmp_path: Path):
    root = tmp_path / "root"
    (root / "d").mkdir(parents=True)
    (root / "d" / "inside.txt").write_text("in")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "host-secret.txt").write_text("secret")
    seen = []
    for entry in walk(root):
        seen.append(entry.path)
        if entry.path == "d":
            # Between listing d and reading it, the sandbox puts a link in its place.
            os.rename(root / "d", root / "moved")
            os.symlink(outside, root / "d")
    assert not [path for path in seen if "host-secret" in path]


def test_tree_usage_survives_a_disappearing_folder(tmp_path: Path):
    (tmp_path / "gone").mkdir()
    (tmp_path / "gone" / "f").write_bytes(b"x" * 10)
    iterator = walk(tmp_path)
    assert next(iterator).path == "gone"
    (tmp_path / "gone" / "f").unlink()
    (tmp_path / "gone").rmdir()
    assert list(iterator) == []
    assert tree_usage(tmp_path, max_entries=10) == (0, 0)
