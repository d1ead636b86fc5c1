"""Hook scripts in bubblewrap see their instance's files; runas is a real user; virtual time.

Sources (AWS docs): CodeDeploy user guide "AppSpec 'hooks' section" (runas, timeout default
3600 s, scripts of ApplicationStop from the last successful revision), "AppSpec 'files'
section" and "AppSpec 'permissions' section" (owner, mode after the copy, before AfterInstall).
"""

from __future__ import annotations

import os
import random
import time

import pytest

from simulator.codedeploy import DeployOptions, SandboxHookRunner, deploy
from simulator.codedeploy._disk import disk_of
from tests.simulator.deploy.conftest import server_world

pytestmark = pytest.mark.sandbox
ROOT_HOST = os.geteuid() == 0


def _rev(root, hooks: dict[str, str], extra: str = "", files: dict[str, str] | None = None):
    """A revision: site/ files to /var/www/html and one script per hook (body given)."""
    (root / "scripts").mkdir(parents=True)
    (root / "site").mkdir()
    for name, text in (files or {"index.html": "<h1>hi</h1>\n"}).items():
        (root / "site" / name).parent.mkdir(parents=True, exist_ok=True)
        (root / "site" / name).write_text(text)
    lines = [
        "version: 0.0",
        "os: linux",
        "files:",
        "  - source: site",
        "    destination: /var/www/html",
    ]
    lines += [extra] if extra else []
    lines.append("hooks:")
    for hook, body in hooks.items():
        runas = ""
        if "|" in hook:
            hook, runas = hook.split("|")
        script = root / "scripts" / f"{hook}.sh"
        script.write_text("#!/bin/bash\n" + body + "\n")
        script.chmod(0o755)
        lines += [f"  {hook}:", f"    - location: scripts/{hook}.sh"]
        if runas:
            lines.append(f"      runas: {runas}")
    (root / "appspec.yml").write_text("\n".join(lines) + "\n")
    return root


def _run(rev, world, seed=1, seconds=10.0):
    runner = SandboxHookRunner(max_script_seconds=seconds)
    options = DeployOptions(runner=runner, rng=random.Random(seed), ids=random.Random(seed))
    return deploy((rev / "appspec.yml").read_text(), rev, world, "prod", options)


def _out(result, event, target="i-1"):
    return next(e for e in result.events if e.event == event and e.target == target)


def test_after_install_sees_edits_and_chmods_the_installed_files(tmp_path):
    rev = _rev(
        tmp_path / "rev",
        {
            "BeforeInstall": "test -e /var/www/html/index.html && echo there || echo absent",
            "AfterInstall": "cat /var/www/html/index.html && "
            "sed -i 's/hi/edited/' /var/www/html/index.html && "
            "chmod 600 /var/www/html/index.html && stat -c %a /var/www/html/index.html",
            "ValidateService": "cat /var/www/html/index.html",
        },
    )
    world = server_world(1)
    result = _run(rev, world)
    assert result.status == "Succeeded", result.to_text()
    assert _out(result, "BeforeInstall").output == ["absent"]
    assert _out(result, "AfterInstall").output == ["<h1>hi</h1>", "600"]
    assert _out(result, "ValidateService").output == ["<h1>edited</h1>"]
    # The instance keeps the edit after the deployment (its own disk).
    assert disk_of(world, "i-1").read("/var/www/html/index.html") == b"<h1>edited</h1>\n"


def test_application_stop_sees_the_previous_revisions_files(tmp_path):
    world = server_world(1)
    v1 = _rev(tmp_path / "v1", {"ApplicationStop": "echo v1-stop"}, files={"v1.txt": "one"})
    first = _run(v1, world)
    assert _out(first, "ApplicationStop").status == "Skipped"
    v2 = _rev(
        tmp_path / "v2",
        {"ApplicationStop": "echo v2-stop", "AfterInstall": "ls /var/www/html"},
        files={"v2.txt": "two"},
    )
    second = _run(v2, world, seed=2)
    # ApplicationStop runs v1's script while v1's files are still installed.
    assert _out(second, "ApplicationStop").output == ["v1-stop"]
    assert _out(second, "AfterInstall").output == ["v2.txt"]


@pytest.mark.skipif(not ROOT_HOST, reason="two sandbox identities need a root host")
def test_runas_is_a_real_user_and_permissions_give_it_the_folder(tmp_path):
    rev = _rev(
        tmp_path / "rev",
        {
            "BeforeInstall": "id -u",
            "AfterInstall|ec2-user": 'echo "$(id -u) $USER"; touch /var/www/html/logs/ok '
            "&& echo wrote-logs; touch /var/www/html/nope 2>/dev/null || echo denied-root-dir",
        },
        extra="permissions:\n  - object: /var/www/html/logs\n    owner: ec2-user\n"
        "    mode: 755\n    type: [directory]\n  - object: /var/www/html\n    pattern: logs\n"
        "    owner: ec2-user\n    type: [directory]",
        files={"index.html": "x", "logs/.keep": ""},
    )
    result = _run(rev, server_world(1))
    assert result.status == "Succeeded", result.to_text()
    assert _out(result, "BeforeInstall").output == ["0"]
    assert _out(result, "AfterInstall").output == ["1000 ec2-user", "wrote-logs", "denied-root-dir"]


def test_sleep_runs_on_the_virtual_clock(tmp_path):
    rev = _rev(
        tmp_path / "rev",
        {"ApplicationStart": "sleep 40 && echo started", "ValidateService": "sleep 2h"},
    )
    started = time.monotonic()
    result = _run(rev, server_world(1))
    assert time.monotonic() - started < 20
    start = _out(result, "ApplicationStart")
    # 40 s of a 3600 s default timeout: fine on AWS, and here it costs no real 40 s.
    assert (start.status, start.output) == ("Succeeded", ["started"])
    assert start.end - start.start >= 40
    validate = _out(result, "ValidateService")
    assert (validate.status, validate.error_code) == ("Failed", "ScriptTimedOut")
    assert validate.end - validate.start == 3600
    assert "failed to complete in 3600 seconds" in validate.message


def test_real_time_cap_is_reported_as_the_simulators_limit(tmp_path):
    rev = _rev(tmp_path / "rev", {"ValidateService": "while :; do :; done"})
    result = _run(rev, server_world(1), seconds=1)
    validate = _out(result, "ValidateService")
    assert validate.error_code == "SimulatorLimit"
    assert "stopped by the simulator's real-time limit of 1 s" in validate.message
    assert "failed to complete" not in validate.message


def test_a_symlink_a_hook_leaves_never_sends_the_host_elsewhere(tmp_path):
    target = tmp_path / "host-file"
    target.write_text("host")
    world = server_world(1)
    v1 = _rev(
        tmp_path / "v1",
        {"ApplicationStart": f"ln -sfn {target} /var/www/html/index.html; ls -l /var/www/html"},
    )
    assert _run(v1, world).status == "Succeeded"
    v2 = _rev(
        tmp_path / "v2",
        {"AfterInstall": "cat /var/www/html/index.html"},
        files={"index.html": "v2\n"},
    )
    result = _run(v2, world, seed=2)
    assert result.status == "Succeeded", result.to_text()
    assert target.read_text() == "host"
    assert _out(result, "AfterInstall").output == ["v2"]


def test_a_short_declared_timeout_is_an_aws_timeout_even_in_real_time(tmp_path):
    rev = _rev(tmp_path / "rev", {"ValidateService": "while :; do :; done"})
    text = (rev / "appspec.yml").read_text()
    (rev / "appspec.yml").write_text(
        text.replace("scripts/ValidateService.sh", "scripts/ValidateService.sh\n      timeout: 1")
    )
    result = _run(rev, server_world(1), seconds=10)
    validate = _out(result, "ValidateService")
    assert validate.error_code == "ScriptTimedOut"
    assert validate.end - validate.start == 1
    assert "failed to complete in 1 seconds" in validate.message
