"""Build identity: root in the sandbox by default (no capability), `run-as` as the build user."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from simulator.sandbox._bwrap import live_pids
from tests.simulator.sandbox.conftest import run

pytestmark = pytest.mark.sandbox

USER = "codebuild-user"


@pytest.fixture
def root_session(session_factory):
    session = session_factory()
    if not session.root:
        pytest.skip("two identities need a root host (it writes the user namespace's map)")
    return session


def test_root_writes_etc_and_usr_local_the_build_user_cannot(root_session):
    outcome, lines = run(
        root_session,
        "id -un; touch /etc/app.conf /usr/local/bin/tool && echo root-wrote; "
        "grep CapEff /proc/self/status",
    )
    assert outcome.succeeded
    assert lines == ["root", "root-wrote", "CapEff:\t0000000000000000"]
    outcome, lines = run(
        root_session,
        "id -un; touch /etc/other 2>&1; touch /usr/local/bin/other 2>&1; "
        "touch /tmp/mine && echo tmp-ok",
        user=USER,
    )
    assert lines[0] == USER
    assert sum("Permission denied" in line for line in lines) == 2
    assert lines[-1] == "tmp-ok"
    assert not Path("/etc/app.conf").exists() and not Path("/usr/local/bin/tool").exists()


def test_shell_state_carries_across_identities(root_session):
    assert run(root_session, "export A=1; B=2; cd /tmp")[0].succeeded
    _outcome, lines = run(root_session, 'echo "$A $B $PWD $(id -u)"; C=3', user=USER)
    assert lines == ["1 2 /tmp 1000"]
    _outcome, lines = run(root_session, 'echo "$C $(id -u)"')
    assert lines == ["3 0"]


def test_root_cannot_gain_capabilities_or_nest_namespaces(root_session):
    _outcome, lines = run(
        root_session,
        "unshare -U true 2>&1 || echo nested-refused; "
        "setpriv --reuid 1000 true 2>&1 || echo setuid-refused; "
        "python3 -c 'import ctypes; print(ctypes.CDLL(None).ptrace(16, 1, 0, 0))'",
    )
    assert "nested-refused" in lines and "setuid-refused" in lines
    assert lines[-1] == "-1"


def test_no_process_of_either_identity_outlives_the_session(root_session):
    run(root_session, "(sleep 60 &); true")
    run(root_session, "(sleep 60 &); true", user=USER)
    uid = root_session._uid
    root_session.close()
    assert uid is not None
    assert live_pids(uid) == [] and live_pids(uid + 1) == []
    assert os.geteuid() == 0


def test_buildspec_run_as_switches_user_for_real(tmp_path):
    from simulator.codebuild import BuildOptions, build
    from simulator.sandbox import MIB, Limits
    from simulator.world import load_world

    if os.geteuid() != 0:
        pytest.skip("two identities need a root host")
    source = tmp_path / "src"
    source.mkdir()
    spec = (
        "version: 0.2\nphases:\n"
        '  install:\n    commands:\n      - echo "install uid $(id -u)"\n'
        "      - touch /usr/local/bin/tool && echo root-installed\n"
        "  build:\n    run-as: codebuild-user\n    commands:\n"
        '      - echo "build uid $(id -u)"\n'
        "      - touch /usr/local/bin/other || echo refused\n"
    )
    world = load_world('account: "111122223333"\nregion: eu-west-1\n')
    limits = Limits(output_bytes=4 * MIB, processes=64, tmp_bytes=16 * MIB)
    result = build(spec, source, world, BuildOptions(limits=limits, time_limit=30))
    assert result.status == "SUCCEEDED", result.log
    for line in ("install uid 0", "root-installed", "build uid 1000", "refused"):
        assert line in result.log_lines
