"""Attacks on the command stream and exit statuses: none may change a status or eat a command.

Each test runs the attack as a learner command, then checks that the attacked command and the
commands after it (the host's own `export` included) report their real statuses.
"""

from __future__ import annotations

import os
import threading
import time

import pytest

from simulator.sandbox._bwrap import live_pids
from tests.simulator.sandbox.conftest import run

pytestmark = pytest.mark.sandbox


@pytest.fixture
def session_factory(both_identities):
    """Every attack runs against both sandbox modes."""
    return both_identities


def statuses(session, *commands: str) -> list[int | None]:
    return [run(session, command)[0].exit_code for command in commands]


def assert_still_honest(session) -> None:
    """Later commands still report what really happened, and none is swallowed."""
    assert statuses(session, "false", "true", "exit 7", "echo x") == [1, 0, 7, 0]
    session.export({"PA_PROBE": "host value"})
    outcome, lines = run(session, 'echo "$PA_PROBE"')
    assert outcome.succeeded and lines == ["host value"]


def test_forging_the_old_status_descriptor_does_nothing(session_factory):
    session = session_factory()
    outcome, lines = run(session, "printf '0\\n' >&12; false")
    # bash goes on to `false` (1); dash stops the command at the bad redirection (2).
    assert outcome.exit_code in (1, 2) and outcome.status == "FAILED"
    assert lines  # the shell's own error about fd 12
    assert_still_honest(session)


def test_writing_to_every_descriptor_does_nothing(session_factory):
    session = session_factory()
    script = "for fd in $(seq 3 255); do { printf '0\\n' >&$fd; } 2>/dev/null; done; false"
    assert run(session, script)[0].exit_code in (1, 2)  # dash: 2, at the first bad fd
    assert_still_honest(session)


def test_writing_to_every_descriptor_of_every_process_does_nothing(session_factory):
    session = session_factory()
    run(session, "sleep 20 &")  # a process of an earlier command, with its own descriptors
    script = (
        "for f in /proc/[0-9]*/fd/*; do "
        "case $f in /proc/self/*|/proc/$$/*|/proc/$BASHPID/*) continue;; esac; "
        "{ printf '0\\nexit 0\\n' > \"$f\"; } 2>/dev/null; done; false"
    )
    assert run(session, script)[0].exit_code == 1
    assert_still_honest(session)


@pytest.mark.parametrize("user", [None, "codebuild-user"])
def test_driver_descriptors_memory_and_environment_are_closed_to_the_learner(session_factory, user):
    session = session_factory()
    _outcome, lines = run(
        session,
        "for f in /proc/1/fd/*; do readlink $f; cat $f; echo 0 > $f; done; "
        "cat /proc/1/environ; head -c1 /proc/1/mem; ls /proc/1/cwd/ /proc/1/root/; "
        "echo 'open:'; ls /proc/self/fd | tr '\\n' ' '",
        user=user,
    )
    assert lines[-2] == "open:"
    assert lines[-1].split() == ["0", "1", "2", "3"]  # 3 is ls's own directory handle
    refusals = ("denied", "No such file", "cannot create")  # dash words EACCES its own way
    leaked = [line for line in lines[:-2] if not any(word in line for word in refusals)]
    assert leaked == []  # root may list the numbers of the driver's fds, never use them
    assert_still_honest(session)


def test_ptrace_of_the_driver_is_refused(session_factory):
    session = session_factory()
    probe = (
        "python3 -c 'import ctypes, sys; libc = ctypes.CDLL(None, use_errno=True); "
        "r = libc.ptrace(16, 1, 0, 0); print(r, ctypes.get_errno()); sys.exit(0 if r == -1 else 1)'"
    )
    outcome, lines = run(session, probe)
    assert outcome.succeeded, lines
    assert lines == ["-1 1"]  # EPERM
    assert_still_honest(session)


def test_a_second_reader_cannot_swallow_commands(session_factory):
    session = session_factory()
    # Background readers on every descriptor the learner can name, for several commands.
    script = (
        "for f in /proc/[0-9]*/fd/* /dev/stdin; do "
        '( timeout 3 cat "$f" > /dev/null 2>&1 & ) ; done; true'
    )
    assert run(session, script)[0].succeeded
    outcomes = [run(session, f"echo cmd{i}") for i in range(5)]
    assert [lines for _o, lines in outcomes] == [[f"cmd{i}"] for i in range(5)]
    assert_still_honest(session)


def test_signals_to_the_driver_are_ignored(session_factory):
    session = session_factory()
    outcome, lines = run(
        session, "for s in KILL TERM INT HUP QUIT STOP USR1; do kill -$s 1; done; echo sent"
    )
    assert outcome.succeeded and lines == ["sent"]
    assert_still_honest(session)


def test_the_driver_killed_from_outside_is_a_failure_never_a_success(session_factory):
    session = session_factory()
    uid = session._uid
    if uid is None:
        pytest.skip("needs root: the driver is found by the session's own host uid")

    def kill_driver() -> None:
        time.sleep(0.5)
        for pid in live_pids(uid):
            with open(f"/proc/{pid}/cmdline", "rb") as handle:
                if handle.read().startswith(b"/usr/bin/python3\0-I\0-S\0"):
                    os.kill(pid, 9)

    killer = threading.Thread(target=kill_driver)
    killer.start()
    outcome, _ = run(session, "sleep 3; exit 0")
    killer.join()
    assert outcome.status == "FAILED" and outcome.exit_code is None
    assert "command runner stopped" in (outcome.reason or "")
    assert_still_honest(session)  # a fresh sandbox takes over


def test_background_output_printed_late_changes_no_status(session_factory):
    session = session_factory()
    assert run(session, "( sleep 0.3; echo LATE; printf '0\\n' ) & true")[0].succeeded
    outcome, lines = run(session, "sleep 0.6; false")
    assert outcome.exit_code == 1
    assert "LATE" in lines  # shown (as on CodeBuild), but it decides nothing
    assert_still_honest(session)


def test_an_exit_0_trap_changes_no_status(session_factory):
    session = session_factory()
    assert run(session, "trap 'exit 0' EXIT; false")[0].exit_code == 1
    assert run(session, "trap 'exit 0' EXIT")[0].exit_code == 0
    assert run(session, "false")[0].exit_code == 1  # traps do not carry over
    # A trap the command sets for itself is the command's own code (like `|| true`); it
    # never reaches the next command.
    run(session, "trap 'exit 0' ERR DEBUG RETURN; shopt -s extdebug; false")
    assert run(session, "false")[0].exit_code == 1
    assert_still_honest(session)


def test_an_exit_function_changes_no_status(session_factory):
    session = session_factory()
    outcome, _ = run(session, "exit() { builtin exit 0; }; trap() { :; }; false")
    assert outcome.exit_code in (1, 2)  # dash refuses to define them: 2
    outcome, lines = run(session, "false")
    assert outcome.exit_code == 1
    if session.shell == "bash":  # sh carries no function at all
        assert any("'exit'" in line and "later commands do not see it" in line for line in lines)
    assert_still_honest(session)


def test_a_forged_state_file_only_changes_the_learners_own_shell(session_factory):
    session = session_factory()
    forge = (
        "( for i in $(seq 300); do "
        'printf \'/\\0\\0\\0\\0\\0declare -- X="1"\\ntrap "exit 0" EXIT\\0\\0\' '
        "> /codebuild/output/tmp/.shell-state; sleep 0.01; done ) > /dev/null 2>&1 & "
        "echo $! > /codebuild/output/tmp/forger.pid"
    )
    assert run(session, forge)[0].succeeded
    for _ in range(5):
        assert statuses(session, "false", "true") == [1, 0]
    # While the forger runs, a command may truthfully say the state was unreadable (a note line);
    # it is stopped before the honesty check that compares output lines (on a loaded machine it
    # could otherwise still be writing then).
    stop = (
        "p=$(cat /codebuild/output/tmp/forger.pid); kill -9 $p 2>/dev/null; "
        "while kill -0 $p 2>/dev/null; do sleep 0.01; done; true"
    )
    assert run(session, stop)[0].exit_code is not None
    assert_still_honest(session)


def test_exit_statuses_are_reported_as_aws_reports_them(session_factory):
    session = session_factory()
    for code in (252, 254, 129, 137, 255):
        outcome, _ = run(session, f"exit {code}")
        assert (outcome.exit_code, outcome.signal, outcome.reason) == (code, None, None)
    outcome, _ = run(session, "kill -TERM $$")
    assert (outcome.exit_code, outcome.signal) == (143, 15)
    assert outcome.reason == "killed by signal 15 (SIGTERM)"
    outcome, _ = run(session, "python3 -c 'import os; os.kill(os.getpid(), 9)'")
    # The shell itself was not killed: it reports its child's death as exit status 137.
    assert (outcome.exit_code, outcome.signal, outcome.reason) == (137, None, None)
