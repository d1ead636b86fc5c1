"""Inside the sandbox, /proc/self/mountinfo names no host work tree: binds come from neutral
staging folders; a staged tree is the same files (hard links), read-only."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator.sandbox import Mount, run_once

pytestmark = pytest.mark.sandbox
ROOT = Path(__file__).resolve().parents[2]


def _run(command: str, mounts: list[Mount]) -> tuple[str, list[str]]:
    lines: list[str] = []
    outcome = run_once(command, env={}, on_line=lines.append, mounts=mounts)
    return outcome.status, lines


def test_mountinfo_shows_no_host_work_tree_path() -> None:
    tools = ROOT / "simulator" / "standins"  # what builds really mount from the work tree
    status, lines = _run(
        "cat /proc/self/mountinfo; cat /opt/tools/__init__.py | head -1; touch /opt/tools/x",
        [Mount(tools, "/opt/tools")],
    )
    text = "\n".join(lines)
    assert "/opt/tools" in text  # the mount is there…
    assert str(ROOT) not in text  # …but not where it comes from
    assert str(Path.home()) not in text or str(Path.home()) == "/root"
    first_line = (tools / "__init__.py").read_text().splitlines()[0]
    assert first_line in lines  # the same files
    assert status != "SUCCEEDED"  # read-only: touch failed
    assert not (tools / "x").exists()


def test_a_changed_tree_is_staged_again() -> None:
    probe = ROOT / "var" / "test-mountinfo-probe"
    probe.mkdir(parents=True, exist_ok=True)
    try:
        (probe / "a.txt").write_text("first\n")
        _, before = _run("cat /opt/p/a.txt", [Mount(probe, "/opt/p")])
        assert before == ["first"]
        from simulator.sandbox import _bwrap

        _bwrap._staged.clear()  # a new worker process
        (probe / "new.tmp").write_text("second, longer\n")
        (probe / "new.tmp").replace(probe / "a.txt")  # a new file (editors save so), not in place
        _, after = _run("cat /opt/p/a.txt", [Mount(probe, "/opt/p")])
        assert after == ["second, longer"]
    finally:
        for item in probe.iterdir():
            item.unlink()
        probe.rmdir()
