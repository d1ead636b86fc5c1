"""What a learner's command can see from inside the sandbox: nothing of the host process."""

from __future__ import annotations

import pytest

from simulator.sandbox import ShellSession
from tests.simulator.run.conftest import BASE_ENV, short_limits

pytestmark = pytest.mark.sandbox

CANARY = "PA_SECURITY_CANARY"


def run(session: ShellSession, command: str) -> tuple[bool, list[str]]:
    lines: list[str] = []
    outcome = session.run(command, on_line=lines.append)
    return outcome.succeeded, lines


@pytest.fixture
def session(monkeypatch):
    # A host secret in the worker's environment (DJANGO_SECRET_KEY, a database URL...).
    monkeypatch.setenv(CANARY, "host-secret-value")
    shell = ShellSession(env=BASE_ENV, limits=short_limits())
    shell.start()
    yield shell
    shell.close()


def test_host_environment_is_not_readable_through_proc(session):
    ok, lines = run(
        session,
        "for f in /proc/[0-9]*/environ /proc/self/environ; do "
        "tr '\\000' '\\n' < \"$f\" 2>/dev/null; done; echo done",
    )
    assert ok and lines[-1] == "done"
    assert not [line for line in lines if "host-secret-value" in line or CANARY in line]


def test_only_sandbox_processes_are_visible(session):
    ok, lines = run(session, "for p in /proc/[0-9]*; do basename $p; done")
    assert ok
    # bwrap's init, the shell and the commands of this one line: no host process.
    assert all(int(pid) < 50 for pid in lines)


def test_host_command_line_holds_no_host_secret(session):
    ok, lines = run(session, "tr '\\000' ' ' < /proc/1/cmdline; echo")
    assert ok
    assert "host-secret-value" not in " ".join(lines)


def test_hard_link_to_a_system_file_cannot_be_made(session):
    # The work tree is its own mount: link(2) across mounts fails, so no host inode
    # can be planted in the tree for the host to read back as a "regular file".
    ok, lines = run(session, "ln /usr/bin/true hard 2>&1; ln /etc/passwd pw 2>&1; ls")
    assert ok
    assert "hard" not in lines and "pw" not in lines
    assert any("Invalid cross-device link" in line for line in lines)


def test_no_network_interface_but_loopback(session):
    ok, lines = run(session, "tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '")
    assert ok
    assert lines == ["lo"]


def test_system_directories_are_read_only(session):
    # /etc is root's own writable tmpfs copy, as on CodeBuild (tests/simulator/sandbox).
    ok, lines = run(
        session,
        "for d in /usr /codebuild /; do touch $d/x 2>/dev/null && echo wrote $d; done; "
        "echo checked",
    )
    assert ok and lines == ["checked"]


def test_no_nested_user_namespace(session):
    # A nested user namespace would make the build "root" over new namespaces: a large
    # kernel surface (netfilter, mounts) for privilege escalation exploits.
    ok, lines = run(
        session, "unshare -Ur id -u 2>&1; unshare -U true 2>&1 && echo nested-ok; echo checked"
    )
    assert ok and lines[-1] == "checked"
    assert "0" not in lines and "nested-ok" not in lines


def test_dev_is_not_unbounded_memory_backed_storage(session):
    # /dev is a tmpfs: without a cap, files there would use host memory without limit.
    ok, lines = run(
        session,
        "(head -c 20M /dev/zero > /dev/shm/fill) 2>/dev/null && echo shm-unbounded; "
        "(echo x > /dev/planted) 2>/dev/null && echo dev-writable; "
        "echo fine > /dev/null && echo null-ok",
    )
    assert ok
    assert lines == ["null-ok"]
