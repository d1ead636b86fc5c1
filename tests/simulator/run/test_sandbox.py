"""The sandbox: isolation, state across commands, and hostile commands ending cleanly."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest

from simulator.sandbox import (
    PathEscapesWorkTree,
    SandboxUnavailable,
    ShellSession,
    read_file,
    walk,
)
from simulator.sandbox import _probe as probe_module
from simulator.sandbox._bwrap import live_pids
from tests.simulator.run.conftest import BASE_ENV, short_limits

pytestmark = pytest.mark.sandbox


def run(session: ShellSession, command: str, **kw):
    lines: list[str] = []
    started = time.monotonic()
    outcome = session.run(command, on_line=lines.append, **kw)
    return outcome, lines, time.monotonic() - started


def assert_normal_after(session_factory) -> None:
    """A fresh session right after a hostile one works normally."""
    session = session_factory()
    outcome, lines, _ = run(session, "echo still-fine > ok.txt && cat ok.txt")
    assert outcome.succeeded
    assert lines == ["still-fine"]


def test_state_persists_between_commands(session_factory):
    session = session_factory()
    assert run(session, "GREETING=hello; cd /tmp; f() { echo fn-$1; }")[0].succeeded
    outcome, lines, _ = run(session, 'echo "$GREETING $(pwd)"; f x')
    assert outcome.succeeded
    assert lines == ["hello /tmp", "fn-x"]


def test_runs_as_root_without_capabilities_with_cleared_environment(session_factory):
    session = session_factory()
    outcome, lines, _ = run(session, "id -u; id -g; env | sort; grep CapEff /proc/self/status")
    assert outcome.succeeded
    expected = "0" if session.root else "1000"  # root in the sandbox needs root on the host
    assert lines[:2] == [expected, expected]
    env_names = {line.split("=", 1)[0] for line in lines[2:-1]}
    assert env_names <= {"PATH", "HOME", "LANG", "PWD", "SHLVL", "_", "OLDPWD"}
    assert lines[-1].split() == ["CapEff:", "0000000000000000"]


def test_exit_status_and_fresh_shell_after_exit(session_factory):
    session = session_factory()
    assert run(session, "A=1")[0].succeeded
    outcome, _, _ = run(session, "exit 3")
    assert (outcome.exit_code, outcome.status) == (3, "FAILED")
    outcome, lines, _ = run(session, 'echo "[$A]"')
    assert outcome.succeeded and lines == ["[]"]


def test_fork_bomb_ends_with_process_limit(session_factory):
    session = session_factory()
    outcome, _, took = run(session, ":(){ :|:& };:; sleep 5")
    assert outcome.status == "FAILED"
    assert outcome.reason and outcome.reason.startswith("process limit")
    assert took < 3 + 1
    assert_normal_after(session_factory)


def test_busy_loop_times_out(session_factory):
    session = session_factory(cpu_seconds=30)
    outcome, _, took = run(session, "while :; do :; done")
    assert outcome.status == "TIMED_OUT"
    assert "3 s time limit" in (outcome.reason or "")
    assert took < 3 + 1
    assert_normal_after(session_factory)


def test_busy_loop_hits_cpu_limit_first(session_factory):
    session = session_factory(wall_seconds=10, cpu_seconds=1)
    outcome, _, took = run(session, "bash -c 'while :; do :; done'")
    assert outcome.status == "FAILED"
    assert (outcome.reason or "").startswith("CPU time limit")
    assert took < 10  # CPU seconds, not wall seconds: a loaded machine stretches the wall time


def test_sleep_times_out(session_factory):
    session = session_factory()
    outcome, _, took = run(session, "sleep 100000")
    assert outcome.status == "TIMED_OUT" and outcome.session_over
    assert took < 3 + 1
    later, _, _ = run(session, "echo never")
    assert later.status == "FAILED" and later.session_over
    assert_normal_after(session_factory)


def test_per_command_timeout(session_factory):
    session = session_factory(wall_seconds=30)
    outcome, _, took = run(session, "sleep 100000", timeout=1)
    assert outcome.status == "TIMED_OUT"
    assert "its time limit" in (outcome.reason or "")
    assert took < 2


def test_allocating_4gb_hits_memory_limit(session_factory):
    session = session_factory()
    outcome, _, _ = run(session, "python3 -c 'x = bytearray(4 * 1024**3)'")
    assert outcome.status == "FAILED"
    assert (outcome.reason or "").startswith("memory limit")
    assert_normal_after(session_factory)


def test_single_huge_file_hits_file_size_limit(session_factory):
    session = session_factory()
    outcome, _, _ = run(session, "head -c 100M /dev/zero > big.bin")
    assert outcome.status == "FAILED"
    assert (outcome.reason or "").startswith("file size limit")
    assert_normal_after(session_factory)


def test_filling_the_disk_hits_disk_limit(session_factory):
    session = session_factory()
    script = "i=0; while :; do head -c 8M /dev/zero > fill$i; i=$((i+1)); done"
    outcome, _, took = run(session, script)
    assert outcome.status == "FAILED"
    assert (outcome.reason or "").startswith("disk limit")
    assert took < 3 + 1
    assert_normal_after(session_factory)


def test_filling_tmp_is_bounded(session_factory):
    session = session_factory()
    outcome, lines, _ = run(session, "head -c 100M /dev/zero > /tmp/fill")
    assert outcome.status == "FAILED"
    assert any("No space left on device" in line for line in lines)


def test_one_gigabyte_of_output_hits_output_limit(session_factory):
    session = session_factory()
    outcome, lines, took = run(session, "head -c 1G /dev/zero | tr '\\0' 'x' | fold -w 100")
    assert outcome.status == "FAILED"
    assert (outcome.reason or "").startswith("output limit")
    assert sum(len(line) for line in lines) <= 1024 * 1024
    assert took < 3 + 1
    assert_normal_after(session_factory)


def test_no_network_to_loopback_or_outside(session_factory):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    port = listener.getsockname()[1]
    try:
        session = session_factory()
        probe = (
            "python3 -c 'import socket,sys; socket.create_connection((sys.argv[1], "
            "int(sys.argv[2])), timeout=1)' {} {}"
        )
        local, local_lines, _ = run(session, probe.format("127.0.0.1", port))
        outside, outside_lines, _ = run(session, probe.format("93.184.216.34", 80))
    finally:
        listener.close()
    assert local.status == "FAILED" and "ConnectionRefusedError" in local_lines[-1]
    assert outside.status == "FAILED" and "Network is unreachable" in outside_lines[-1]


def test_secrets_and_project_files_are_not_visible(session_factory):
    session = session_factory()
    project_file = Path(__file__).resolve()
    outcome, lines, _ = run(session, f"cat /etc/shadow; cat {project_file}; ls /work /root")
    assert outcome.status == "FAILED"
    text = "\n".join(lines)
    assert "/etc/shadow: No such file or directory" in text
    assert f"{project_file}: No such file or directory" in text
    assert "def test_secrets_and_project_files_are_not_visible" not in text


def test_writing_outside_the_work_tree_fails(session_factory):
    session = session_factory()
    lines: list[str] = []
    outcome = session.run(
        "echo x > /usr/evil; echo y > /etc/evil; touch /evil",
        on_line=lines.append,
        user="codebuild-user",
    )
    assert outcome.status == "FAILED"
    assert (
        sum("Read-only file system" in line or "Permission denied" in line for line in lines) == 3
    )
    # Root may write its own /etc (a tmpfs in the sandbox), never the host's.
    root, lines, _ = run(session, "echo y > /etc/evil; echo x > /usr/evil")
    assert root.status == "FAILED" and len(lines) == 1
    assert not Path("/usr/evil").exists() and not Path("/etc/evil").exists()


def test_kill_everything_ends_the_command_not_the_host(session_factory):
    session = session_factory()
    outcome, _, took = run(session, "sh -c 'kill -9 -1'; sleep 5")
    assert outcome.status == "FAILED"
    assert (outcome.exit_code, outcome.signal) == (137, 9)
    assert outcome.reason == "killed by signal 9 (SIGKILL)"
    assert took < 3 + 1
    again, lines, _ = run(session, "echo back")
    assert again.succeeded and lines == ["back"]


def test_symlink_to_etc_is_never_followed_by_the_host(session_factory):
    session = session_factory()
    assert run(session, "ln -s /etc out; mkdir -p d; ln -s /etc/passwd d/pw")[0].succeeded
    entries = {e.path: e for e in walk(session.work_dir)}
    assert entries["out"].kind == "symlink" and entries["out"].link_target == "/etc"
    assert "out/passwd" not in entries
    with pytest.raises(PathEscapesWorkTree):
        read_file(session.work_dir, "out/passwd", max_bytes=1000)
    with pytest.raises(PathEscapesWorkTree):
        read_file(session.work_dir, "d/pw", max_bytes=1000)
    with pytest.raises(PathEscapesWorkTree):
        read_file(session.work_dir, "../etc/passwd", max_bytes=1000)


def test_missing_bwrap_refuses_to_run(monkeypatch, tmp_path):
    monkeypatch.setattr(probe_module, "BWRAP_CANDIDATES", ())
    monkeypatch.setenv("PA_BWRAP", str(tmp_path / "no-bwrap"))
    monkeypatch.setattr(probe_module.shutil, "which", lambda _name: None)
    probe_module.probe.cache_clear()
    try:
        with pytest.raises(SandboxUnavailable, match="bubblewrap"):
            ShellSession(tmp_path, env=BASE_ENV, limits=short_limits())
    finally:
        probe_module.probe.cache_clear()


def test_namespaces_refused_is_reported(monkeypatch, tmp_path):
    fake = tmp_path / "bwrap"
    fake.write_text("#!/bin/sh\necho 'bwrap: No permissions to create new namespace' >&2\nexit 1\n")
    fake.chmod(0o755)
    probe_module.probe.cache_clear()
    try:
        with pytest.raises(SandboxUnavailable, match="namespaces"):
            probe_module.probe(str(fake))
    finally:
        probe_module.probe.cache_clear()


def test_kill_all_from_the_shell_itself_leaves_the_shell_running(session_factory):
    session = session_factory()
    outcome, lines, _ = run(session, "sleep 30 & kill -9 -1; echo survived")
    assert outcome.succeeded and lines[0] == "survived"
    # bash may add its own notice about the killed job; nothing else is printed.
    assert all("Killed" in line for line in lines[1:])


def test_no_process_outlives_its_session(session_factory):
    session = session_factory(processes=32)
    run(session, "for i in 1 2 3; do (sleep 60 &) ; done; :(){ :|:& };:")
    uid = session._uid
    session.close()
    if uid is None:
        pytest.skip("not running as root: the session shares this user's uid")
    assert live_pids(uid) == []
