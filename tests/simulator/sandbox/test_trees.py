"""The host never recurses on learner trees: deep, huge, racing and hostile trees end cleanly."""

from __future__ import annotations

import os
import tempfile
import threading
import time
from pathlib import Path

import pytest

from simulator.codebuild._files import make_zip, select
from simulator.sandbox import (
    MAX_DEPTH,
    TreeChanged,
    TreeLimit,
    discard_tree,
    remove_leftovers,
    remove_tree,
    tree_usage,
    wait_for_discards,
    walk,
)
from tests.simulator.sandbox.conftest import run


def nest(root: Path, depth: int, name: str = "d") -> Path:
    """depth nested folders under root, made relative to each level (no PATH_MAX trouble)."""
    fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY)
    try:
        for _ in range(depth):
            os.mkdir(name, dir_fd=fd)
            next_fd = os.open(name, os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
            os.close(fd)
            fd = next_fd
        with open(os.open("leaf.txt", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd), "w") as f:
            f.write("deep")
    finally:
        os.close(fd)
    return root


@pytest.mark.parametrize("depth", [3_000, 12_000])
def test_deep_trees_are_refused_not_recursed(tmp_path, depth):
    nest(tmp_path, depth)
    started = time.monotonic()
    with pytest.raises(TreeLimit, match=f"nested more than {MAX_DEPTH} levels"):
        tree_usage(tmp_path, max_entries=50_000)
    with pytest.raises(TreeLimit, match="artifact files could not be collected"):
        select(tmp_path, ("**/*",))
    assert time.monotonic() - started < 20  # the build's time limit in the example
    tree = tmp_path / "tree"
    tree.mkdir()
    for child in list(tmp_path.iterdir()):
        if child != tree:
            child.rename(tree / child.name)
    discard_tree(tree)  # the run's result does not wait for the disk
    assert not tree.exists()
    assert wait_for_discards(timeout=300)
    assert list(tmp_path.iterdir()) == []


def test_walk_stops_at_its_deadline(tmp_path):
    for i in range(50):
        (tmp_path / f"d{i}").mkdir()
    with pytest.raises(TreeLimit, match="time limit"):
        list(walk(tmp_path, deadline=time.monotonic() - 1))


def test_walk_within_limits_is_complete_and_ordered(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "z.txt").write_text("z")
    (tmp_path / "a.txt").write_text("a")
    (tmp_path / "b" / "c").mkdir()
    (tmp_path / "b" / "c" / "y.txt").write_text("y")
    (tmp_path / "link").symlink_to("/etc")
    paths = [(e.path, e.kind) for e in walk(tmp_path)]
    assert paths == [
        ("a.txt", "file"),
        ("b", "dir"),
        ("link", "symlink"),
        ("b/c", "dir"),
        ("b/z.txt", "file"),
        ("b/c/y.txt", "file"),
    ]


def test_remove_tree_never_follows_symlinks_and_restores_permissions(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep.txt").write_text("keep")
    tree = tmp_path / "tree"
    (tree / "locked" / "inner").mkdir(parents=True)
    (tree / "locked" / "inner" / "f").write_text("x")
    (tree / "to-outside").symlink_to(outside)
    (tree / "locked" / "file-link").symlink_to(outside / "keep.txt")
    os.mkfifo(tree / "fifo")
    (tree / "locked" / "inner").chmod(0)
    (tree / "locked").chmod(0)
    remove_tree(tree)
    assert not tree.exists()
    assert (outside / "keep.txt").read_text() == "keep"


def test_remove_tree_of_a_missing_path_or_a_file(tmp_path):
    remove_tree(tmp_path / "missing")
    (tmp_path / "file").write_text("x")
    remove_tree(tmp_path / "file")
    assert not (tmp_path / "file").exists()


def test_a_file_vanishing_while_zipping_is_a_clean_build_error(tmp_path):
    for i in range(5):
        (tmp_path / f"f{i}.txt").write_text("x" * 100)
    chosen = select(tmp_path, ("*.txt",))
    (tmp_path / "f3.txt").unlink()
    with pytest.raises(TreeChanged, match=r"f3\.txt disappeared while the artifacts"):
        make_zip(tmp_path, chosen, max_bytes=10_000)
    (tmp_path / "f3.txt").symlink_to("/etc/passwd")
    with pytest.raises(TreeChanged, match=r"f3\.txt changed while the artifacts"):
        make_zip(tmp_path, chosen, max_bytes=10_000)


def test_racing_deletes_while_collecting_never_raise_anything_else(tmp_path):
    for i in range(200):
        (tmp_path / f"f{i}.txt").write_text("x")
    stop = threading.Event()

    def churn() -> None:
        while not stop.is_set():
            for i in range(200):
                path = tmp_path / f"f{i}.txt"
                path.unlink(missing_ok=True)
                path.write_text("x")

    racer = threading.Thread(target=churn)
    racer.start()
    outcomes = set()
    try:
        for _ in range(30):
            try:
                make_zip(tmp_path, select(tmp_path, ("*.txt",)), max_bytes=1_000_000)
                outcomes.add("ok")
            except ValueError as exc:  # TreeChanged is a ValueError: the build's CLIENT_ERROR
                outcomes.add(type(exc).__name__)
    finally:
        stop.set()
        racer.join()
    assert outcomes <= {"ok", "TreeChanged"}


def test_make_zip_honours_its_deadline(tmp_path):
    (tmp_path / "a.txt").write_text("a")
    chosen = select(tmp_path, ("a.txt",))
    with pytest.raises(ValueError, match="took longer than the time limit"):
        make_zip(tmp_path, chosen, max_bytes=100, deadline=time.monotonic() - 1)


def test_remove_leftovers_takes_only_old_folders_of_ours(tmp_path):
    old = time.time() - 10 * 3600
    names = ["pa-sbx-old", "pa-build-old", "pa-sbx-recent", "other-old", "pa-rev-foreign"]
    for name in names:
        (tmp_path / name / "src").mkdir(parents=True)
        nest(tmp_path / name / "src", 2_000 if name.endswith("-old") else 3)
    for name in names:
        if name != "pa-sbx-recent":
            os.utime(tmp_path / name, (old, old))
    (tmp_path / "pa-art-file").write_text("a file, not a folder")
    os.utime(tmp_path / "pa-art-file", (old, old))
    if os.geteuid() == 0:
        os.chown(tmp_path / "pa-rev-foreign", 12345, 12345)
    found = remove_leftovers(temp_dir=tmp_path)
    removed = sorted(Path(p).name for p in found.removed)
    expected = ["pa-build-old", "pa-sbx-old"]
    if os.geteuid() != 0:
        expected.append("pa-rev-foreign")  # cannot be given to another user without root
    assert removed == sorted(expected)
    assert found.failed == ()
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == sorted({*names, "pa-art-file"} - set(expected))
    remove_tree(tmp_path / "other-old")  # deeper than pytest's own clean-up can recurse


@pytest.mark.sandbox
def test_a_deep_tree_built_in_the_sandbox_ends_the_session_cleanly(session_factory):
    session = session_factory(wall_seconds=20)
    script = "for i in $(seq 3000); do mkdir d && cd d || exit 1; done; sleep 5"
    outcome, _ = run(session, script)
    assert outcome.status == "FAILED" and outcome.session_over
    assert outcome.reason == f"disk limit: folders nested more than {MAX_DEPTH} levels deep" or (
        (outcome.reason or "").startswith(f"disk limit: folders nested more than {MAX_DEPTH}")
    )
    private = session._private
    session.close()
    assert not private.exists()


@pytest.mark.sandbox
def test_a_build_making_a_deep_tree_fails_with_the_limit_and_leaves_nothing(tmp_path, monkeypatch):
    from simulator.codebuild import BuildOptions, build
    from simulator.sandbox import MIB, Limits
    from simulator.world import load_world

    source = tmp_path / "src"
    source.mkdir()
    (source / "app.txt").write_text("app")
    spec = (
        "version: 0.2\nphases:\n  build:\n    commands:\n"
        '      - "for i in $(seq 3000); do mkdir d && cd d || exit 1; done; sleep 3"\n'
        "artifacts:\n  files:\n    - '**/*'\n"
    )
    made: list[str] = []
    real_mkdtemp = tempfile.mkdtemp

    def recording_mkdtemp(*args, **kwargs):
        made.append(real_mkdtemp(*args, **kwargs))
        return made[-1]

    monkeypatch.setattr("simulator.codebuild._build.tempfile.mkdtemp", recording_mkdtemp)
    world = load_world('account: "111122223333"\nregion: eu-west-1\n')
    limits = Limits(output_bytes=4 * MIB, processes=64, tmp_bytes=16 * MIB)
    result = build(spec, source, world, BuildOptions(limits=limits, time_limit=20))
    assert result.status == "FAILED"
    assert f"folders nested more than {MAX_DEPTH} levels deep" in result.reason
    assert wait_for_discards(timeout=300)
    ours = [Path(path) for path in made if Path(path).name.startswith(("pa-build-", "pa-sbx-"))]
    assert ours and not any(path.exists() for path in ours)
    assert not [p for path in ours for p in path.parent.glob(path.name + "*")]
