"""Hook scripts for real, in bubblewrap: environment, previous revision, bad scripts."""

from __future__ import annotations

import os
import random
import time

import pytest

from simulator.codedeploy import DeployOptions, SandboxHookRunner, deploy
from tests.simulator.deploy.conftest import server_world, write_revision

pytestmark = pytest.mark.sandbox


def run(rev, world, **kw):
    runner = SandboxHookRunner(max_script_seconds=kw.pop("max_script_seconds", 10))
    options = DeployOptions(runner=runner, rng=random.Random(kw.pop("seed", 1)), **kw)
    return deploy((rev / "appspec.yml").read_text(), rev, world, "prod", options)


def test_scripts_run_sandboxed_with_hook_variables_and_previous_stop(tmp_path):
    v1 = write_revision(tmp_path / "v1", "v1")
    v2 = write_revision(tmp_path / "v2", "v2")
    (v2 / "scripts" / "BeforeInstall.sh").write_text(
        '#!/bin/bash\necho "$LIFECYCLE_EVENT|$APPLICATION_NAME|$DEPLOYMENT_GROUP_NAME|'
        '$DEPLOYMENT_ID|$(id -u)"\ncat /etc/shadow 2>/dev/null || echo no-shadow\n'
    )
    world = server_world(2)
    first = run(v1, world)
    assert first.status == "Succeeded"
    second = run(v2, world, seed=2)
    assert second.status == "Succeeded"
    events = {(e.target, e.event): e for e in second.events}
    assert events[("i-1", "ApplicationStop")].output == ["v1 ApplicationStop"]
    before = events[("i-2", "BeforeInstall")].output
    # Hooks run as root (the CodeDeploy agent's user) unless `runas`; root needs a root host.
    uid = "0" if os.geteuid() == 0 else "1000"
    assert before[0] == f"BeforeInstall|web|prod|{second.deployment_id}|{uid}"
    assert before[1] == "no-shadow"
    assert events[("i-1", "ValidateService")].output == ["v2 ValidateService"]


def test_missing_not_executable_and_timed_out_scripts(tmp_path):
    rev = write_revision(tmp_path / "rev")
    (rev / "scripts" / "AfterInstall.sh").chmod(0o644)
    (rev / "scripts" / "ValidateService.sh").write_text("#!/bin/bash\nsleep 100000\n")
    world = server_world(1)
    started = time.monotonic()
    result = run(rev, world, max_script_seconds=1)
    assert time.monotonic() - started < 5
    events = {e.event: e for e in result.events}
    assert events["AfterInstall"].status == "Succeeded"
    assert "not executable" in events["AfterInstall"].output[0]
    validate = events["ValidateService"]
    assert (validate.status, validate.error_code) == ("Failed", "ScriptTimedOut")
    assert validate.end - validate.start == 60
    assert result.status == "Failed"
    rev2 = write_revision(tmp_path / "rev2")
    (rev2 / "scripts" / "BeforeInstall.sh").unlink()
    result = run(rev2, server_world(1))
    assert result.events[2].error_code == "ScriptMissing"


def test_failing_script_reports_exit_code_and_output(tmp_path):
    rev = write_revision(tmp_path / "rev")
    (rev / "scripts" / "ApplicationStart.sh").write_text("#!/bin/bash\necho starting\nexit 3\n")
    result = run(rev, server_world(1))
    start = next(e for e in result.events if e.event == "ApplicationStart")
    assert start.output == ["starting"]
    assert "exit code 3" in start.message


def test_hostile_hook_fails_only_its_instance(tmp_path):
    rev = write_revision(tmp_path / "rev")
    (rev / "scripts" / "ValidateService.sh").write_text("#!/bin/bash\nkill -9 -1\nsleep 5\n")
    world = server_world(2, config="CodeDeployDefault.AllAtOnce")
    started = time.monotonic()
    result = run(rev, world, max_script_seconds=3)
    assert time.monotonic() - started < 10
    validate = [e for e in result.events if e.event == "ValidateService"]
    assert [e.status for e in validate] == ["Failed", "Failed"]
    assert all("exit code 137" in e.message for e in validate)  # SIGKILL, not a hang
    # The sandbox is still usable: a normal deployment right after succeeds.
    good = write_revision(tmp_path / "good")
    assert run(good, server_world(1), seed=3).status == "Succeeded"
